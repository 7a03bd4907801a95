"""A small LayoutLM (transformers) for BIO tagging of words with boxes; built from a config, never from a hub."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from pydantic import BaseModel
from transformers import LayoutLMConfig, LayoutLMForTokenClassification

from inference.kie.model import SHAPES, WINDOW


class TaggerConfig(BaseModel):
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    intermediate: int = 256
    dropout: float = 0.1


TINY = TaggerConfig(hidden=64, layers=1, heads=2, intermediate=128, dropout=0.0)


def build(config: TaggerConfig, vocab_size: int, labels: int) -> LayoutLMForTokenClassification:
    return LayoutLMForTokenClassification(LayoutLMConfig(
        vocab_size=vocab_size, hidden_size=config.hidden, num_hidden_layers=config.layers,
        num_attention_heads=config.heads, intermediate_size=config.intermediate,
        hidden_dropout_prob=config.dropout, attention_probs_dropout_prob=config.dropout,
        max_position_embeddings=WINDOW, max_2d_position_embeddings=1024, type_vocab_size=SHAPES,
        num_labels=labels, pad_token_id=0,
    ))


class LogitsOnly(torch.nn.Module):
    """The tagger with plain tensor inputs and one output, as exported to ONNX."""

    def __init__(self, model: LayoutLMForTokenClassification):
        super().__init__()
        self.model = model

    def forward(self, input_ids, bbox, token_type_ids, attention_mask):
        return self.model(input_ids=input_ids, bbox=bbox, token_type_ids=token_type_ids,
                          attention_mask=attention_mask).logits


INPUTS = ("input_ids", "bbox", "token_type_ids", "attention_mask")


def export_onnx(model: LayoutLMForTokenClassification, path: str, opset: int = 17) -> None:
    """Inputs (batch, seq) int64 [bbox (batch, seq, 4)] -> "logits" (batch, seq, labels); batch and seq dynamic."""
    wrapper = LogitsOnly(model).eval()
    seq = 16
    dummy = (torch.ones(2, seq, dtype=torch.long), torch.zeros(2, seq, 4, dtype=torch.long),
             torch.zeros(2, seq, dtype=torch.long), torch.ones(2, seq, dtype=torch.long))
    axes = {name: {0: "batch", 1: "seq"} for name in (*INPUTS, "logits")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation of the TorchScript exporter; tracer notes on SDPA
        torch.onnx.export(wrapper, dummy, path, dynamo=False, opset_version=opset, input_names=list(INPUTS),
                          output_names=["logits"], dynamic_axes=axes, do_constant_folding=True)


def load_weights(directory: Path) -> tuple[LayoutLMForTokenClassification, TaggerConfig]:
    """The torch model saved beside an artifact's ONNX (config.json + model.safetensors), and its config."""
    if not (directory / "model.safetensors").is_file():
        raise FileNotFoundError(f"{directory} holds no torch weights (model.safetensors) to retrain from")
    model = LayoutLMForTokenClassification.from_pretrained(str(directory), local_files_only=True)
    c = model.config
    config = TaggerConfig(hidden=c.hidden_size, layers=c.num_hidden_layers, heads=c.num_attention_heads,
                          intermediate=c.intermediate_size, dropout=c.hidden_dropout_prob)
    return model, config
