"""Webhook signatures: only TikTok (our client secret, within 5 minutes) gets through."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from archive_app.integrations.tiktok import (
    AuthorizationRemoved,
    BrandMention,
    InvalidSignature,
    Kind,
    WebhookVerifier,
)
from archive_app.integrations.tiktok.webhooks import (
    NOT_AN_EVENT,
    SIGNATURE_HEADER,
    MalformedEvent,
    signature,
)
from archive_app.settings import Settings

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def body(settings: Settings, *, reason: int = 1, event: str = "authorization.removed") -> bytes:
    return json.dumps(
        {
            "client_key": settings.tiktok_v1_client_key,
            "event": event,
            "create_time": int(NOW.timestamp()),
            "user_openid": "oid-brand",
            "content": json.dumps({"reason": reason}),
        }
    ).encode()


def signed(settings: Settings, raw: bytes, *, at: datetime = NOW, secret: str | None = None) -> str:
    key = secret or settings.tiktok_v1_client_secret.get_secret_value()
    return signature(key, raw, int(at.timestamp()))


def test_valid_signature_gives_a_parsed_event_with_a_human_reason(test_settings: Settings) -> None:
    raw = body(test_settings)
    event = WebhookVerifier.from_settings(test_settings).verify(
        signed(test_settings, raw), raw, now=NOW
    )
    assert isinstance(event, AuthorizationRemoved)
    assert event.kind is Kind.tiktok_v1
    assert event.user_openid == "oid-brand"
    assert event.reason == "Access was revoked in the TikTok app"
    assert event.created_at == NOW


def test_each_removal_reason_reads_as_a_sentence(test_settings: Settings) -> None:
    verifier = WebhookVerifier.from_settings(test_settings)
    reasons = set()
    for code in range(1, 6):
        raw = body(test_settings, reason=code)
        event = verifier.verify(signed(test_settings, raw), raw, now=NOW)
        assert isinstance(event, AuthorizationRemoved) and event.reason_code == code
        reasons.add(event.reason)
    assert len(reasons) == 5
    assert "banned" in " ".join(reasons) and "deleted" in " ".join(reasons)


def test_v2_secret_signs_v2_events_and_mentions_parse(test_settings: Settings) -> None:
    raw = json.dumps(
        {
            "client_key": test_settings.tiktok_v2_client_key,
            "event": "brand.mention.event",
            "create_time": int(NOW.timestamp()),
            "user_openid": "oid-2",
            "content": json.dumps({"item_id": "730"}),
        }
    ).encode()
    header = signed(
        test_settings, raw, secret=test_settings.tiktok_v2_client_secret.get_secret_value()
    )
    event = WebhookVerifier.from_settings(test_settings).verify(header, raw, now=NOW)
    assert isinstance(event, BrandMention)
    assert event.kind is Kind.tiktok_v2 and event.content == {"item_id": "730"}


def test_tampered_body_is_refused(test_settings: Settings) -> None:
    raw = body(test_settings)
    header = signed(test_settings, raw)
    with pytest.raises(InvalidSignature, match="does not match"):
        WebhookVerifier.from_settings(test_settings).verify(
            header, body(test_settings, reason=5), now=NOW
        )


def test_wrong_secret_is_refused(test_settings: Settings) -> None:
    raw = body(test_settings)
    with pytest.raises(InvalidSignature):
        WebhookVerifier.from_settings(test_settings).verify(
            signed(test_settings, raw, secret="not-our-secret"), raw, now=NOW
        )


@pytest.mark.parametrize("skew", [timedelta(minutes=5, seconds=1), timedelta(hours=-1)])
def test_stale_or_future_timestamp_is_refused(test_settings: Settings, skew: timedelta) -> None:
    raw = body(test_settings)
    header = signed(test_settings, raw, at=NOW - skew)
    with pytest.raises(InvalidSignature, match="5-minute"):
        WebhookVerifier.from_settings(test_settings).verify(header, raw, now=NOW)


def test_four_minutes_late_is_still_accepted(test_settings: Settings) -> None:
    raw = body(test_settings)
    header = signed(test_settings, raw, at=NOW - timedelta(minutes=4))
    assert WebhookVerifier.from_settings(test_settings).verify(header, raw, now=NOW)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=abc,s=00", "s=00"])
def test_missing_or_malformed_header_is_refused(
    test_settings: Settings, header: str | None
) -> None:
    with pytest.raises(InvalidSignature):
        WebhookVerifier.from_settings(test_settings).verify(header, body(test_settings), now=NOW)


def test_redelivery_has_the_same_event_id_even_if_reserialised(test_settings: Settings) -> None:
    verifier = WebhookVerifier.from_settings(test_settings)
    raw = body(test_settings)
    again = json.dumps(json.loads(raw), indent=2, sort_keys=True).encode()
    first = verifier.verify(signed(test_settings, raw), raw, now=NOW)
    second = verifier.verify(signed(test_settings, again), again, now=NOW)
    other = body(test_settings, reason=2)
    third = verifier.verify(signed(test_settings, other), other, now=NOW)
    assert first.event_id == second.event_id != third.event_id
    assert SIGNATURE_HEADER == "Tiktok-Signature"


# Hardening (issue 11, item 6): nothing a stranger sends may raise anything but our two errors.


@pytest.mark.parametrize(
    "header",
    [
        "t=1" + "0" * 400 + ",s=" + "0" * 64,  # overflowed a float in the 5-minute check
        f"t={int(NOW.timestamp())},s=" + "é" * 64,  # broke hmac.compare_digest (TypeError)
        f"t={int(NOW.timestamp())},s=" + "0" * 5000,
        "t=" + "9" * 5000 + ",s=00",  # beyond int()'s digit limit
        f"t=-{int(NOW.timestamp())},s=" + "0" * 64,
        "t=١٧٦٣٩٠٠٠٠٠,s=" + "0" * 64,  # Unicode digits int() would accept
    ],
)
def test_absurd_signature_headers_are_refused_as_malformed_not_crashes(
    test_settings: Settings, header: str
) -> None:
    with pytest.raises(InvalidSignature, match="malformed"):
        WebhookVerifier.from_settings(test_settings).verify(header, body(test_settings), now=NOW)


def _payload(settings: Settings, **overrides: object) -> dict[str, object]:
    payload: dict[str, object] = json.loads(body(settings))
    payload.update(overrides)
    return payload


SIGNED_NON_EVENTS = {
    "huge create_time": lambda s: json.dumps(_payload(s, create_time=10**30)).encode(),
    "1e400 create_time": lambda s: body(s).replace(str(int(NOW.timestamp())).encode(), b"1e400"),
    "negative create_time": lambda s: json.dumps(_payload(s, create_time=-1)).encode(),
    "text create_time": lambda s: json.dumps(_payload(s, create_time="soon")).encode(),
    "NaN create_time": lambda s: body(s).replace(str(int(NOW.timestamp())).encode(), b"NaN"),
    "100k nested lists": lambda s: b"[" * 100_000 + b"]" * 100_000,
    "nested content": lambda s: json.dumps(_payload(s, content="[" * 100_000)).encode(),
    "deep but parseable": lambda s: json.dumps(
        _payload(s, content=json.loads("[" * 200 + "]" * 200))
    ).encode(),
    "a list": lambda s: b"[1, 2, 3]",
    "a number": lambda s: b"1e400",
    "not UTF-8": lambda s: b'{"event": "\xff"}',
    "not JSON": lambda s: b"client_key=abc",
    "NUL in open id": lambda s: json.dumps(_payload(s, user_openid="oid\x00")).encode(),
    "open id is a dict": lambda s: json.dumps(_payload(s, user_openid={"a": 1})).encode(),
    "10k-char event name": lambda s: json.dumps(_payload(s, event="x" * 10_000)).encode(),
}


@pytest.mark.parametrize("make", SIGNED_NON_EVENTS.values(), ids=SIGNED_NON_EVENTS.keys())
def test_a_signed_body_that_is_not_an_event_is_refused_with_a_fixed_sentence(
    test_settings: Settings, make
) -> None:
    raw = make(test_settings)
    with pytest.raises(MalformedEvent) as caught:
        WebhookVerifier.from_settings(test_settings).verify(
            signed(test_settings, raw), raw, now=NOW
        )
    assert caught.value.message == NOT_AN_EVENT  # never the parser's own words
    assert not isinstance(caught.value, InvalidSignature)


@pytest.mark.parametrize("reason", ["1e400", "99999999999999999999999", '"x"', "[1]", "true"])
def test_an_odd_removal_reason_still_ends_the_grant_with_an_unknown_reason(
    test_settings: Settings, reason: str
) -> None:
    raw = json.dumps(_payload(test_settings, content='{"reason": ' + reason + "}")).encode()
    event = WebhookVerifier.from_settings(test_settings).verify(
        signed(test_settings, raw), raw, now=NOW
    )
    assert isinstance(event, AuthorizationRemoved)
    assert event.reason_code == 0
    assert len(event.reason) < 100  # fits the source's status_reason column (300)
