"""States are thin, but they are where the cookie is read: each handler re-checks the viewer."""

from __future__ import annotations

import pytest

from archive_app.clock import app_clock
from archive_app.db import session_scope
from archive_app.deps import current
from archive_app.services import auth, demo
from archive_app.services import invite as invite_service
from archive_app.services import team as team_service
from archive_app.services.actor import Actor
from archive_app.states.base import AppState, PublicState
from archive_app.states.invite import InviteState
from archive_app.states.profile import ProfileState
from archive_app.states.sources import SourcesState
from archive_app.states.team import TeamState
from archive_app.web.flash import FLASH_COOKIE, redirect_with_flash
from tests.states.conftest import open_tab, sign_in_demo


def _people() -> tuple[str, str, int]:
    """Demo workspace; returns the owner's and the member's session tokens and the member id."""
    people = sign_in_demo()
    return people.owner_token, people.member_token, people.member_id


_tab = open_tab


def _redirect_path(event) -> str:
    spec = event if not isinstance(event, list) else event[0]
    return str(
        spec.args[0][1]._var_value if hasattr(spec.args[0][1], "_var_value") else spec.args[0][1]
    )


async def test_a_tab_without_a_session_is_sent_to_login(app_db):
    state = await _tab(AppState, path="/settings/team")
    event = await state.guard()
    assert "/login?next=%2Fsettings%2Fteam" in _redirect_path(event)
    assert state.signed_in is False


async def test_a_forged_cookie_is_sent_to_login(app_db):
    _people()
    state = await _tab(AppState, cookie="archive_session=forged")
    event = await state.guard()
    assert "/login" in _redirect_path(event)


async def test_recheck_keeps_a_member_and_drops_a_removed_one(app_db):
    owner_token, mate_token, mate_id = _people()
    state = await _tab(AppState, cookie=f"archive_session={mate_token}")
    assert await state.recheck_access() is None
    assert (
        state.signed_in and state.email == demo.DEMO_MEMBER and state.workspace_name == "Demo Brand"
    )
    with session_scope(current().engine) as s:
        viewer = auth.require_viewer(s, token=owner_token, now=app_clock().now())
        team_service.remove_member(s, actor=viewer.actor, member_user_id=mate_id)
    event = await state.recheck_access()
    assert "/login?notice=removed" in _redirect_path(event)
    assert state.signed_in is False and state.email == ""


async def test_a_member_cannot_remove_the_owner_through_the_socket(app_db):
    owner_token, mate_token, _ = _people()
    with session_scope(current().engine) as s:
        owner = auth.require_viewer(s, token=owner_token, now=app_clock().now())
    team = await _tab(TeamState, cookie=f"archive_session={mate_token}")
    # Vars are client-controlled: pretending to be the owner changes nothing.
    team.is_owner = True
    team.user_id = owner.user_id
    await team.remove_member(owner.user_id)
    with session_scope(current().engine) as s:
        assert demo.DEMO_OWNER in team_service.member_emails(s, workspace_id=owner.workspace_id)


async def test_team_lists_members_and_shows_invite_errors_inline(app_db):
    owner_token, _, _ = _people()
    team = await _tab(TeamState, cookie=f"archive_session={owner_token}", path="/settings/team")
    await team.load()
    assert [m.email for m in team.members] == [demo.DEMO_OWNER, demo.DEMO_MEMBER]
    assert [m.is_you for m in team.members] == [True, False]
    team.set_invite_email("not an email")
    await team.send_invite()
    assert "not a valid email" in team.invite_error
    team.set_invite_email("new@brand.com")
    await team.send_invite()
    assert team.invite_error == "" and team.invite_link.startswith("http")
    assert [i.email for i in team.invites] == ["new@brand.com"]


async def test_profile_password_change_needs_the_current_password(app_db):
    owner_token, _, _ = _people()
    profile = await _tab(ProfileState, cookie=f"archive_session={owner_token}")
    profile.set_current_password("wrong-one")
    profile.set_new_password("another-pass")
    await profile.save_password()
    assert "current password" in profile.password_error and profile.password_saved == ""
    profile.set_current_password(demo.DEMO_PASSWORD)
    await profile.save_password()
    assert profile.password_saved == "Password changed." and profile.password_error == ""


async def test_the_login_page_never_shows_text_from_the_url(app_db):
    page = await _tab(PublicState, path="/login", query="error=Call+555-0100+now&email=a@b.com")
    await page.load()
    assert page.error == "" and page.email == ""
    assert page.demo_mode is False  # the test process runs in test mode


