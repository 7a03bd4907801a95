"""A small CRNN for handwritten digit strings: conv stack -> BiLSTM -> CTC over blank + 10 digits.

Input (N, 1, 32, 128) float, ink = 1, paper = 0 (inference.digits.prepare). The conv stack (a
stride-2 first conv: full-resolution feature maps are what costs most on a CPU) halves the height
five times (32 -> 1) and the width twice (128 -> 32), giving 32 time steps of 4 px each,
plenty for CTC on up to ~8 digits (a string of L needs at most 2L - 1 steps). Output logits
(N, 32, 11); class 0 is the CTC blank, class d + 1 is digit d.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from models.onnx_export import export_probabilities

NUM_CLASSES = 11


@dataclass(frozen=True)
class CRNNConfig:
    channels: tuple[int, int, int, int] = (16, 32, 64, 96)
    hidden: int = 64  # per LSTM direction
    dropout: float = 0.1
    head: str = "lstm"  # "lstm" (BiLSTM) or "conv" (two 1-D convolutions, kernel 3)

    def to_dict(self) -> dict:
        return asdict(self)


def _block(cin: int, cout: int, kernel: tuple[int, int] = (3, 3), padding: tuple[int, int] = (1, 1)) -> list[nn.Module]:
    """conv (no bias: BatchNorm follows) -> BatchNorm -> ReLU"""
    return [nn.Conv2d(cin, cout, kernel, padding=padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class CRNN(nn.Module):
    def __init__(self, config: CRNNConfig = CRNNConfig()):
        super().__init__()
        self.config = config
        c1, c2, c3, c4 = config.channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c1), nn.ReLU(inplace=True),  # 16 x 64
            *_block(c1, c2), nn.MaxPool2d(2, 2),  # 8 x 32
            *_block(c2, c3), *_block(c3, c3), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x 32
            *_block(c3, c4), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x 32
            *_block(c4, c4, kernel=(2, 3), padding=(0, 1)),  # 1 x 32
        )
        self.dropout = nn.Dropout(config.dropout)
        if config.head == "lstm":
            self.rnn = nn.LSTM(c4, config.hidden, batch_first=True, bidirectional=True)
        elif config.head == "conv":
            self.seq = nn.Sequential(
                nn.Conv1d(c4, 2 * config.hidden, 3, padding=1, bias=False), nn.BatchNorm1d(2 * config.hidden), nn.ReLU(inplace=True),
                nn.Conv1d(2 * config.hidden, 2 * config.hidden, 3, padding=1, bias=False), nn.BatchNorm1d(2 * config.hidden), nn.ReLU(inplace=True),
            )
        else:
            raise ValueError(f"unknown head {config.head!r}")
        self.head = nn.Linear(2 * config.hidden, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 1, 32, 128) -> logits (N, T=32, NUM_CLASSES)."""
        f = self.features(x).squeeze(2)  # (N, C, T)
        if self.config.head == "lstm":
            f, _ = self.rnn(self.dropout(f.transpose(1, 2)))
        else:
            f = self.seq(self.dropout(f)).transpose(1, 2)
        return self.head(self.dropout(f))


class Probabilities(nn.Module):
    """The exported graph: softmax over classes, so the ONNX output is directly usable."""

    def __init__(self, model: CRNN):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=-1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def export_onnx(model: CRNN, path: str, opset: int = 17) -> None:
    """Export softmax(model) with a dynamic batch axis: input "image" (N,1,32,128) -> "probs" (N,32,11)."""
    export_probabilities(Probabilities(model), torch.zeros(2, 1, 32, 128), path, opset)
