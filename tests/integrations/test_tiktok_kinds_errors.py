"""The kinds table and the one place TikTok's error shapes become our exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive_app.integrations.tiktok import KINDS, Capability, Kind, deadline, spec
from archive_app.integrations.tiktok.errors import (
    GrantRevoked,
    InvalidRequest,
    TikTokError,
    TokenExpired,
    TransientError,
    from_business,
    from_login_kit,
    from_oauth_error,
)
from archive_app.integrations.tiktok.kinds import reminder_kinds, sending_kinds

CONNECTED = datetime(2026, 1, 1, tzinfo=UTC)


def test_display_names_capabilities_and_reconnect_days() -> None:
    v1, v2 = spec(Kind.tiktok_v1), spec("tiktok_v2")
    assert (v1.display_name, v2.display_name) == ("TikTok Account v.1", "TikTok Account v.2")
    assert (v1.can_send_dms, v2.can_send_dms) == (True, False)
    assert (v1.reconnect_days, v2.reconnect_days) == (180, 360)
    assert (v1.connect_flow, v2.connect_flow) == ("qr", "consent")
    assert v2.detects_tags and not v1.detects_tags
    assert set(KINDS) == {Kind.tiktok_v1, Kind.tiktok_v2}


def test_the_kinds_share_everything_but_how_they_log_in_and_dms() -> None:
    v1, v2 = spec(Kind.tiktok_v1).capabilities, spec(Kind.tiktok_v2).capabilities
    assert v1 ^ v2 == {Capability.qr_login, Capability.consent_login, Capability.send_dm}
    assert v1 & v2 == {
        Capability.token_refresh,
        Capability.revoke,
        Capability.profile,
        Capability.list_mentions,
    }


def test_only_v1_sends_dms_and_has_reminders_and_the_sql_filters_say_the_same() -> None:
    assert spec(Kind.tiktok_v1).has_reminders and not spec(Kind.tiktok_v2).has_reminders
    assert sending_kinds() == ["tiktok_v1"] == reminder_kinds()
    assert [spec(k).connect_flow for k in Kind] == ["qr", "consent"]


def test_deadline_is_our_promise_when_tiktok_allows_longer() -> None:
    tiktok_says = CONNECTED + timedelta(days=365)
    assert deadline(Kind.tiktok_v1, CONNECTED, tiktok_says) == CONNECTED + timedelta(days=180)
    assert deadline(Kind.tiktok_v2, CONNECTED, tiktok_says) == CONNECTED + timedelta(days=360)


def test_deadline_is_tiktoks_when_it_comes_first() -> None:
    tiktok_says = CONNECTED + timedelta(days=180)
    assert deadline(Kind.tiktok_v2, CONNECTED, tiktok_says) == tiktok_says
    with pytest.raises(ValueError):
        deadline(Kind.tiktok_v1, CONNECTED.replace(tzinfo=None), tiktok_says)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (40001, GrantRevoked),
        (40002, InvalidRequest),
        (40100, TransientError),
        (40102, TokenExpired),
        (40103, GrantRevoked),
        (40104, InvalidRequest),
        (40105, TokenExpired),
        (40107, GrantRevoked),
        (40110, InvalidRequest),
        (50000, TransientError),
        (50002, TransientError),
        (40999, InvalidRequest),
    ],
)
def test_business_codes(code: int, expected: type[TikTokError]) -> None:
    error = from_business(code, "msg")
    assert type(error) is expected and error.code == code


def test_business_success_is_not_an_error() -> None:
    assert from_business(0, "OK") is None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"error": {"code": "access_token_invalid"}}, TokenExpired),
        (429, {"error": {"code": "rate_limit_exceeded"}}, TransientError),
        (503, "<html>", TransientError),
        (403, {"error": {"code": "scope_not_authorized"}}, GrantRevoked),
        (400, {"error": {"code": "invalid_params"}}, InvalidRequest),
        (400, {"error": "invalid_client", "error_description": "bad"}, InvalidRequest),
        (400, {"error": "temporarily_unavailable"}, TransientError),
    ],
)
def test_login_kit_shapes(status: int, body: object, expected: type[TikTokError]) -> None:
    assert type(from_login_kit(status, body, {})) is expected


def test_login_kit_success_and_retry_after() -> None:
    assert from_login_kit(200, {"data": {}, "error": {"code": "ok"}}, {}) is None
    limited = from_login_kit(429, {}, {"retry-after": "7"})
    assert isinstance(limited, TransientError) and limited.retry_after == 7.0


def test_invalid_grant_depends_on_the_step() -> None:
    assert isinstance(from_oauth_error("invalid_grant", "", step="refresh"), GrantRevoked)
    on_code = from_oauth_error("invalid_grant", "", step="code")
    assert type(on_code) is InvalidRequest and "start the connection again" in on_code.message
    for value in ("invalid_scope", "unauthorized_client", "unsupported_grant_type"):
        assert type(from_oauth_error(value, "", step="other")) is InvalidRequest
    assert isinstance(from_oauth_error("server_error", "", step="other"), TransientError)
