"""The model registry: which versions of each model exist, which one the service uses, and its history.

Versions are directories: committed defaults in models/artifacts/<name>/<version>/ and locally trained
candidates in $VANTHU_DATA_DIR/models/<name>/<version>/. The active version of a model is the result of
its events in the database, replayed in order: a promotion pushes a version, a rollback pops the last
one, a refused promotion changes nothing; with no events it is the newest committed version.
The jobs read the active directories for each extraction (`active_model_dirs`), so a promotion takes
effect on the next job without a restart.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.settings import Settings
from api.store.models import ModelEventRow

logger = logging.getLogger(__name__)

COMMITTED_ARTIFACTS = Path(__file__).resolve().parent.parent / "models" / "artifacts"
LOCAL_MODELS_DIRNAME = "models"
CARD_FILENAME = "card.json"
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

Action = Literal["promote", "rollback", "refused"]


class UnknownModel(ApiError):
    code = "not_found"
    status = 404


class RegistryConflict(ApiError):
    code = "conflict"
    status = 409


class PromotionRefused(ApiError):
    code = "promotion_refused"
    status = 409

    def __init__(self, reason: str, gate: dict[str, Any] | None):
        super().__init__(reason)
        self.gate = gate


class ModelVersion(BaseModel):
    name: str
    version: str
    source: Literal["committed", "local"]
    path: str
    date: str | None = None
    """From the card, when the version has one."""
    task: str | None = None


class ModelEvent(BaseModel):
    action: Action
    version: str
    previous_version: str | None = None
    forced: bool = False
    gate: dict[str, Any] | None = None
    """The gate's figures (training.gate.GateReport), when it ran."""
    decided_by: str
    created_at: datetime


class ModelStatus(BaseModel):
    name: str
    active: str | None
    default: str | None
    """The newest committed version: active while no promotion is recorded."""
    versions: list[ModelVersion]
    history: list[ModelEvent]


class ModelList(BaseModel):
    models: list[ModelStatus]


