"""The numbers of each version's model card, flattened for charts: `heldout_font.model.exact_match` -> 0.82."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from api.models_registry import ModelRegistry, ModelVersion, UnknownModel, _read_card

SKIPPED_KEYS = frozenset({"by_length", "seed", "n", "documents"})
"""Counts, seeds and per-length breakdowns: not scores to compare versions on."""


class VersionMetrics(BaseModel):
    version: str
    source: str
    date: str | None
    values: dict[str, float]


class ModelMetrics(BaseModel):
    name: str
    metrics: list[str]
    """Every metric some version has, in card order."""
    versions: list[VersionMetrics]
    trainable: bool = False
    """Whether the service can retrain it (POST /v1/models/{name}/train)."""


def flatten_scores(node: Any, prefix: str = "") -> dict[str, float]:
    """Float leaves between 0 and 1 (accuracies, rates, CER) of a card's `metrics`, keyed by their path."""
    if isinstance(node, dict):
        found: dict[str, float] = {}
        for key, value in node.items():
            if key not in SKIPPED_KEYS:
                found |= flatten_scores(value, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(node, float) and 0.0 <= node <= 1.0:
        return {prefix: node}
    return {}


def existing_versions(registry: ModelRegistry, name: str) -> list[ModelVersion]:
    """The versions of `name`; 404 when there is no such model."""
    found = registry.versions(name)
    if not found:
        raise UnknownModel(f"no model named {name!r}; known: {', '.join(registry.names()) or 'none'}")
    return found


def model_metrics(registry: ModelRegistry, name: str) -> ModelMetrics:
    versions = [
        VersionMetrics(
            version=v.version,
            source=v.source,
            date=v.date,
            values=flatten_scores(_read_card(Path(v.path)).get("metrics") or {}),
        )
        for v in existing_versions(registry, name)
    ]
    keys = list(dict.fromkeys(key for v in versions for key in v.values))
    return ModelMetrics(name=name, metrics=keys, versions=versions)
