"""A client that sends an event with wrong arguments gets one clear message, never a traceback."""

from __future__ import annotations

import logging

import pytest

from archive_app.models.base import MAX_ID
from archive_app.states.args import BadEventArgs, id_arg, on_handler_error, text_arg
from archive_app.states.source_views import source_view
from archive_app.states.sources import SourcesState
from archive_app.states.sources_wizard import ConnectWizardState
from archive_app.states.team import TeamState


def test_ids_are_positive_integers_in_the_databases_range():
    assert id_arg(7) == 7 and id_arg("42") == 42 and id_arg(MAX_ID) == MAX_ID
    for bad in ("abc", "", "-1", 0, -3, True, 1.5, None, [], {"id": 1}, MAX_ID + 1, "9" * 30):
        with pytest.raises(BadEventArgs):
            id_arg(bad)


def test_text_must_be_text_of_a_sensible_length():
    assert text_arg("a@b.com", limit=10) == "a@b.com"
    for bad in (None, 5, ["a"], {"a": 1}, "x" * 11):
        with pytest.raises(BadEventArgs):
            text_arg(bad, limit=10)


async def test_a_source_id_that_is_not_a_number_is_refused_before_any_work():
    state = SourcesState(_reflex_internal_init=True)
    with pytest.raises(BadEventArgs):
        await state.disconnect("abc")  # type: ignore[arg-type]
    wizard = ConnectWizardState(_reflex_internal_init=True)
    with pytest.raises(BadEventArgs):
        wizard.set_reminder_input({"not": "text"})  # type: ignore[arg-type]


def _answer(exc: Exception, caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING):
        return on_handler_error(exc)


def test_a_bad_argument_is_one_warning_line_and_a_clear_toast(caplog):
    try:
        id_arg("abc")
    except BadEventArgs as exc:
        spec = _answer(exc, caplog)
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.exc_info) for r in records] == [("WARNING", None)]
    assert "Traceback" not in caplog.text
    assert "did not understand that request" in str(spec)


def test_calling_a_handler_with_arguments_it_does_not_take_is_a_warning(caplog):
    state = TeamState(_reflex_internal_init=True)
    try:  # what Reflex does with a payload of unknown names: handler(state, **payload)
        TeamState.remove_member.fn(state, who=1, extra=2)  # type: ignore[call-arg]
    except TypeError as exc:
        spec = _answer(exc, caplog)
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "did not understand that request" in str(spec)


def test_a_bug_inside_our_code_is_still_reported_as_an_error(caplog):
    try:
        source_view(None)  # type: ignore[arg-type]
    except AttributeError as exc:
        spec = _answer(exc, caplog)
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert "did not understand that request" not in str(spec)
