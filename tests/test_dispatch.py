"""Domain events and the one dispatcher (issue 19): what a committed unit of work causes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from archive_app import dispatch, events, live
from archive_app.db import SessionRunner
from archive_app.jobs.tasks import DRAIN_OUTBOX, FETCH_COVERS, POLL_MENTIONS


def test_each_event_maps_to_its_tabs_and_jobs() -> None:
    plan = dispatch.plan(
        [
            events.SourcesChanged(workspace_id=1),
            events.SourceConnected(workspace_id=2, source_id=7),
            events.MentionsAdded(workspace_id=3),
            events.RightsChanged(workspace_id=3),
            events.MembersChanged(workspace_id=4),
            events.MailQueued(),
        ]
    )
    assert {ws: (e.view, sorted(e.topics)) for ws, e in plan.workspaces.items()} == {
        1: (True, []),
        2: (True, []),
        3: (False, [live.Topic.mentions, live.Topic.rights]),  # no Sources view reload
        4: (True, []),
    }
    assert plan.jobs == [(POLL_MENTIONS, "7"), (FETCH_COVERS, ""), (DRAIN_OUTBOX, "")]


def test_repeated_events_coalesce_into_one_announcement_and_one_request_each() -> None:
    plan = dispatch.plan(
        [events.MailQueued(), events.RightsChanged(workspace_id=1)] * 5
        + [events.SourceConnected(workspace_id=1, source_id=3)] * 2
    )
    assert list(plan.workspaces) == [1]
    assert plan.jobs == [(DRAIN_OUTBOX, ""), (POLL_MENTIONS, "3"), (FETCH_COVERS, "")]


def test_record_keeps_one_of_equal_events_and_take_empties_the_unit(engine: Engine) -> None:
    with Session(engine) as session:
        events.record(session, events.RightsChanged(workspace_id=1))
        events.record(session, events.RightsChanged(workspace_id=1), events.MailQueued())
        assert events.take(session) == [events.RightsChanged(workspace_id=1), events.MailQueued()]
        assert events.take(session) == []


async def test_a_committed_unit_hands_its_events_over_once_and_a_failed_one_none(
    engine: Engine,
) -> None:
    runner = SessionRunner(engine)
    handed: list[list[events.Event]] = []

    async def handler(batch: Sequence[events.Event]) -> None:
        handed.append(list(batch))

    runner.after_commit.install(handler, asyncio.get_running_loop())

    def ok(session: Session) -> str:
        events.record(session, events.MentionsAdded(workspace_id=5))
        return "done"

    def fails(session: Session) -> None:
        events.record(session, events.MentionsAdded(workspace_id=6))
        raise ValueError("refused")

    assert await runner(ok) == "done"
    with pytest.raises(ValueError):
        await runner(fails)
    assert await runner(lambda session: 1) == 1  # no events: the handler is not called
    assert handed == [[events.MentionsAdded(workspace_id=5)]]


async def test_a_failing_effect_does_not_fail_the_committed_work(engine: Engine) -> None:
    runner = SessionRunner(engine)

    async def broken(batch: Sequence[events.Event]) -> None:
        raise RuntimeError("live is down")

    runner.after_commit.install(broken, asyncio.get_running_loop())

    def work(session: Session) -> int:
        events.record(session, events.MailQueued())
        return 42

    assert await runner(work) == 42


async def test_events_of_work_run_in_a_thread_with_sync_are_dispatched_on_the_loop(
    engine: Engine,
) -> None:
    runner = SessionRunner(engine)
    got: asyncio.Queue[list[events.Event]] = asyncio.Queue()

    async def handler(batch: Sequence[events.Event]) -> None:
        await got.put(list(batch))

    runner.after_commit.install(handler, asyncio.get_running_loop())

    def work(session: Session) -> None:
        events.record(session, events.MailQueued())

    await asyncio.to_thread(runner.sync, work)
    assert await asyncio.wait_for(got.get(), timeout=5) == [events.MailQueued()]
