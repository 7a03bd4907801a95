"""Retention proposals from our rules table (retention_rules.yaml): type, issuer level and subject ->
a period with the rule it follows. Staff confirm or override; the service records who and when."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from inference.schema import Fields, Level, RetentionProposal
from inference.text import fold

RULES_PATH = Path(__file__).with_name("retention_rules.yaml")
FALLBACK = "fallback"
PARTY_LIMITED = "Quy định 383-QĐ/TW, Điều 11 khoản 3"
"""Party records outside khoản 2 are "lưu trữ có thời hạn"; the period comes from the matching item."""
PERIODS = ("permanent", "until_expiry", "70", "50", "30", "20", "15", "10", "5")


class Conditions(BaseModel):
    types: list[str] = Field(default_factory=list)
    blocks: list[str] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)
    subject_any: list[str] = Field(default_factory=list)
    subject_none: list[str] = Field(default_factory=list)
    issuer_any: list[str] = Field(default_factory=list)


class RetentionRule(BaseModel):
    id: str
    when: Conditions
    period: Literal[PERIODS]  # type: ignore[valid-type]
    citation: str
    reason: str
    basis: Literal["law", "analogy"] = "law"

    def matches(self, fields: Fields, level: Level | None) -> bool:
        when = self.when
        subject = fold(fields.subject or "")
        issuer = " ".join(fold(line) for line in (fields.organ_name, fields.parent_organ_name) if line)
        checks = (
            not when.types or fold(fields.type_name or "") in when.types,
            not when.blocks or (fields.block is not None and fields.block.value in when.blocks),
            not when.levels or level in when.levels,
            not when.subject_any or any(re.search(p, subject) for p in when.subject_any),
            not any(re.search(p, subject) for p in when.subject_none),
            not when.issuer_any or any(re.search(p, issuer) for p in when.issuer_any),
        )
        return all(checks)


class RuleTable(BaseModel):
    version: int
    rules: list[RetentionRule]


@cache
def load_rules(path: Path = RULES_PATH) -> RuleTable:
    table = RuleTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    if not table.rules or table.rules[-1].id != FALLBACK:
        raise ValueError(f"{path}: the last rule must be {FALLBACK!r}, which matches everything")
    return table


def propose(fields: Fields, level: Level | None, rules: RuleTable | None = None) -> RetentionProposal:
    rule = next(r for r in (rules or load_rules()).rules if r.matches(fields, level))
    citation = rule.citation
    if fields.block is not None and fields.block.value == "party" and "383-QĐ/TW" not in citation:
        citation = f"{PARTY_LIMITED}; {citation}"
    return RetentionProposal(period=rule.period, rule_id=rule.id, citation=citation, reason=rule.reason)
