"""The demo workspace of ``make run``: "Demo Brand" with an owner, a teammate, and the
creators and mentions of the demo's TikTok (``demo_data.py``), so its Feed is not empty."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from archive_app.demo_data import DEMO_CREATORS, demo_videos
from archive_app.models.mentions import Creator, Mention
from archive_app.models.workspaces import Membership, Role, Workspace
from archive_app.services.auth import create_user, find_user
from archive_app.simulator_links import signed_cover_url

DEMO_WORKSPACE = "Demo Brand"
DEMO_PASSWORD = "demo1234"
DEMO_OWNER = "demo@example.com"
DEMO_MEMBER = "teammate@example.com"


def seed_demo(session: Session, *, now: datetime) -> bool:
    """Create "Demo Brand" with its owner and teammate once; later calls change nothing."""
    if find_user(session, email=DEMO_OWNER) is not None:
        return False
    workspace = Workspace(name=DEMO_WORKSPACE, created_at=now)
    session.add(workspace)
    session.flush()
    assert workspace.id is not None
    for address, role in ((DEMO_OWNER, Role.owner), (DEMO_MEMBER, Role.member)):
        user = find_user(session, email=address) or create_user(
            session, email=address, password=DEMO_PASSWORD, now=now
        )
        assert user.id is not None
        session.add(
            Membership(workspace_id=workspace.id, user_id=user.id, role=role, created_at=now)
        )
    session.flush()
    seed_mentions(session, workspace_id=workspace.id, now=now)
    return True


def seed_mentions(session: Session, *, workspace_id: int, now: datetime) -> None:
    """The demo's videos as mentions (found by no source yet: connect ``demobrand`` to find
    them again), and their creators. Only what a real instance could know: a creator's DM
    setting lives in the simulator's TikTok (``DEMO_CREATORS``) and stays "Not known yet" here
    until a DM attempt tells, as on any new workspace."""
    creators: dict[str, Creator] = {}
    for handle in DEMO_CREATORS:
        creators[handle] = Creator(
            workspace_id=workspace_id,
            handle=handle,
            display_name=handle.split(".")[0].title(),
            first_seen_at=now,
        )
        session.add(creators[handle])
    session.flush()
    for video in demo_videos(now):
        creator = creators[video.creator_handle]
        assert creator.id is not None
        creator.mention_count += 1
        last = creator.last_mention_at
        creator.last_mention_at = video.created_at if last is None else max(last, video.created_at)
        session.add(
            Mention(
                workspace_id=workspace_id,
                video_id=video.item_id,
                creator_id=creator.id,
                creator_handle=video.creator_handle,
                caption=video.caption,
                # The simulator's signed cover URL: fetch_covers keeps a copy at once.
                thumbnail_url=signed_cover_url(video.item_id, "/_sim/media", now),
                url=f"https://www.tiktok.com/@{video.creator_handle}/video/{video.item_id}",
                views=video.views,
                likes=video.likes,
                comments=video.comments,
                shares=video.shares,
                posted_at=video.created_at,
                first_seen_at=now,
            )
        )
    session.flush()
