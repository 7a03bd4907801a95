"""training.kie.passes: documents read in worker processes are the documents read in this one, in order."""

from __future__ import annotations

from training.kie.passes import read_documents


def test_documents_read_by_two_workers_equal_those_read_here() -> None:
    here = [d.model_dump_json() for d in read_documents(3, 5, "text_layer")]
    workers = [d.model_dump_json() for d in read_documents(3, 5, "text_layer", workers=2)]

    assert workers == here
    assert len(set(here)) == 3
