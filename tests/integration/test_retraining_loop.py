"""The retraining loop end to end, with a tiny field tagger: trained on synthetic documents none of which is
urgent, it never reads the urgency stamp ("KHẨN", "HỎA TỐC") of an urgent document. Eight corrections through
the API (value and box), the `datasets` export, a retraining from the previous weights with the corrected
pages mixed in, a promotion: the urgency is then read on held-out urgent documents, and the other fields and
documents are read no worse beyond the noise of a tiny model on a few documents: no field loses more than
two documents of a held-out set, the mean exact match over the fields drops by at most 0.03, the subject's
character error rate rises by at most 0.1."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch

from api.corrections_export import export_corrections
from api.runtime import open_runtime
from inference.kie import LayoutLMExtractor
from inference.kie.model import reading_order
from inference.options import LoadLimits, PipelineOptions
from inference.schema import BBox
from models.kie.layoutlm import TINY, load_weights
from training.kie.corrections import load_corrections
from training.kie.data import page_examples
from training.kie.evaluate import field_accuracy
from training.kie.labels import label_words
from training.kie.passes import LabelledDocument, read_rendered
from training.kie.tokenizer import train_tokenizer
from training.kie.train import train_model, train_with_corrections, write_artifact
from training.synth import DocumentSpec, document_seed, render_pdf, sample_spec
from training.synth.lexicon import URGENCY

from .support import make_settings, started_client, wait_for_document

FIELD = "urgency"
TRAINING_DOCUMENTS = 30
HELD_OUT_DOCUMENTS = 10
CORRECTED_DOCUMENTS = 8
HELD_OUT_URGENT = 8
BASE_STEPS = 300
RETRAINING_STEPS = 240
DOCUMENTS_LOST = 2
MEAN_TOLERANCE = 0.03
SUBJECT_CER_TOLERANCE = 0.1
OPTIONS = PipelineOptions()


def documents(run_seed: int, n: int, urgent: bool) -> list[tuple[LabelledDocument, bytes]]:
    """Born-digital documents, urgent or not; numbers and days printed (a text layer has no handwriting)."""
    out = []
    for index in range(n):
        seed = document_seed(run_seed, index)
        rng = random.Random(seed)
        spec = sample_spec(rng).model_dump()
        spec["fields"]["urgency"] = rng.choice(URGENCY) if urgent else None
        spec = DocumentSpec.model_validate(spec | {"handwritten_number": False, "handwritten_day": False})
        rendered = render_pdf(spec)
        out.append((read_rendered(seed, rendered, rng, "text_layer", OPTIONS), rendered.pdf))
    return out


def value_box(document: LabelledDocument, field: str) -> dict:
    """Where a person would draw the box: around the words of the value on the first page."""
    words = reading_order(document.pages[0])
    labels = label_words(words, document.truth[0], document.fields)
    box = BBox.union([w.bbox for w, label in zip(words, labels, strict=True) if label[2:] == field])
    return {"page": 0, "bbox": box.model_dump()}


def accuracy(model_dir: Path, held_out: list[tuple[LabelledDocument, bytes]]) -> dict[str, float]:
    return field_accuracy(LayoutLMExtractor(model_dir), [document for document, _ in held_out])


def read(model_dir: Path, document: LabelledDocument) -> str | None:
    return getattr(LayoutLMExtractor(model_dir).extract(document.pages).fields, FIELD)


def regressions(before: dict[str, float], after: dict[str, float], documents: int) -> list[str]:
    """What is read worse after retraining beyond the tolerances (see the module)."""
    fields = [f for f in before if f not in ("subject_cer", FIELD)]
    worse = [f for f in fields if after[f] < before[f] - DOCUMENTS_LOST / documents - 1e-9]
    if sum(after[f] - before[f] for f in fields) / len(fields) < -MEAN_TOLERANCE:
        worse.append("mean exact match")
    return worse + (["subject_cer"] if after["subject_cer"] > before["subject_cer"] + SUBJECT_CER_TOLERANCE else [])


def upload(client, pdf: bytes, name: str) -> dict:
    created = client.post("/v1/documents", files={"file": (name, pdf)}).json()
    record = wait_for_document(client, created["id"])
    assert record["status"] == "done", record["error"]
    return record


def promote(client, version: str) -> None:
    # The gate runs on the frozen kie set (training/kie/frozen.py) and is recorded; a tagger retrained this
    # briefly may lose there, so the promotion is forced (this test checks the corrections, not the gate).
    response = client.post("/v1/models/kie/promote", json={"version": version, "force": True})
    assert response.status_code == 200, response.json()


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[tuple[LabelledDocument, bytes]]]:
    return {
        "train": documents(1, TRAINING_DOCUMENTS, urgent=False),
        "held_out": documents(2, HELD_OUT_DOCUMENTS, urgent=False),
        "to_correct": documents(3, CORRECTED_DOCUMENTS, urgent=True),
        "held_out_urgent": documents(4, HELD_OUT_URGENT, urgent=True),
    }


def test_corrections_of_a_systematic_error_fix_it_on_held_out_documents(tmp_path: Path, sqlite_url: str, corpus):
    torch.set_num_threads(1)
    settings = make_settings(
        tmp_path / "data",
        sqlite_url,
        pipeline=PipelineOptions(workers=1, limits=LoadLimits(max_pages=4), field_extractor="layoutlm"),
    )
    versions = settings.data_dir / "models" / "kie"
    training = [e for document, _ in corpus["train"] for e in page_examples(document)]
    tokenizer = train_tokenizer([" ".join(w.text for w in e.words) for e in training], 1500, with_vbpl=False)
    base, _ = train_model(
        training, [], tokenizer, TINY, minutes=10, seed=0, batch_size=8, lr=3e-3, max_steps=BASE_STEPS
    )
    write_artifact(base, tokenizer, versions / "t1")
    before = {split: accuracy(versions / "t1", corpus[split]) for split in ("held_out", "held_out_urgent")}
    assert before["held_out_urgent"][FIELD] == 0, "a tagger that never saw an urgent document reads no urgency"

    with started_client(settings) as client:
        promote(client, "t1")
        misread = 0
        for document, pdf in corpus["to_correct"]:
            record = upload(client, pdf, f"{document.seed}.pdf")
            misread += record["result"]["fields"][FIELD] != getattr(document.fields, FIELD)
            body = {"fields": {FIELD: getattr(document.fields, FIELD)}, "boxes": {FIELD: value_box(document, FIELD)}}
            assert client.put(f"/v1/documents/{record['id']}/fields", json=body).status_code == 200
        runtime = open_runtime(settings)
        try:
            card = export_corrections(runtime.sessions, tmp_path / "corrections")
        finally:
            runtime.close()
        assert card.rows == CORRECTED_DOCUMENTS and card.corrected_values == CORRECTED_DOCUMENTS

        init, config = load_weights(versions / "t1")
        retrained, stats = train_with_corrections(
            training,
            [],
            tokenizer,
            config,
            minutes=10,
            steps=RETRAINING_STEPS,
            seed=0,
            init=init,
            corrections=load_corrections(tmp_path / "corrections"),
            init_dir=versions / "t1",
        )
        write_artifact(retrained, tokenizer, versions / "t2")
        after = {split: accuracy(versions / "t2", corpus[split]) for split in ("held_out", "held_out_urgent")}

        promote(client, "t2")
        fixed = [
            (d, pdf) for d, pdf in corpus["held_out_urgent"] if read(versions / "t2", d) == getattr(d.fields, FIELD)
        ]
        assert fixed, (before, after)
        document, pdf = fixed[0]
        reread = upload(client, pdf, "after.pdf")  # the service runs the promoted version, without a restart

    assert misread == CORRECTED_DOCUMENTS, "the service, running t1, read no urgency"
    assert stats["corrected_pages"] >= CORRECTED_DOCUMENTS
    assert after["held_out_urgent"][FIELD] >= 0.85, (before, after)
    assert after["held_out"][FIELD] == 1.0  # no urgency read where there is none
    assert regressions(before["held_out"], after["held_out"], HELD_OUT_DOCUMENTS) == [], (before, after)
    assert regressions(before["held_out_urgent"], after["held_out_urgent"], HELD_OUT_URGENT) == [], (before, after)
    assert reread["fields"][FIELD] == getattr(document.fields, FIELD)


def test_with_no_corrections_the_export_is_an_empty_training_input(tmp_path: Path, sqlite_url: str) -> None:
    # The DVC pipeline exports before the field tagger's stage, on a fresh clone too (dvc.yaml `corrections`).
    runtime = open_runtime(make_settings(tmp_path / "data", sqlite_url))
    try:
        card = export_corrections(runtime.sessions, tmp_path / "corrections", allow_empty=True)
        again = export_corrections(runtime.sessions, tmp_path / "corrections", allow_empty=True)
    finally:
        runtime.close()
    assert card.rows == 0 and card.latest_correction is None and again.content_sha256 == card.content_sha256
    assert load_corrections(tmp_path / "corrections").rows == []
