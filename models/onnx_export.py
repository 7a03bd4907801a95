"""Export of a torch module to ONNX the way every model here is served: one input "image", one output
"probs", a dynamic batch axis, the TorchScript exporter (the dynamo one needs onnxscript)."""

from __future__ import annotations

import warnings

import torch
from torch import nn


def export_probabilities(module: nn.Module, example: torch.Tensor, path: str, opset: int = 17) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the LSTM batch-size warning of the TorchScript exporter
        torch.onnx.export(
            module.eval(),
            (example,),
            path,
            dynamo=False,
            opset_version=opset,
            input_names=["image"],
            output_names=["probs"],
            dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}},
            do_constant_folding=True,
        )
