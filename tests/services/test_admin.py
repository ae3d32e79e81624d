"""services/admin.py: the first owner of a fresh instance, exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlmodel import select

from archive_app.db import session_scope
from archive_app.models.workspaces import User
from archive_app.services import admin


def test_racing_first_visitors_make_exactly_one_owner(engine: Engine, now):
    def visit(i: int) -> str:
        try:
            with session_scope(engine) as s:
                admin.create_first_owner(
                    s,
                    email=f"first{i}@brand.example",
                    password="first-pass-1",
                    workspace_name=f"Brand {i}",
                    now=now,
                )
            return "created"
        except Exception as exc:  # the losers: refused, or SQLite's busy writer
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(visit, range(4)))
    assert outcomes.count("created") == 1, outcomes
    with session_scope(engine) as s:
        assert len(s.exec(select(User)).all()) == 1
