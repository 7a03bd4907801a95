"""Users, API keys and agencies: what the admin routes and `vanthu users|keys|agencies` do, and turning a
password, a token or a key into a Principal.

`actor` is the principal acting through the API; None is the operator at the command line. An admin acts
within their own scope: users and keys of their agency or below, clearance up to their own.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth.errors import Forbidden
from api.auth.keys import new_key, parse_key, secret_digest, secret_matches
from api.auth.passwords import WeakPassword, hash_password, verify_nothing, verify_password
from api.auth.principal import Principal, Role, SecrecyLevel
from api.errors import ApiError
from api.store.identity import ROOT_AGENCY_CODE, ROOT_AGENCY_NAME, AgencyRow, ApiKeyRow, UserRow, agency_scope
from api.store.models import utc_now

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
BOOTSTRAP_ADMIN = "admin"


class AccountNotFound(ApiError):
    code = "not_found"
    status = 404


class AccountConflict(ApiError):
    code = "conflict"
    status = 409


class InvalidAccount(ApiError):
    code = "invalid_account"
    status = 422


# --- views and requests --------------------------------------------------------------------------


class UserView(BaseModel):
    username: str
    roles: list[Role]
    agency_code: str
    clearance: SecrecyLevel
    disabled: bool
    created_at: datetime
    updated_at: datetime


class UserSpec(BaseModel):
    username: str
    password: SecretStr
    roles: list[Role] = Field(min_length=1, max_length=len(Role))
    agency_code: str = ROOT_AGENCY_CODE
    clearance: SecrecyLevel = SecrecyLevel.none

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME.match(value):
            raise ValueError("2-64 characters: lower-case letters, digits, '.', '_', '-'")
        return value


class UserChange(BaseModel):
    """Only what is given changes."""

    roles: list[Role] | None = Field(default=None, min_length=1, max_length=len(Role))
    agency_code: str | None = None
    clearance: SecrecyLevel | None = None
    disabled: bool | None = None
    password: SecretStr | None = None


class KeyView(BaseModel):
    id: str
    name: str
    prefix: str
    """`vk_<id>`: how people recognise the key; the secret is never shown again."""
    roles: list[Role]
    agency_code: str
    clearance: SecrecyLevel
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    rotated_from: str | None
    last_used_at: datetime | None


class CreatedKey(KeyView):
    key: str
    """The whole key, `vk_<id>_<secret>`: shown this once only."""


class KeySpec(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(default=[Role.pipeline], min_length=1, max_length=len(Role))
    agency_code: str = ROOT_AGENCY_CODE
    clearance: SecrecyLevel = SecrecyLevel.none


class AgencySpec(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    name: str = Field(min_length=1, max_length=200)
    parent_code: str | None = None


class AgencyNode(BaseModel):
    code: str
    name: str
    children: list[AgencyNode] = Field(default_factory=list)


# --- principals ----------------------------------------------------------------------------------


def _principal(session: Session, subject: str, name: str, row: UserRow | ApiKeyRow) -> Principal:
    return Principal(
        subject=subject,
        name=name,
        roles=frozenset(Role(role) for role in row.roles),
        agency_code=row.agency_code,
        scope=agency_scope(session, row.agency_code),
        clearance=SecrecyLevel(row.clearance),
    )


def user_principal(session: Session, username: str) -> Principal | None:
    """The principal of an enabled user (a token's subject is checked against the store on every call)."""
    user = session.get(UserRow, username)
    if user is None or user.disabled:
        return None
    return _principal(session, f"user:{user.username}", user.username, user)


def password_principal(session: Session, username: str, password: str) -> Principal | None:
    user = session.get(UserRow, username)
    if user is None:
        verify_nothing(password)
        return None
    if not verify_password(user.password_hash, password) or user.disabled:
        return None
    return _principal(session, f"user:{user.username}", user.username, user)


def key_principal(session: Session, text: str, touch_after: timedelta) -> Principal | None:
    """The principal of a valid, unrevoked key; records when it was last used (at most every `touch_after`)."""
    parsed = parse_key(text)
    if parsed is None:
        return None
    key = session.get(ApiKeyRow, parsed[0])
    if key is None or key.revoked_at is not None or not secret_matches(parsed[1], key.secret_sha256):
        return None
    now = utc_now()
    if key.last_used_at is None or now - key.last_used_at >= touch_after:
        key.last_used_at = now
    return _principal(session, f"key:{key.id}", key.name, key)


# --- agencies ------------------------------------------------------------------------------------


def add_agency(session: Session, spec: AgencySpec) -> AgencyRow:
    """Add an agency under an existing one, or rename one that exists (same parent)."""
    if spec.parent_code is None and spec.code != ROOT_AGENCY_CODE:
        raise InvalidAccount(f"agency {spec.code}: a parent agency is needed (the root is {ROOT_AGENCY_CODE})")
    if spec.parent_code is not None:
        _agency(session, spec.parent_code)
    row = session.get(AgencyRow, spec.code)
    if row is not None and row.parent_code != spec.parent_code:
        raise AccountConflict(f"agency {spec.code} exists under {row.parent_code}, not {spec.parent_code}")
    if row is None:
        row = AgencyRow(code=spec.code, name=spec.name, parent_code=spec.parent_code)
        session.add(row)
    row.name = spec.name
    session.flush()
    return row


def _agency(session: Session, code: str) -> AgencyRow:
    row = session.get(AgencyRow, code)
    if row is None:
        raise InvalidAccount(f"no agency with code {code!r}")
    return row


def list_agencies(session: Session) -> list[AgencyRow]:
    return list(session.scalars(select(AgencyRow).order_by(AgencyRow.code)))


def agency_tree(session: Session, root: str = ROOT_AGENCY_CODE) -> AgencyNode:
    rows = list_agencies(session)
    children: dict[str | None, list[AgencyRow]] = {}
    for row in rows:
        children.setdefault(row.parent_code, []).append(row)

    def node(row: AgencyRow) -> AgencyNode:
        return AgencyNode(code=row.code, name=row.name, children=[node(c) for c in children.get(row.code, [])])

    return node(_agency(session, root))


# --- users ---------------------------------------------------------------------------------------


def _check_grant(session: Session, actor: Principal | None, agency_code: str, clearance: SecrecyLevel) -> None:
    _agency(session, agency_code)
    if actor is None:
        return
    if agency_code not in actor.scope or clearance > actor.clearance:
        raise Forbidden(
            f"{actor.name} may grant access within {actor.agency_code} up to clearance {actor.clearance.name} only"
        )


def _hashed(password: SecretStr) -> str:
    try:
        return hash_password(password.get_secret_value())
    except WeakPassword as error:
        raise InvalidAccount(str(error)) from None


def user_view(row: UserRow) -> UserView:
    return UserView.model_validate(row, from_attributes=True)


def create_user(session: Session, spec: UserSpec, actor: Principal | None = None) -> UserView:
    _check_grant(session, actor, spec.agency_code, spec.clearance)
    if session.get(UserRow, spec.username) is not None:
        raise AccountConflict(f"user {spec.username} exists")
    row = UserRow(
        username=spec.username,
        password_hash=_hashed(spec.password),
        roles=sorted(set(spec.roles)),
        agency_code=spec.agency_code,
        clearance=int(spec.clearance),
        disabled=False,
    )
    session.add(row)
    session.flush()
    return user_view(row)


def _user(session: Session, username: str, actor: Principal | None) -> UserRow:
    row = session.get(UserRow, username)
    if row is None or (actor is not None and row.agency_code not in actor.scope):
        raise AccountNotFound(f"no user {username!r}")
    return row


def update_user(session: Session, username: str, change: UserChange, actor: Principal | None = None) -> UserView:
    row = _user(session, username, actor)
    agency = change.agency_code or row.agency_code
    clearance = change.clearance if change.clearance is not None else SecrecyLevel(row.clearance)
    _check_grant(session, actor, agency, clearance)
    row.agency_code, row.clearance = agency, int(clearance)
    if change.roles is not None:
        row.roles = sorted(set(change.roles))
    if change.disabled is not None:
        row.disabled = change.disabled
    if change.password is not None:
        row.password_hash = _hashed(change.password)
    row.updated_at = utc_now()
    session.flush()
    return user_view(row)


def list_users(session: Session, actor: Principal | None = None) -> list[UserView]:
    query = select(UserRow).order_by(UserRow.username)
    if actor is not None:
        query = query.where(UserRow.agency_code.in_(sorted(actor.scope)))
    return [user_view(row) for row in session.scalars(query)]


def bootstrap_admin(session: Session, password: SecretStr) -> bool:
    """The root agency and an `admin` user, when there is no user at all; False when there was one."""
    if session.scalar(select(func.count()).select_from(UserRow)):
        return False
    if session.get(AgencyRow, ROOT_AGENCY_CODE) is None:
        add_agency(session, AgencySpec(code=ROOT_AGENCY_CODE, name=ROOT_AGENCY_NAME))
    spec = UserSpec(username=BOOTSTRAP_ADMIN, password=password, roles=[Role.admin], clearance=SecrecyLevel.tuyet_mat)
    create_user(session, spec)
    return True


# --- API keys ------------------------------------------------------------------------------------


def key_view(row: ApiKeyRow) -> KeyView:
    return KeyView.model_validate(row, from_attributes=True)


def create_key(
    session: Session, spec: KeySpec, created_by: str, actor: Principal | None = None, rotated_from: str | None = None
) -> CreatedKey:
    _check_grant(session, actor, spec.agency_code, spec.clearance)
    key = new_key()
    row = ApiKeyRow(
        id=key.id,
        name=spec.name,
        prefix=key.prefix,
        secret_sha256=secret_digest(key.secret),
        roles=sorted(set(spec.roles)),
        agency_code=spec.agency_code,
        clearance=int(spec.clearance),
        created_by=created_by,
        rotated_from=rotated_from,
    )
    session.add(row)
    session.flush()
    return CreatedKey(**key_view(row).model_dump(), key=key.text)


def _live_key(session: Session, key_id: str, actor: Principal | None) -> ApiKeyRow:
    row = session.get(ApiKeyRow, key_id)
    if row is None or (actor is not None and row.agency_code not in actor.scope):
        raise AccountNotFound(f"no API key {key_id!r}")
    if row.revoked_at is not None:
        raise AccountConflict(f"API key {row.prefix} was revoked at {row.revoked_at:%Y-%m-%d %H:%M} UTC")
    return row


def revoke_key(session: Session, key_id: str, actor: Principal | None = None) -> KeyView:
    row = _live_key(session, key_id, actor)
    row.revoked_at = utc_now()
    session.flush()
    return key_view(row)


def rotate_key(session: Session, key_id: str, created_by: str, actor: Principal | None = None) -> CreatedKey:
    """A new key with the same name, roles, agency and clearance; the old one is revoked at once."""
    old = _live_key(session, key_id, actor)
    spec = KeySpec(name=old.name, roles=old.roles, agency_code=old.agency_code, clearance=old.clearance)
    created = create_key(session, spec, created_by, actor, rotated_from=old.id)
    old.revoked_at = utc_now()
    session.flush()
    return created


def list_keys(session: Session, actor: Principal | None = None) -> list[KeyView]:
    query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
    if actor is not None:
        query = query.where(ApiKeyRow.agency_code.in_(sorted(actor.scope)))
    return [key_view(row) for row in session.scalars(query)]
