"""inference.prepare: ink separation, illumination, deskew and blank detection on synthetic images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.prepare import colour_masks, prepare_page, turn
from training.synth import DegradeParams, sample_scan
from training.synth.degrade import add_noise, photocopy, skew

DPI = 150
HEIGHT, WIDTH = round(11.69 * DPI), round(8.27 * DPI)
BLACK, RED, BLUE = (0, 0, 0), (210, 25, 40), (30, 60, 180)
"""Print, seal ink (training.synth.ink.RED_INKS) and ballpoint ink (BLUE_INKS)."""


def text_page() -> np.ndarray:
    """An A4 page at DPI with forty lines of black text."""
    page = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    for i in range(40):
        cv2.putText(page, f"Cong hoa xa hoi chu nghia Viet Nam {i:02d}", (110, 120 + 38 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, BLACK, 2, cv2.LINE_AA)
    return page


def multiply_ink(page: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Coloured ink over the page as on paper: print beneath it stays black (training.synth.ink)."""
    tint = 1.0 - mask[..., None] * (1.0 - np.asarray(colour, np.float32) / 255.0)
    return (page * tint).astype(np.uint8)


@pytest.fixture(scope="module")
def inked() -> dict[str, np.ndarray]:
    page = text_page()
    print_mask = page.min(axis=2) < 100
    seal = np.zeros(page.shape[:2], np.float32)
    cv2.circle(seal, (560, 1000), 150, 1.0, 10)  # over the text lines: print stays under the seal
    cv2.circle(seal, (560, 1000), 95, 1.0, 4)
    signature = np.zeros(page.shape[:2], np.float32)
    cv2.polylines(signature, [np.array([[250, 1650], [350, 1590], [450, 1680], [560, 1600], [650, 1660]], np.int32)],
                  False, 1.0, 5)
    rgb = multiply_ink(multiply_ink(page, seal, RED), signature, BLUE)
    core = page.min(axis=2) < 60
    return {"rgb": rgb, "print": print_mask, "core": core, "seal": seal > 0.5, "signature": signature > 0.5}


def test_colour_masks_find_seal_and_handwriting(inked: dict[str, np.ndarray]) -> None:
    red, blue = colour_masks(inked["rgb"])
    only_seal = inked["seal"] & ~inked["print"]
    only_signature = inked["signature"] & ~inked["print"]
    assert red[only_seal].mean() > 0.95
    assert blue[only_signature].mean() > 0.95
    # Black print is never colour ink, not even under the seal (dark pixels stay print).
    # (The core of the strokes: anti-aliased edges lighter than the V > 70 floor may tint.)
    assert not red[inked["core"]].any()
    assert not blue[inked["core"]].any()
    assert not (red & blue).any()


def test_seal_and_handwriting_leave_the_print_layer(inked: dict[str, np.ndarray]) -> None:
    prepared = prepare_page(inked["rgb"], DPI)
    only_seal = inked["seal"] & ~inked["print"]
    only_signature = inked["signature"] & ~inked["print"]
    # Deskew is skipped for a straight page of this kind, so pixels line up with the input.
    assert abs(prepared.quality.skew_degrees) < 0.3
    assert prepared.print_layer.shape == inked["rgb"].shape[:2]
    assert (prepared.print_layer[only_seal] > 200).mean() > 0.97
    assert (prepared.print_layer[only_signature] > 200).mean() > 0.97
    # ... and are kept, dark, in their own layers.
    assert (prepared.red_layer[only_seal] < 128).mean() > 0.95
    assert (prepared.blue_layer[only_signature] < 128).mean() > 0.95
    # The layers hold nothing else.
    assert (prepared.red_layer[~inked["seal"]] < 128).sum() == 0
    assert (prepared.blue_layer[~inked["signature"]] < 128).sum() == 0
    # The print, including the print under the seal, is still there.
    assert (prepared.print_layer[inked["print"]] < 128).mean() > 0.97
    under_seal = inked["core"] & inked["seal"]
    assert under_seal.sum() > 100
    assert (prepared.print_layer[under_seal] < 128).mean() > 0.95
    assert prepared.quality.red_seal
    assert prepared.quality.blue_ink
    assert not prepared.quality.blank


def test_plain_text_page_has_no_seal_no_blue_and_is_not_blank() -> None:
    prepared = prepare_page(text_page(), DPI)
    assert not prepared.quality.blank
    assert prepared.quality.ink_coverage > 0.01
    assert not prepared.quality.red_seal
    assert not prepared.quality.blue_ink
    assert (prepared.red_layer == 255).all() and (prepared.blue_layer == 255).all()
    assert prepared.quality.dpi == DPI


def blank_back() -> np.ndarray:
    """The back of a sheet: off-white paper, sensor noise, dust, and the front's text showing through."""
    rng = np.random.default_rng(5)
    bleed = np.where(cv2.flip(text_page(), 1) < 128, 215, 250).astype(np.uint8)
    page = add_noise(bleed, 4.0, rng)
    for y, x in zip(rng.integers(0, HEIGHT, 12), rng.integers(0, WIDTH, 12), strict=True):
        cv2.circle(page, (int(x), int(y)), 2, (90, 90, 90), -1)
    return page


def test_blank_back_page_is_blank() -> None:
    page = blank_back()
    assert (page.min(axis=2) < 230).mean() > 0.02  # bleed-through is visible
    prepared = prepare_page(page, DPI)
    assert prepared.quality.blank
    assert prepared.quality.ink_coverage < 0.0015
    assert prepared.quality.skew_degrees == 0.0


