"""Corrected documents as training pages: which word gets which line role."""

from __future__ import annotations

from inference.schema import BBox, Word
from training.kie.corrections import corrected_labels, page_lines


def word(text: str, x0: float, y0: float, line: int) -> Word:
    return Word(text=text, bbox=BBox(x0=x0, y0=y0, x1=x0 + 0.08, y1=y0 + 0.02), line=line)


WORDS = [
    word("Số:", 0.10, 0.10, 0),
    word("15/QĐ-UBND", 0.20, 0.10, 0),
    word("KHẨN", 0.10, 0.20, 1),
    word("Hà", 0.60, 0.10, 0),
    word("Nội,", 0.70, 0.10, 0),
    word("BÍ", 0.60, 0.80, 2),
    word("THƯ", 0.70, 0.80, 2),
    word("PHÓ", 0.60, 0.83, 3),
    word("BÍ", 0.70, 0.83, 3),
    word("THƯ", 0.80, 0.83, 3),
]
PREDICTED = ["O", "O", "number", "issued_date", "issued_date", "signer_position", "signer_position", "O", "O", "O"]


def box(field: str, x0: float, y0: float, x1: float, y1: float, page: int = 0) -> dict:
    return {"field": field, "page": page, "x0": x0, "y0": y0, "x1": x1, "y1": y1}


def test_a_boxed_correction_moves_the_field_and_leaves_the_rest_to_the_model() -> None:
    row = {
        "corrected_fields": ["number", "urgency", "block"],
        "boxes": [box("number", 0.19, 0.09, 0.29, 0.13), box("urgency", 0.09, 0.19, 0.19, 0.23)],
    }
    labels = corrected_labels(WORDS, PREDICTED, 0, row)
    assert labels[:3] == ["O", "number", "urgency"]  # "KHẨN", tagged as the number, is the urgency
    assert labels[3:] == PREDICTED[3:]  # place and signer: not corrected, the model's own tags


def test_every_line_of_a_boxed_position_takes_its_role_and_a_box_on_another_page_labels_none_here() -> None:
    row = {
        "corrected_fields": ["signer_position", "place"],
        "boxes": [box("signer_position", 0.59, 0.79, 0.89, 0.86), box("place", 0.5, 0.0, 0.9, 0.2, page=1)],
    }
    labels = corrected_labels(WORDS, PREDICTED, 0, row)
    assert labels[5:] == ["signer_position"] * 5
    # The place is read from the date line: boxed on page 2, the date line the model found here is wrong.
    assert labels[3:5] == ["O", "O"]


def test_a_correction_without_a_box_leaves_the_words_the_model_gave_it_out_of_the_loss() -> None:
    labels = corrected_labels(WORDS, PREDICTED, 0, {"corrected_fields": ["place"], "boxes": []})
    assert labels[3:5] == [None, None] and labels[:3] == PREDICTED[:3]


def test_exported_words_are_put_in_reading_order_per_page() -> None:
    row = {
        "words": [
            {"page": 1, "text": "b", "line": 0, "x0": 0.5, "y0": 0.1, "x1": 0.6, "y1": 0.12},
            {"page": 0, "text": "z", "line": 1, "x0": 0.1, "y0": 0.5, "x1": 0.2, "y1": 0.52},
            {"page": 0, "text": "a", "line": 0, "x0": 0.1, "y0": 0.1, "x1": 0.2, "y1": 0.12},
        ]
    }
    pages = page_lines(row)
    assert {p: [w.text for line in lines for w in line.words] for p, lines in pages.items()} == {0: ["a", "z"], 1: ["b"]}
