"""A small fully-convolutional network: page (N, 1, 384, 272) -> region logits per class (N, classes, 96, 68).

An encoder of strided 3x3 convolutions down to 1/32 (dilated convolutions at the two coarsest levels, so a
cell sees most of the page: where the body ends depends on where the signature block starts) and an FPN-style
decoder back to stride 4: each coarser level is upsampled, added to a 1x1 projection of the finer one and
smoothed by a 3x3 convolution. Full-resolution feature maps are what costs on a CPU, so the first two
convolutions are strided and the widest layers sit at the coarse levels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from inference.layout_model import INPUT_HEIGHT, INPUT_WIDTH
from inference.schema import LAYOUT_LABELS
from models.onnx_export import export_probabilities


@dataclass(frozen=True)
class LayoutNetConfig:
    channels: tuple[int, int, int, int] = (32, 64, 96, 128)
    """Widths at strides 4, 8, 16, 32."""
    decoder: int = 32
    classes: int = len(LAYOUT_LABELS)

    def to_dict(self) -> dict:
        return asdict(self)


TINY = LayoutNetConfig(channels=(8, 12, 16, 16), decoder=8)


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    """3x3 conv (no bias: BatchNorm follows) -> BatchNorm -> ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class LayoutNet(nn.Module):
    def __init__(self, config: LayoutNetConfig = LayoutNetConfig()):
        super().__init__()
        self.config = config
        c4, c8, c16, c32 = config.channels
        d = config.decoder
        self.stem = nn.Sequential(_conv(1, c4 // 2, 2), _conv(c4 // 2, c4, 2), _conv(c4, c4))
        self.down8 = nn.Sequential(_conv(c4, c8, 2), _conv(c8, c8))
        self.down16 = nn.Sequential(_conv(c8, c16, 2), _conv(c16, c16, dilation=2))
        self.down32 = nn.Sequential(_conv(c16, c32, 2), _conv(c32, c32, dilation=2), _conv(c32, c32, dilation=2))
        self.lateral = nn.ModuleList([nn.Conv2d(c, d, 1) for c in (c4, c8, c16, c32)])
        self.smooth = nn.ModuleList([_conv(d, d) for _ in range(3)])
        self.head = nn.Conv2d(d, config.classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f4 = self.stem(x)
        f8 = self.down8(f4)
        f16 = self.down16(f8)
        f32 = self.down32(f16)
        top = self.lateral[3](f32)
        for finer, lateral, smooth in zip((f16, f8, f4), self.lateral[2::-1], self.smooth, strict=True):
            top = smooth(lateral(finer) + F.interpolate(top, size=finer.shape[-2:], mode="nearest"))
        return self.head(top)


class Probabilities(nn.Module):
    """The exported graph: sigmoid per class, so the ONNX output is directly usable."""

    def __init__(self, model: LayoutNet):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model(x))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def export_onnx(model: LayoutNet, path: str, opset: int = 17) -> None:
    """sigmoid(model) with a dynamic batch axis: "image" (N, 1, 384, 272) -> "probs" (N, classes, 96, 68)."""
    export_probabilities(Probabilities(model), torch.zeros(1, 1, INPUT_HEIGHT, INPUT_WIDTH), path, opset)
