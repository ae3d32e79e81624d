"""Team invitations, the invitation page and the profile's email and password forms, as a tab
meets them (issue 18: links only in the mail in production, password checks throttled)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from archive_app.clock import app_clock
from archive_app.db import session_scope
from archive_app.deps import Deps, current, install, uninstall
from archive_app.models.notifications import OutboxEmail
from archive_app.models.workspaces import User
from archive_app.services import auth, demo, email_change
from archive_app.services import invite as invite_service
from archive_app.states.invite import InviteState
from archive_app.states.profile import ProfileState
from archive_app.states.team import TeamState
from archive_app.web import rate_limits
from tests.production_settings import production_settings
from tests.states.conftest import open_tab, sign_in_demo


@pytest.fixture
def production_db(app_deps: Deps, tmp_path):
    """The installed Deps, with the settings of a production instance."""
    install(dataclasses.replace(app_deps, settings=production_settings(tmp_path)))
    yield
    uninstall()


def _mailed(to: str) -> list[OutboxEmail]:
    with session_scope(current().engine) as s:
        return list(s.exec(select(OutboxEmail).where(OutboxEmail.to_address == to)).all())


async def test_in_production_the_team_page_never_gets_the_invitation_link(production_db):
    people = sign_in_demo()
    team = await open_tab(
        TeamState, cookie=f"archive_session={people.owner_token}", path="/settings/team"
    )
    await team.load()
    team.set_invite_email("new@brand.com")
    await team.send_invite()
    assert team.invite_error == "" and team.invite_link == ""
    assert team.message == "Invitation sent to new@brand.com."
    (mail,) = _mailed("new@brand.com")
    token = mail.text_body.split("/invite/", 1)[1].split()[0]
    # The link is nowhere in what this tab holds (everything the browser could be sent).
    assert token not in str(team.dict())
    await team.resend_invite(team.invites[0].invite_id)
    assert team.invite_link == "" and len(_mailed("new@brand.com")) == 2
    assert all(
        m.text_body.split("/invite/", 1)[1].split()[0] not in str(team.dict())
        for m in _mailed("new@brand.com")
    )


async def test_outside_production_the_team_page_shows_the_link_and_says_why(app_db):
    people = sign_in_demo()
    team = await open_tab(
        TeamState, cookie=f"archive_session={people.owner_token}", path="/settings/team"
    )
    await team.load()
    team.set_invite_email("new@brand.com")
    await team.send_invite()
    assert "/invite/" in team.invite_link
    assert team.message.startswith("Invitation sent to new@brand.com. Test mode: the link")


async def test_the_invite_page_offers_the_button_only_to_the_invited_accounts_own_session(
    app_db,
):
    people = sign_in_demo()
    now = app_clock().now()
    with session_scope(current().engine) as s:
        invited = auth.create_user(s, email="known@elsewhere.com", password="known-pass", now=now)
        token = invite_service.invite(
            s,
            actor=people.owner.actor,
            email=invited.email,
            base_url="http://archive.test",
            reveal_link=True,
            now=now,
        ).accept_url.rsplit("/", 1)[-1]
    with session_scope(current().engine) as s:
        own = auth.start_session(s, user_id=invited.id or 0, workspace_id=None, now=now)
    pages = {}
    for who, cookie in (
        ("nobody", ""),
        ("someone else", f"archive_session={people.member_token}"),
        ("the invited account", f"archive_session={own.session_token}"),
    ):
        page = await open_tab(InviteState, cookie=cookie, path=f"/invite/{token}")
        await page.load()
        pages[who] = (page.has_account, page.signed_in_as, page.can_accept)
    assert pages == {
        "nobody": (True, "", False),
        "someone else": (True, demo.DEMO_MEMBER, False),
        "the invited account": (True, "known@elsewhere.com", True),
    }


async def test_after_five_wrong_current_passwords_even_the_right_one_waits(app_db):
    people = sign_in_demo()
    profile = await open_tab(ProfileState, cookie=f"archive_session={people.owner_token}")
    for _ in range(5):
        profile.set_current_password("wrong-guess")
        profile.set_new_password("another-pass")
        await profile.save_password()
        assert profile.password_error == "Your current password is not right."
    profile.set_current_password(demo.DEMO_PASSWORD)
    profile.set_new_password("another-pass")
    await profile.save_password()
    assert profile.password_error == "Too many failed attempts. Try again in 1 minute."
    assert profile.password_saved == ""
    # The email form's password check is the same throttle.
    profile.set_new_email("new@brand.com")
    profile.set_email_password(demo.DEMO_PASSWORD)
    await profile.save_email()
    assert profile.email_error == "Too many failed attempts. Try again in 1 minute."
    assert _mailed("new@brand.com") == []


async def test_saving_a_new_email_answers_the_same_whether_or_not_the_address_is_taken(app_db):
    people = sign_in_demo()
    profile = await open_tab(ProfileState, cookie=f"archive_session={people.owner_token}")
    for address in (demo.DEMO_MEMBER, "free@brand.com"):
        profile.set_new_email(address)
        profile.set_email_password(demo.DEMO_PASSWORD)
        await profile.save_email()
        assert profile.email_error == ""
        assert profile.email_saved == (
            f"We sent a link to {address}. Your address changes when you open it."
        )
    with session_scope(current().engine) as s:
        owner = s.get(User, people.owner.user_id)
        assert owner is not None and owner.email == demo.DEMO_OWNER  # nothing changed yet


@pytest.mark.parametrize("outcome", list(email_change.Outcome))
async def test_the_profile_says_what_the_opened_link_did(app_db, outcome):
    people = sign_in_demo()
    profile = await open_tab(
        ProfileState,
        cookie=f"archive_session={people.owner_token}",
        path="/settings/profile",
        query=f"email_change={outcome.value}",
    )
    await profile.load()
    shown = profile.email_saved if outcome == email_change.Outcome.changed else profile.email_error
    assert shown == email_change.OUTCOME_MESSAGES[outcome]


async def test_the_profile_shows_no_text_from_its_url(app_db):
    people = sign_in_demo()
    profile = await open_tab(
        ProfileState,
        cookie=f"archive_session={people.owner_token}",
        path="/settings/profile",
        query="email_change=Call+555-0100",
    )
    await profile.load()
    assert profile.email_saved == profile.email_error == ""


@pytest.fixture
def fresh_limits():
    """Per-address limits with no counts yet (the process keeps one set; put a new one back)."""
    yield rate_limits.install(rate_limits.RateLimits())
    rate_limits.install(rate_limits.RateLimits())


async def test_the_email_change_form_is_capped_per_client_address(app_db, fresh_limits):
    people = sign_in_demo()
    profile = await open_tab(ProfileState, cookie=f"archive_session={people.owner_token}")
    errors = []
    for n in range(11):
        profile.set_new_email(f"new{n}@brand.com")
        profile.set_email_password("wrong-guess")
        await profile.save_email()
        errors.append(profile.email_error)
    assert errors[-1] == "Too many attempts from your network. Try again in 1 minute."
    assert not any(e.startswith("Too many attempts from your network") for e in errors[:-1])
