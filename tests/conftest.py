"""Tests are hermetic: the synthetic document factory draws body sentences from the real corpora in
../shared when that directory exists (training.synth.corpus), which would make the documents, and so
the tests, differ between a machine with ../shared and a clone without it (a tiny tagger retrained on
them passed in one and not in the other). Point it at a directory that does not exist, so every test sees
the built-in sentences and nothing is read from ../shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def builtin_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    absent = tmp_path_factory.mktemp("no-shared") / "absent"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VANTHU_SHARED_DIR", str(absent))
        yield absent