def test_a_page_with_one_line_of_text_is_not_blank() -> None:
    page = np.full((HEIGHT, WIDTH, 3), 250, np.uint8)
    for i in range(3):
        cv2.putText(page, "Trang nay co noi dung", (150, 300 + 45 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, BLACK, 2)
    assert not prepare_page(page, DPI).quality.blank


def test_a_blank_page_with_a_handwritten_note_is_not_blank() -> None:
    page = np.full((HEIGHT, WIDTH, 3), 250, np.uint8)
    cv2.polylines(page, [np.array([[300, 800], [500, 760], [700, 840], [900, 780]], np.int32)], False, BLUE, 5)
    prepared = prepare_page(page, DPI)
    assert prepared.quality.blue_ink
    assert not prepared.quality.blank


@pytest.mark.parametrize("dpi", [150, 200])
def test_skew_of_a_turned_page_is_measured_and_removed(dpi: int) -> None:
    """Sign convention: `skew_degrees` is the counter-clockwise turn that straightens the page, so a page
    scanned turned 2 degrees counter-clockwise (DegradeParams.skew_degrees=2) reports about -2."""
    _, straight = sample_scan(2, dpi=dpi)
    _, turned = sample_scan(2, dpi=dpi, degrade=DegradeParams(skew_degrees=2.0))
    _, other_way = sample_scan(2, dpi=dpi, degrade=DegradeParams(skew_degrees=-1.5))
    measured = prepare_page(turned[0], dpi).quality.skew_degrees
    assert abs(measured - (-2.0)) <= 0.15
    assert abs(prepare_page(other_way[0], dpi).quality.skew_degrees - 1.5) <= 0.15
    # Deskewed, the turned page's text rows are as sharp as the straight page's.
    def row_sharpness(gray: np.ndarray) -> float:
        return float(np.var((gray < 128).sum(axis=1, dtype=np.float64)))

    reference = row_sharpness(prepare_page(straight[0], dpi).print_layer)
    fixed = row_sharpness(prepare_page(turned[0], dpi).print_layer)
    raw = row_sharpness(cv2.cvtColor(turned[0], cv2.COLOR_RGB2GRAY))
    assert fixed > 0.8 * reference
    assert raw < 0.5 * reference


@pytest.mark.parametrize("dpi", [100, 150])
def test_straight_page_measures_no_skew(dpi: int) -> None:
    _, pages = sample_scan(2, dpi=dpi)
    assert abs(prepare_page(pages[0], dpi).quality.skew_degrees) < 0.1


def test_grey_photocopy_background_is_flattened_to_white() -> None:
    page = text_page()
    text = page.min(axis=2) < 100
    grey = photocopy(page, 0.5)
    assert np.median(grey[~text]) < 230  # the copier's grey paper
    prepared = prepare_page(grey, DPI)
    paper = prepared.print_layer[~text]
    assert np.median(paper) >= 250
    assert (paper >= 230).mean() > 0.9
    assert (prepared.print_layer[text] < 110).mean() > 0.95  # text stays ink
    assert not prepared.quality.blank


def test_uneven_light_is_flattened() -> None:
    page = text_page().astype(np.float32)
    gain = np.linspace(0.6, 1.0, WIDTH, dtype=np.float32)[None, :, None]  # lamp fall-off to the left
    dim = (page * gain).astype(np.uint8)
    text = text_page().min(axis=2) < 100
    prepared = prepare_page(dim, DPI)
    left_paper = prepared.print_layer[:, : WIDTH // 5][~text[:, : WIDTH // 5]]
    assert np.median(dim[:, : WIDTH // 5][~text[:, : WIDTH // 5]]) < 170
    assert np.median(left_paper) >= 245
    # A global threshold would have called the dim paper ink; the page is still mostly white.
    assert prepared.quality.ink_coverage < 0.15


def test_turn_rotates_counter_clockwise() -> None:
    image = np.zeros((2, 3, 3), np.uint8)
    image[0, 2] = 255  # top-right pixel
    turned = turn(image, 90)
    assert turned.shape == (3, 2, 3)
    assert turned[0, 0].tolist() == [255, 255, 255]  # top-right goes to top-left when turned CCW
    assert np.array_equal(turn(image, 360), image)
    assert np.array_equal(turn(turn(image, 90), 270), image)
    assert turn(image, 90).flags["C_CONTIGUOUS"]


def test_synthetic_scan_seal_is_on_the_red_layer() -> None:
    rendered, pages = sample_scan(2, dpi=100)
    assert rendered.spec.red_seal
    seal_page = rendered.page_of("seal")
    assert seal_page is not None
    for index, page in enumerate(pages):
        prepared = prepare_page(page, 100)
        assert prepared.quality.red_seal == (index == seal_page)
    box = rendered.pages[seal_page].region("seal")
    assert box is not None
    prepared = prepare_page(pages[seal_page], 100)
    height, width = prepared.red_layer.shape
    inside = prepared.red_layer[int(box.y0 * height) : int(box.y1 * height), int(box.x0 * width) : int(box.x1 * width)]
    outside_dark = (prepared.red_layer < 128).sum() - (inside < 128).sum()
    assert (inside < 128).sum() > 500
    assert outside_dark < 0.05 * (inside < 128).sum()


def test_skew_helper_matches_degrade_convention() -> None:
    # Guard for the convention used above: training's skew() turns counter-clockwise for positive degrees.
    page = np.full((200, 200, 3), 255, np.uint8)
    page[100, 20:180] = 0  # a horizontal line through the centre
    turned = skew(page, 10.0)
    rows = np.nonzero(turned[:, 170].min(axis=1) < 128)[0]
    assert rows.size and rows.mean() < 100  # the right end went up: counter-clockwise on screen
