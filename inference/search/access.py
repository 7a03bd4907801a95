"""What a caller may see of the index: agencies, clearance, access modes, and whether personal data shows.

The service builds one `AccessScope` per caller from its principal (api.search.access_scope); the engine
leaves every document the scope does not admit out of everything it computes, as if it were not indexed.
"""

from __future__ import annotations

from dataclasses import dataclass

from inference.schema import AccessMode, DocumentAccess, SecrecyLevel

ALL_MODES = frozenset(AccessMode)


@dataclass(frozen=True)
class AccessScope:
    agencies: frozenset[str] | None
    """Agency codes whose documents may be seen; None: every agency (a trusted caller such as the CLI)."""
    clearance: SecrecyLevel = SecrecyLevel.none
    """The highest secrecy level that may be seen."""
    modes: frozenset[AccessMode] = frozenset({AccessMode.public})
    """The access modes that may be seen."""
    reveal_personal_data: bool = False
    """Citizen IDs and private persons' names show in hits; masked otherwise."""

    @classmethod
    def everything(cls, reveal_personal_data: bool = False) -> AccessScope:
        return cls(
            agencies=None, clearance=max(SecrecyLevel), modes=ALL_MODES, reveal_personal_data=reveal_personal_data
        )

    @property
    def sees_everything(self) -> bool:
        return self.agencies is None and self.clearance == max(SecrecyLevel) and self.modes == ALL_MODES

    @property
    def visibility(self) -> tuple[frozenset[str] | None, SecrecyLevel, frozenset[AccessMode]]:
        """What decides which documents are seen (scopes with the same visibility see the same index)."""
        return self.agencies, self.clearance, self.modes

    def admits(self, access: DocumentAccess) -> bool:
        in_agencies = self.agencies is None or access.agency_code in self.agencies
        return in_agencies and access.secrecy <= self.clearance and access.access_mode in self.modes
