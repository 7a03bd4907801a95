"""Who is calling: a user (JWT) or a pipeline (API key), with roles, an agency scope and a clearance."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_serializer

from inference.schema import AccessMode, SecrecyLevel

__all__ = ["AccessMode", "Principal", "Role", "SecrecyLevel", "readable_modes"]


class Role(StrEnum):
    admin = "admin"
    records_officer = "records_officer"
    staff_reader = "staff_reader"
    ml_engineer = "ml_engineer"
    pipeline = "pipeline"


STAFF_ROLES = frozenset({Role.admin, Role.records_officer, Role.staff_reader})
OFFICER_ROLES = frozenset({Role.admin, Role.records_officer})


def readable_modes(roles: frozenset[Role]) -> frozenset[AccessMode]:
    """Public documents of the scope: anyone; conditional: staff; restricted: records officers and admins."""
    modes = {AccessMode.public}
    if roles & STAFF_ROLES:
        modes.add(AccessMode.conditional)
    if roles & OFFICER_ROLES:
        modes.add(AccessMode.restricted)
    return frozenset(modes)


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    """`user:<username>` or `key:<key id>`: what the audit log and `corrected_by` record."""
    name: str
    roles: frozenset[Role]
    agency_code: str
    scope: frozenset[str]
    """The agency codes whose documents it may see: its agency and every unit below it."""
    clearance: SecrecyLevel

    @field_serializer("roles", "scope")
    def _sorted(self, values: frozenset[str]) -> list[str]:
        return sorted(values)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def may_read(self, agency_code: str, secrecy: SecrecyLevel, access_mode: AccessMode) -> bool:
        return (
            agency_code in self.scope
            and secrecy <= self.clearance
            and AccessMode(access_mode) in readable_modes(self.roles)
        )

    @property
    def reveal_personal_data(self) -> bool:
        """Records officers and admins see personal data of the documents they may read; others see it masked."""
        return self.has_role(*OFFICER_ROLES)
