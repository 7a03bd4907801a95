"""Connectors to the national registers (population, land, enterprises, officials).

No real endpoint is reachable from here; `FileRegisters` is the reference implementation: a directory with
one folder per register and one JSON record per key (`<dir>/population/001203012345.json`). A link is a
*match* when the register has its key and every attribute both sides know agrees, a *mismatch* when an
attribute differs, *unknown* when the register has no record (or no register serves the kind)."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from inference.registry import Registry
from inference.schema import EntityKind, EntityLink
from inference.text import fold

REGISTER_OF_KIND: dict[EntityKind, str] = {
    EntityKind.CITIZEN_ID: "population",
    EntityKind.PERSON: "population",
    EntityKind.LAND_PARCEL: "land",
    EntityKind.TAX_CODE: "enterprises",
    EntityKind.OFFICIAL: "officials",
    EntityKind.ADMIN_UNIT: "units",
}
_UNSAFE_KEY = re.compile(r"[^0-9A-Za-z_-]+")


class CheckStatus(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


class Check(BaseModel):
    status: CheckStatus
    register_name: str | None = None
    differences: dict[str, tuple[str, str]] = Field(default_factory=dict)
    """attribute -> (read in the document, held by the register)."""


class RegisterConnector(Protocol):
    def lookup(self, register: str, key: str) -> dict[str, object] | None: ...


REGISTER_CONNECTORS: Registry[RegisterConnector] = Registry("register connector")


@REGISTER_CONNECTORS.register("files")
class FileRegisters:
    def __init__(self, root: Path):
        self.root = Path(root)

    def lookup(self, register: str, key: str) -> dict[str, object] | None:
        path = self.root / register / f"{register_key(key)}.json"
        if not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError(f"{path}: a register record is a JSON object")
        return record


def register_key(normalized: str) -> str:
    """The file-safe key of a normalised value: "12/345" -> "12-345", "Nguyễn Văn An" -> "nguyen-van-an"."""
    return _UNSAFE_KEY.sub("-", fold(normalized)).strip("-")


def check_link(connector: RegisterConnector, link: EntityLink) -> Check:
    register = REGISTER_OF_KIND[link.kind]
    record = connector.lookup(register, link.normalized)
    if record is None:
        return Check(status=CheckStatus.UNKNOWN, register_name=register)
    differences = {
        name: (value, str(record[name]))
        for name, value in link.attributes.items()
        if name in record and str(record[name]) != value
    }
    status = CheckStatus.MISMATCH if differences else CheckStatus.MATCH
    return Check(status=status, register_name=register, differences=differences)
