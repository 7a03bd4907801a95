"""Key-information extraction: page words -> the metadata fields, each with confidence and evidence."""

from typing import Protocol

from inference.kie.model import LayoutLMExtractor
from inference.kie.rules import Extraction, RuleExtractor
from inference.registry import Registry
from inference.schema import Page


class FieldExtractor(Protocol):
    def extract(self, pages: list[Page]) -> Extraction: ...


FIELD_EXTRACTORS: Registry[FieldExtractor] = Registry("field extractor")
FIELD_EXTRACTORS.register("rules")(RuleExtractor)
FIELD_EXTRACTORS.register("layoutlm")(LayoutLMExtractor)
EXTRACTOR_MODELS = {"layoutlm": "kie"}
"""Extractors that run a trained model: its name in the model registry (PipelineOptions.model_dirs)."""


def create_extractor(name: str, model_dirs: dict[str, str]) -> FieldExtractor:
    """The extractor `name`, with the model version the registry made active (the committed default otherwise)."""
    model = EXTRACTOR_MODELS.get(name)
    return FIELD_EXTRACTORS.create(name, **({"model_dir": model_dirs[model]} if model in model_dirs else {}))


__all__ = ["FIELD_EXTRACTORS", "Extraction", "FieldExtractor", "LayoutLMExtractor", "RuleExtractor", "create_extractor"]
