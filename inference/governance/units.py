"""Administrative units before and after the 1 July 2025 reorganisation: which unit took over an issuer.

The table is data the deployment supplies (the official old -> new conversion, NQ 1656/NQ-UBTVQH15 for
Hà Nội), read from CSV files with the columns `old_code, old_name, old_district, new_code, new_name,
share`; the product ships no copy of it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from inference.schema import Successor
from inference.text import fold, normalize

REQUIRED_COLUMNS = ("old_code", "old_name", "new_code", "new_name")


class UnitLink(BaseModel):
    """One old unit (or part of it) going into one new unit."""

    model_config = ConfigDict(frozen=True)

    old_code: str
    old_name: str
    """With its kind: "Phường Phúc Xá"."""
    old_district: str | None = None
    """The district the old commune belonged to: "Quận Ba Đình"."""
    old_province: str | None = None
    new_code: str
    new_name: str
    share: str = "full"


class UnitTableError(ValueError):
    pass


def name_key(name: str) -> str:
    """Case folded with marks kept: "Sơn Đồng" and "Sơn Đông" are different communes."""
    return normalize(name).lower()


def read_links(path: Path) -> list[UnitLink]:
    """Rows of one conversion CSV; a clear UnitTableError when it is not one."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise UnitTableError(f"{path}: not a unit conversion table (missing columns: {', '.join(missing)})")
            rows = [row for row in reader if row.get("old_code") and row.get("old_name")]
            return [UnitLink.model_validate({k: v or None for k, v in row.items() if k in UnitLink.model_fields}
                                            | {"share": row.get("share") or "full"}) for row in rows]
    except (OSError, UnicodeDecodeError, csv.Error, ValidationError) as error:
        raise UnitTableError(f"{path}: cannot read the unit table: {error}") from error


class UnitTable:
    def __init__(self, links: Iterable[UnitLink]):
        unique: dict[tuple[str, str], UnitLink] = {}
        for link in links:
            unique.setdefault((link.old_code, link.new_code), link)  # the first table that names a link wins
        self.links = list(unique.values())
        self._by_name: dict[str, list[UnitLink]] = {}
        self._by_folded: dict[str, list[UnitLink]] = {}
        self._by_district: dict[str, list[UnitLink]] = {}
        for link in self.links:
            self._by_name.setdefault(name_key(link.old_name), []).append(link)
            self._by_folded.setdefault(fold(link.old_name), []).append(link)
            if link.old_district:
                self._by_district.setdefault(name_key(link.old_district), []).append(link)

    def __len__(self) -> int:
        return len(self.links)

    @classmethod
    def from_dir(cls, directory: Path) -> UnitTable:
        """Every `*successors*.csv` in a folder (the layout of the shared units data)."""
        return cls(link for path in sorted(directory.glob("*successors*.csv")) for link in read_links(path))

    def _commune_links(self, unit: str, district: str | None) -> list[UnitLink]:
        links = self._by_name.get(name_key(unit))
        if links is None:
            # OCR may drop marks; accept a folded match only when it is unambiguous.
            folded = self._by_folded.get(fold(unit), [])
            links = folded if len({link.old_code for link in folded}) == 1 else []
        if district and len({link.old_code for link in links}) > 1:
            links = [link for link in links if link.old_district and name_key(link.old_district) == name_key(district)]
        return links if len({link.old_code for link in links}) == 1 else []

    def successors(self, unit: str, district: str | None = None) -> list[Successor] | None:
        """New units that took over `unit` ("Phường Phúc Xá", "Quận Ba Đình"); None when the table does
        not know it. A district's records go with its functions to the units now holding its territory."""
        district_links = self._by_district.get(name_key(unit))
        if district_links and len({link.old_province for link in district_links}) == 1:
            seen = dict.fromkeys((link.new_code, link.new_name) for link in district_links)
            return [Successor(code=code, name=name, share="functions") for code, name in seen]
        links = self._commune_links(unit, district)
        if not links:
            return None
        return [Successor(code=link.new_code, name=link.new_name, share=link.share) for link in links]
