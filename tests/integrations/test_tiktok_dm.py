"""Why a rights request waits In Queue: one reason per case, each in words a person can act on."""

from __future__ import annotations

import pytest

from archive_app.integrations.tiktok import QueueReason, queue_reason_text


@pytest.mark.parametrize("reason", list(QueueReason))
def test_every_reason_has_words_that_say_what_to_do(reason: QueueReason) -> None:
    words = queue_reason_text(reason, handle="@maker")
    assert words.endswith(".")
    assert reason.value not in words  # never the code itself
    assert "@@" not in words


def test_the_routing_reasons_send_people_to_settings_sources() -> None:
    for reason in (QueueReason.no_v1_source, QueueReason.v1_disconnected):
        words = queue_reason_text(reason, handle="maker")
        assert "Settings → Sources" in words and "TikTok Account v.1" in words


def test_the_creators_setting_names_the_creator_and_the_way_out() -> None:
    words = queue_reason_text(QueueReason.creator_dm_setting, handle="maker")
    assert "@maker" in words and "Copy the message" in words and "friend" in words


def test_an_unknown_refusal_from_the_relay_is_a_plain_refusal() -> None:
    assert QueueReason.from_wire("creator_dm_setting") is QueueReason.creator_dm_setting
    assert QueueReason.from_wire("spam_suspected") is QueueReason.refused
