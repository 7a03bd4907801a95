"""The DVC pipeline's definition (dvc.yaml, params.yaml): what `dvc repro --force` runs on a fresh clone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
STAGES = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))


def _param(dotted: str) -> object:
    value: object = PARAMS
    for key in dotted.split("."):
        assert isinstance(value, dict) and key in value, f"params.yaml has no {dotted}"
        value = value[key]
    return value


def test_every_parameter_a_stage_uses_is_in_params_yaml() -> None:
    for stage in STAGES.values():
        for dotted in re.findall(r"\$\{([^}]+)\}", stage["cmd"]):
            _param(dotted)
        for dotted in stage.get("params", []):
            _param(dotted)


def _committed(path: str) -> bool:
    listed = subprocess.run(["git", "ls-files", "--error-unmatch", path], cwd=REPO, capture_output=True, check=False)
    return listed.returncode == 0


def test_the_default_pipeline_fine_tunes_digits_v2_from_the_committed_v1() -> None:
    # digits-v1 (from scratch) is frozen: `dvc repro --force` skips it, so v2 starts from the file in git.
    assert STAGES["digits-v1"].get("frozen") is True
    assert "models/artifacts/digits/v1/model.pt" in STAGES["digits-v2"]["deps"]
    assert _committed("models/artifacts/digits/v1/model.pt")
    assert not any(stage.get("frozen") for name, stage in STAGES.items() if name != "digits-v1")
