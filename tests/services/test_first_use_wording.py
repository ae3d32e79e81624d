"""Wording a brand team trips over (issue 21, item 14): a request's status is not "Requested"
twice over, "TikTok" keeps its capital, and a request for two videos says "these videos"."""

from __future__ import annotations

from archive_app.integrations.tiktok.dm import QueueReason, queue_reason_text
from archive_app.services.rights.query import STARTER_MESSAGE, starter_message


def test_queue_reasons_that_offer_copying_write_the_tiktok_app_with_its_capitals():
    for reason in (QueueReason.no_v1_source, QueueReason.v1_disconnected):
        text = queue_reason_text(reason, handle="maya")
        assert text.endswith("; or copy the message and send it from the TikTok app.")
        assert "tiktok app" not in text


def test_the_first_message_of_a_request_for_two_videos_speaks_of_these_videos():
    two = starter_message(2)
    assert two.startswith("Hi! We love these videos and would like to share them")
    assert "they show our product" in two and "this video" not in two
    assert starter_message(1) == STARTER_MESSAGE
