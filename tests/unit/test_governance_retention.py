"""Retention proposals from our rules table: the rule that applies, its period and citation."""

from __future__ import annotations

import pytest

from inference.governance.retention import FALLBACK, PERIODS, load_rules, propose
from inference.schema import Block, Fields, Level


@pytest.mark.parametrize(
    ("fields", "level", "period", "rule"),
    [
        (Fields(type_name="Tờ trình", subject="Về việc miễn nhiệm chức danh Ủy viên UBND tỉnh"), Level.CITY, "70",
         "personnel"),
        (Fields(type_name="Báo cáo", subject="Tổng kết công tác năm 2024 và phương hướng năm 2025"), Level.DISTRICT,
         "permanent", "periodic-plan-report-annual"),
        (Fields(type_name="Báo cáo", subject="Kết quả công tác tháng 3 năm 2024"), Level.COMMUNE, "10",
         "periodic-plan-report-month"),
        (Fields(type_name="Báo cáo", subject="Kết quả công tác 6 tháng đầu năm 2024"), Level.COMMUNE, "20",
         "periodic-plan-report-half-year"),
        (Fields(type_name="Công văn", subject="V/v góp ý dự thảo quy hoạch sử dụng đất"), Level.DISTRICT, "5",
         "planning-correspondence"),
        (Fields(type_name="Biên bản", subject="Họp giao ban"), Level.CITY, "permanent", "minutes-city"),
        (Fields(type_name="Biên bản", subject="Họp giao ban"), Level.COMMUNE, "10", "minutes"),
        (Fields(type_name="Giấy mời", subject="Dự hội nghị"), Level.COMMUNE, "5", "for-information"),
        (Fields(type_name="Hợp đồng", subject="Thuê xe"), None, "10", FALLBACK),
    ],
)
def test_proposals(fields: Fields, level: Level | None, period: str, rule: str) -> None:
    proposal = propose(fields, level)
    assert (proposal.period, proposal.rule_id) == (period, rule)
    assert "TT 10/2022/TT-BNV" in proposal.citation


def test_party_committee_resolutions_are_permanent_under_383() -> None:
    fields = Fields(type_name="Nghị quyết", subject="Về công tác cán bộ", organ_name="HUYỆN ỦY ỨNG HÒA",
                    block=Block.PARTY)
    proposal = propose(fields, Level.DISTRICT)
    assert (proposal.period, proposal.citation) == ("permanent", "Quy định 383-QĐ/TW, Điều 11 khoản 2")


def test_other_party_records_are_limited_and_cite_383_khoan_3() -> None:
    fields = Fields(type_name="Công văn", subject="V/v báo cáo số liệu", organ_name="VĂN PHÒNG HUYỆN ỦY",
                    block=Block.PARTY)
    proposal = propose(fields, Level.DISTRICT)
    assert proposal.period == "10" and proposal.citation.startswith("Quy định 383-QĐ/TW, Điều 11 khoản 3")


def test_the_rules_table_is_well_formed() -> None:
    rules = load_rules().rules
    assert len({r.id for r in rules}) == len(rules)
    assert all(r.period in PERIODS and r.citation for r in rules)
    assert rules[-1].id == FALLBACK and rules[-1].when.model_dump(exclude_defaults=True) == {}