def version_key(version: str) -> tuple:
    """v2 < v10: digit runs compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", version))


def _read_card(directory: Path) -> dict[str, Any]:
    try:
        card = json.loads((directory / CARD_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return card if isinstance(card, dict) else {}


class ModelRegistry:
    def __init__(self, sessions: sessionmaker[Session], local_root: Path, committed_root: Path = COMMITTED_ARTIFACTS):
        self._sessions = sessions
        self.local_root = local_root
        self.committed_root = committed_root

    @classmethod
    def for_settings(cls, settings: Settings, sessions: sessionmaker[Session]) -> ModelRegistry:
        return cls(sessions, settings.data_dir / LOCAL_MODELS_DIRNAME)

    # -- versions on disk --------------------------------------------------------------------------

    def names(self) -> list[str]:
        roots = (self.committed_root, self.local_root)
        return sorted({p.name for root in roots if root.is_dir() for p in root.iterdir() if p.is_dir()})

    def versions(self, name: str) -> list[ModelVersion]:
        found: dict[str, ModelVersion] = {}
        for source, root in (("committed", self.committed_root), ("local", self.local_root)):
            folder = root / name
            for directory in sorted(folder.iterdir()) if folder.is_dir() else []:
                if not directory.is_dir() or not VERSION_PATTERN.match(directory.name):
                    continue
                if directory.name in found:
                    logger.warning("%s: local %s shadowed by the committed version of that name", name, directory)
                    continue
                card = _read_card(directory)
                found[directory.name] = ModelVersion(
                    name=name, version=directory.name, source=source, path=str(directory),
                    date=card.get("date"), task=card.get("task"),
                )
        return sorted(found.values(), key=lambda v: version_key(v.version))

    def _known_versions(self, name: str) -> list[ModelVersion]:
        versions = self.versions(name)
        if not versions:
            raise UnknownModel(f"no model named {name!r}; known: {', '.join(self.names()) or 'none'}")
        return versions

    def _version(self, name: str, version: str) -> ModelVersion:
        versions = self._known_versions(name)
        for candidate in versions:
            if candidate.version == version:
                return candidate
        known = ", ".join(v.version for v in versions)
        raise UnknownModel(f"model {name!r} has no version {version!r}; known: {known}")

    def default_version(self, name: str) -> str | None:
        committed = [v for v in self.versions(name) if v.source == "committed"]
        return committed[-1].version if committed else None

    # -- state in the database ---------------------------------------------------------------------

    def _events(self, session: Session, name: str) -> list[ModelEventRow]:
        query = select(ModelEventRow).where(ModelEventRow.model_name == name).order_by(ModelEventRow.id)
        return list(session.scalars(query))

    def _stack(self, name: str, events: list[ModelEventRow]) -> list[str]:
        default = self.default_version(name)
        stack = [default] if default else []
        for event in events:
            if event.action == "promote":
                stack.append(event.version)
            elif event.action == "rollback" and stack:
                stack.pop()
        return stack

    def active_version(self, session: Session, name: str) -> str | None:
        stack = self._stack(name, self._events(session, name))
        return stack[-1] if stack else None

    def active_model_dirs(self) -> dict[str, str]:
        """The directory of the active version of each model, for PipelineOptions.model_dirs."""
        with self._sessions() as session:
            dirs = {}
            for name in self.names():
                version = self.active_version(session, name)
                paths = {v.version: v.path for v in self.versions(name)}
                if version in paths:
                    dirs[name] = paths[version]
                elif version is not None:
                    logger.error("model %s: active version %s is missing on disk; using the default", name, version)
            return dirs

    def status(self, name: str) -> ModelStatus:
        versions = self._known_versions(name)
        with self._sessions() as session:
            events = self._events(session, name)
            stack = self._stack(name, events)
        return ModelStatus(
            name=name, active=stack[-1] if stack else None, default=self.default_version(name), versions=versions,
            history=[_to_event(e) for e in events],
        )

    def list(self) -> ModelList:
        return ModelList(models=[self.status(name) for name in self.names()])

    # -- decisions ---------------------------------------------------------------------------------

    def promote(
        self, name: str, version: str, decided_by: str, force: bool = False,
        gate: Callable[[str, Path, Path], dict[str, Any] | None] | None = None,
    ) -> ModelEvent:
        """Make `version` active when the gate passes it (or `force`); the decision is recorded either way.

        `gate(name, current_dir, candidate_dir)` returns the gate report (a dict with `passed` and
        `reason`), or None when the model has no frozen evaluation."""
        candidate = self._version(name, version)
        with self._sessions() as session:
            current = self.active_version(session, name)
        if current == version:
            raise RegistryConflict(f"{name} {version} is already the active version")
        report = None
        if current is not None and gate is not None:
            report = gate(name, Path(self._version(name, current).path), Path(candidate.path))
        refusal = _refusal(name, current, report)
        action: Action = "refused" if refusal and not force else "promote"
        event = self._record(name, action, version, current, force and refusal is not None, report, decided_by)
        if action == "refused":
            raise PromotionRefused(refusal or "refused", report)
        return event

    def rollback(self, name: str, decided_by: str) -> ModelEvent:
        self._known_versions(name)
        with self._sessions.begin() as session:
            stack = self._stack(name, self._events(session, name))
            if len(stack) < 2:
                raise RegistryConflict(f"{name}: nothing to roll back to (active: {stack[-1] if stack else 'none'})")
            row = ModelEventRow(
                model_name=name, action="rollback", version=stack[-2], previous_version=stack[-1], forced=False,
                gate=None, decided_by=decided_by,
            )
            session.add(row)
            session.flush()
            return _to_event(row)

    def _record(
        self, name: str, action: Action, version: str, previous: str | None, forced: bool,
        report: dict[str, Any] | None, decided_by: str,
    ) -> ModelEvent:
        with self._sessions.begin() as session:
            if action == "promote" and self.active_version(session, name) != previous:
                raise RegistryConflict(f"{name}: the active version changed while the gate ran; try again")
            row = ModelEventRow(
                model_name=name, action=action, version=version, previous_version=previous, forced=forced,
                gate=report, decided_by=decided_by,
            )
            session.add(row)
            session.flush()
            return _to_event(row)


def _refusal(name: str, current: str | None, report: dict[str, Any] | None) -> str | None:
    """Why the promotion may not go ahead without --force, or None when it may."""
    if current is None:
        return None
    if report is None:
        return f"model {name!r} has no frozen evaluation to gate its promotion; force it to promote anyway"
    return None if report["passed"] else report["reason"]


def _to_event(row: ModelEventRow) -> ModelEvent:
    return ModelEvent(
        action=row.action, version=row.version, previous_version=row.previous_version, forced=row.forced,
        gate=row.gate, decided_by=row.decided_by, created_at=row.created_at,
    )


def run_gate(name: str, current_dir: Path, candidate_dir: Path) -> dict[str, Any] | None:
    """The frozen evaluation of `name` (training.gate), or None when it has none."""
    from training.gate import FROZEN_EVALUATIONS, compare, frozen_evaluation

    if name not in FROZEN_EVALUATIONS.names():
        return None
    return compare(frozen_evaluation(name), current_dir, candidate_dir).model_dump(mode="json")