async def test_a_flash_cookie_not_signed_by_the_app_shows_nothing(app_db):
    """A cookie planted from a sibling subdomain or a script: right shape, not our signature."""
    forged = redirect_with_flash(
        "/login", "Call 555-0100 now", secure=False, key=b"not the app's key" * 2
    )
    value = forged.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    unsigned = value.rsplit(".", 1)[0]
    for cookie in (f"{FLASH_COOKIE}={value}", f"{FLASH_COOKIE}={unsigned}"):
        page = await _tab(PublicState, cookie=cookie, path="/login")
        await page.load()
        assert page.error == ""


async def test_a_message_our_route_set_shows_once_on_its_own_page(app_db):
    key = current().cipher.signing_key
    response = redirect_with_flash(
        "/login", "Wrong password.", secure=False, key=key, email="a@b.com"
    )
    cookie = f"{FLASH_COOKIE}={response.headers['set-cookie'].split(';')[0].split('=', 1)[1]}"
    elsewhere = await _tab(PublicState, cookie=cookie, path="/signup")
    await elsewhere.load()
    assert elsewhere.error == ""  # the flash was for /login
    page = await _tab(PublicState, cookie=cookie, path="/login")
    await page.load()
    assert page.error == "Wrong password." and page.email == "a@b.com"
    await page.load()  # the same socket (same cookie header) on a later visit: once only
    assert page.error == "" and page.email == ""


@pytest.mark.parametrize(
    ("cls", "path"),
    [
        (PublicState, "/login"),
        (PublicState, "/signup"),
        (InviteState, "/invite/some-token"),
        (SourcesState, "/settings/sources"),
    ],
)
async def test_no_page_shows_an_error_sentence_from_its_url(app_db, cls, path):
    owner_token, _, _ = _people()
    tab = await _tab(
        cls,
        cookie=f"archive_session={owner_token}",
        path=path,
        query="error=Your+account+is+locked.+Call+555-0100&message=Pay+now",
    )
    await tab.load()
    shown = " ".join(str(v) for v in tab.dict(include_computed=False)[tab.get_full_name()].values())
    assert "555-0100" not in shown and "Pay now" not in shown


async def test_logging_out_other_sessions_sends_their_open_tabs_to_login(app_db):
    owner_token, _, _ = _people()
    with session_scope(current().engine) as s:
        other = auth.log_in(
            s, email=demo.DEMO_OWNER, password=demo.DEMO_PASSWORD, ip="u", now=app_clock().now()
        )
    elsewhere = await _tab(AppState, cookie=f"archive_session={other.session_token}")
    await elsewhere.guard()
    assert elsewhere.signed_in
    profile = await _tab(ProfileState, cookie=f"archive_session={owner_token}")
    await profile.log_out_other_sessions()
    assert "Logged out 1 other session" in profile.sessions_saved
    event = await elsewhere.recheck_access()
    assert "/login?notice=signed_out" in _redirect_path(event)
    assert elsewhere.signed_in is False
    login = await _tab(PublicState, path="/login", query="notice=signed_out")
    await login.load()
    assert "logged out" in login.notice


async def test_the_invite_page_asks_a_known_address_to_log_in_and_a_new_one_for_a_password(
    app_db,
):
    owner_token, _, _ = _people()
    now = app_clock().now()
    with session_scope(current().engine) as s:
        owner = auth.require_viewer(s, token=owner_token, now=now)
        auth.create_user(s, email="known@elsewhere.com", password="known-pass", now=now)
        links = [
            invite_service.invite(
                s,
                actor=Actor(workspace_id=owner.workspace_id, user_id=owner.user_id),
                email=address,
                base_url="http://archive.test",
                reveal_link=True,
                now=now,
            ).accept_url
            for address in ("known@elsewhere.com", "fresh@elsewhere.com")
        ]
    pages = []
    for link in links:
        page = await _tab(InviteState, path="/invite/" + link.rsplit("/", 1)[-1])
        await page.load()
        pages.append(page)
    known, fresh = pages
    # The known address never gets a password field: it logs in (throttled) first.
    assert (known.has_account, known.signed_in_as, known.can_accept) == (True, "", False)
    assert (fresh.has_account, fresh.can_accept) == (False, False)
    assert known.invalid == fresh.invalid == ""


async def test_the_login_page_offers_the_owner_setup_only_while_nobody_has_an_account(app_db):
    fresh = await _tab(PublicState, path="/login")
    await fresh.load()
    assert fresh.needs_owner is True
    sign_in_demo()
    later = await _tab(PublicState, path="/login")
    await later.load()
    assert later.needs_owner is False


async def test_the_login_page_shows_no_form_until_its_load_knows_which_one(app_db):
    tab = await _tab(PublicState, path="/login")
    assert tab.owner_checked is False  # before the load: neither heading, a spinner
    await tab.load()
    assert (tab.owner_checked, tab.needs_owner) == (True, True)
