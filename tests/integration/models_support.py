"""Real candidate digit models for the registry tests: copies of the committed CRNN, exact, noised or biased."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import torch

from api.models_registry import COMMITTED_ARTIFACTS, version_key
from models.digits.crnn import export_onnx
from training.digits.train import load_checkpoint

DEFAULT_DIGITS = max((p.name for p in (COMMITTED_ARTIFACTS / "digits").iterdir() if (p / "model.onnx").is_file()), key=version_key)
"""The committed version the registry uses when nothing was promoted: the newest."""
COMMITTED_DIGITS = COMMITTED_ARTIFACTS / "digits" / DEFAULT_DIGITS
SEVEN = 8
"""CTC class of the digit 7 (class 0 is the blank)."""


def copy_committed(directory: Path) -> Path:
    """The committed model as another version: the same weights, so exactly as good."""
    shutil.copytree(COMMITTED_DIGITS, directory)
    return directory


@functools.cache
def _export(kind: str, scale: float, cache_dir: Path) -> Path:
    torch.manual_seed(0)
    model = load_checkpoint(COMMITTED_DIGITS / "model.pt")
    with torch.no_grad():
        if kind == "noised":
            for parameter in model.parameters():
                parameter.add_(torch.randn_like(parameter) * parameter.std().nan_to_num(0.0) * scale)
        else:  # "sevens": the head ignores its input and says 7 at every step, so every crop reads "7"
            model.head.weight.zero_()
            model.head.bias.fill_(0.0)
            model.head.bias[SEVEN] = 10.0
    cache_dir.mkdir(parents=True, exist_ok=True)
    export_onnx(model, str(cache_dir / "model.onnx"))
    return cache_dir


def derived_model(directory: Path, kind: str, cache_root: Path, scale: float = 0.0) -> Path:
    """A real, worse CRNN as a model version directory: `noised` (Gaussian noise of `scale` times each
    weight tensor's spread) or `sevens` (reads every crop as "7")."""
    built = _export(kind, scale, cache_root / f"{kind}-{scale}")
    directory.mkdir(parents=True)
    shutil.copy(built / "model.onnx", directory / "model.onnx")
    return directory
