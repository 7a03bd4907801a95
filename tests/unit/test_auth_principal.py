"""Who may read what: scope, clearance and access modes; API key and token shapes; password hashes."""

from __future__ import annotations

import pytest

from api.auth.keys import new_key, parse_key, secret_digest, secret_matches
from api.auth.passwords import WeakPassword, hash_password, verify_password
from api.auth.principal import AccessMode, Principal, Role, SecrecyLevel
from api.auth.settings import AuthSettings
from api.auth.tokens import issue_token, token_subject


def principal(*roles: Role, clearance: SecrecyLevel = SecrecyLevel.none) -> Principal:
    return Principal(
        subject="user:x",
        name="x",
        roles=frozenset(roles),
        agency_code="HN-A",
        scope=frozenset({"HN-A", "HN-A-1"}),
        clearance=clearance,
    )


@pytest.mark.parametrize(
    ("roles", "readable"),
    [
        ((Role.pipeline,), {AccessMode.public}),
        ((Role.ml_engineer,), {AccessMode.public}),
        ((Role.staff_reader,), {AccessMode.public, AccessMode.conditional}),
        ((Role.records_officer,), set(AccessMode)),
        ((Role.admin,), set(AccessMode)),
        ((Role.pipeline, Role.staff_reader), {AccessMode.public, AccessMode.conditional}),
    ],
)
def test_access_modes_by_role(roles: tuple[Role, ...], readable: set[AccessMode]) -> None:
    reader = principal(*roles)
    assert {mode for mode in AccessMode if reader.may_read("HN-A", SecrecyLevel.none, mode)} == readable


def test_scope_and_clearance() -> None:
    reader = principal(Role.staff_reader, clearance=SecrecyLevel.toi_mat)
    assert reader.may_read("HN-A-1", SecrecyLevel.toi_mat, AccessMode.public)
    assert not reader.may_read("HN-A-1", SecrecyLevel.tuyet_mat, AccessMode.public)
    assert not reader.may_read("HN", SecrecyLevel.none, AccessMode.public)  # the parent is not in scope
    assert not reader.may_read("HN-B", SecrecyLevel.none, AccessMode.public)


def test_personal_data_is_revealed_to_officers_and_admins_only() -> None:
    assert [principal(role).reveal_personal_data for role in Role] == [True, True, False, False, False]


def test_keys_parse_and_match_their_digest_only() -> None:
    key = new_key()
    assert parse_key(key.text) == (key.id, key.secret) and key.text.startswith(key.prefix + "_")
    assert secret_matches(key.secret, secret_digest(key.secret))
    assert not secret_matches(key.secret + "x", secret_digest(key.secret))
    for text in ("", "vk_", "vk_abc", "xx_abc_def", "vk__secret", key.prefix):
        assert parse_key(text) is None, text


def test_tokens_are_checked_against_their_key() -> None:
    one, other = AuthSettings(jwt_secret="a" * 32), AuthSettings(jwt_secret="b" * 32)
    token = issue_token(one, "user:lan").access_token
    assert token_subject(one, token) == "user:lan"
    assert token_subject(other, token) is None
    assert token_subject(one, token[:-2]) is None


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        AuthSettings(jwt_secret="too short")


def test_password_hashes() -> None:
    hashed = hash_password("mật khẩu dài đủ")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "mật khẩu dài đủ") and not verify_password(hashed, "mật khẩu khác")
    assert not verify_password("not a hash", "mật khẩu dài đủ")
    with pytest.raises(WeakPassword):
        hash_password("ngắn")
