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

__all__ = ["FIELD_EXTRACTORS", "Extraction", "FieldExtractor", "LayoutLMExtractor", "RuleExtractor"]
