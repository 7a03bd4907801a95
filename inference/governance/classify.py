"""Classification of a record: block and type (from the extractor), issuer level and, for issuers
abolished or merged on 1 July 2025, the successor unit."""

from __future__ import annotations

import re
from datetime import date

from inference.governance.units import UnitTable
from inference.schema import Classification, Fields, Level
from inference.text import fold, normalize

REORGANISATION = date(2025, 7, 1)
"""Districts end and communes merge (Luật 72/2025/QH15, NQ 1656/NQ-UBTVQH15 for Hà Nội)."""
CENTRAL_CITIES = frozenset({"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"})
"""Centrally-run cities: a "thành phố" of these is province level, any other is a provincial city."""
_KINDS = r"tỉnh|thành phố|tp\.?|quận|huyện|thị xã|tx\.?|phường|xã|thị trấn"
_UNIT = re.compile(rf"(?<!\w)({_KINDS})\s+(?!hội\b)([^\s,;()].*)$", re.IGNORECASE)
_PARTY_COMMITTEE = re.compile(r"(?<!\w)(thành ủy|tỉnh ủy|quận ủy|huyện ủy|thị ủy)\s+(.+)$", re.IGNORECASE)
_CENTRAL = re.compile(r"^(bo|ban chap hanh trung uong|chinh phu|quoc hoi|van phong trung uong|ban bi thu|bo chinh tri|"
                      r"thu tuong|uy ban thuong vu quoc hoi)\b|trung uong")
_KIND_LEVEL = {"tinh": Level.CITY, "quan": Level.DISTRICT, "huyen": Level.DISTRICT, "thi xa": Level.DISTRICT,
               "phuong": Level.COMMUNE, "xa": Level.COMMUNE, "thi tran": Level.COMMUNE,
               "tinh uy": Level.CITY, "quan uy": Level.DISTRICT, "huyen uy": Level.DISTRICT, "thi uy": Level.DISTRICT}
_ABBREVIATED = {"tp": "thành phố", "tx": "thị xã"}


def _unit_in(issuer: str) -> tuple[Level, str] | None:
    """The level and the unit ("Quận Ba Đình") an issuer line names, or None."""
    text = normalize(issuer)
    party = _PARTY_COMMITTEE.search(text)
    match = party or _UNIT.search(text)
    if match is None:
        return None
    kind = _ABBREVIATED.get(fold(match.group(1)).rstrip("."), fold(match.group(1)).rstrip("."))
    name = match.group(2).strip().title()
    if kind in ("thanh pho", "thành phố", "thanh uy"):
        level = Level.CITY if fold(name) in CENTRAL_CITIES else Level.DISTRICT
        kind_name = "Thành phố"
    else:
        level = _KIND_LEVEL[kind]
        kind_name = {"tinh uy": "Tỉnh", "quan uy": "Quận", "huyen uy": "Huyện", "thi uy": "Thị xã"}.get(
            kind, match.group(1).capitalize())
    return level, f"{kind_name} {name}" if not kind_name.lower().startswith("thị xã") else f"Thị xã {name}"


def issuer_level(organ: str | None, parent: str | None) -> tuple[Level | None, str | None, str | None]:
    """(level, unit, parent unit) from the issuer lines: the issuer's own unit, else its parent's
    ("PHÒNG NỘI VỤ" under "UBND QUẬN HOÀN KIẾM" is district level)."""
    found = [(_unit_in(line) if line else None) for line in (organ, parent)]
    if any(line and _CENTRAL.search(fold(line)) for line in (organ, parent)) and not any(found):
        return Level.CENTRAL, None, None
    own, above = found
    chosen = own or above
    if chosen is None:
        # A Sở (department) without a readable parent line still belongs to a province.
        return (Level.CITY if organ and fold(organ).startswith("so ") else None), None, None
    return chosen[0], chosen[1], above[1] if own and above else None


def classify(fields: Fields, units: UnitTable | None) -> Classification:
    level, unit, parent_unit = issuer_level(fields.organ_name, fields.parent_organ_name)
    result = Classification(block=fields.block, type_name=fields.type_name, level=level, unit=unit)
    if unit is None or level in (Level.CITY, Level.CENTRAL):
        return result
    if fields.issued_date is not None and fields.issued_date >= REORGANISATION:
        return result
    if units is None or not len(units):
        result.warnings.append("no unit conversion table is loaded: successor unit unknown")
        return result
    successors = units.successors(unit, parent_unit)
    if successors is None:
        result.warnings.append(f"{unit} is not in the unit conversion table")
        return result
    result.successors = successors
    if fields.issued_date is None:
        result.warnings.append("issued date unknown: successor given as if issued before 1 July 2025")
    if level == Level.DISTRICT:
        result.warnings.append("the district level was abolished on 1 July 2025; its records pass to the city")
    return result
