"""Settings → Team: members, invitations, removal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from archive_app import dates, paths
from archive_app.deps import current
from archive_app.services import invite as invite_service
from archive_app.services import team as service
from archive_app.services.errors import NotAllowed, ServiceError
from archive_app.settings import Mode
from archive_app.states.args import id_arg, text_arg
from archive_app.states.base import AppState


@dataclass
class MemberView:
    user_id: int
    email: str
    role: str
    joined: str
    is_you: bool


@dataclass
class InviteView:
    invite_id: int
    email: str
    expires: str


class TeamState(AppState):
    members: list[MemberView] = []
    invites: list[InviteView] = []
    invite_email: str = ""
    invite_error: str = ""
    invite_link: str = ""
    message: str = ""
    loaded: bool = False

    @rx.event
    def set_invite_email(self, value: str) -> None:
        self.invite_email = text_arg(value, limit=400)
        self.invite_error = ""

    async def _reload(self) -> None:
        now = current().clock.now()
        members, invites, you = await self._act(
            lambda s, v: (
                service.list_members(s, actor=v.actor),
                invite_service.list_pending_invites(s, actor=v.actor, now=now),
                v.user_id,
            )
        )
        self.members = [
            MemberView(
                user_id=m.user_id,
                email=m.email,
                role=m.role.capitalize(),
                joined=dates.day(m.joined_at),
                is_you=m.user_id == you,
            )
            for m in members
        ]
        self.invites = [
            InviteView(invite_id=i.invite_id, email=i.email, expires=dates.day(i.expires_at))
            for i in invites
        ]
        self.loaded = True

    @rx.event
    async def load(self) -> Any:
        try:
            await self._reload()
        except NotAllowed:
            return rx.redirect(paths.LOGIN)
        return None

    @rx.event
    async def send_invite(self) -> Any:
        try:
            address = self.invite_email
            base_url, reveal = current().settings.public_url, _reveal_links()
            now = current().clock.now()
            sent = await self._act(
                lambda s, v: invite_service.invite(
                    s,
                    actor=v.actor,
                    email=address,
                    base_url=base_url,
                    reveal_link=reveal,
                    now=now,
                )
            )
        except ServiceError as exc:
            self.invite_error = exc.message
            return None
        self.invite_email = ""
        self._show_sent(sent, f"Invitation sent to {sent.email}.")
        await self._reload()
        return None

    def _show_sent(self, sent: invite_service.InviteSent, message: str) -> None:
        """What the owner sees after a mail went out: the link too, outside production only."""
        self.invite_link = sent.accept_url
        self.message = message + (f" {_why_link_shown()}" if sent.accept_url else "")

    @rx.event
    async def resend_invite(self, invite_id: int) -> Any:
        """Mail the invitation again with a new link (the old one stops working)."""
        invite_id = id_arg(invite_id)
        base_url, reveal = current().settings.public_url, _reveal_links()
        now = current().clock.now()
        sent = await self._act_or_toast(
            lambda s, v: invite_service.resend_invite(
                s,
                actor=v.actor,
                invite_id=invite_id,
                base_url=base_url,
                reveal_link=reveal,
                now=now,
            )
        )
        if isinstance(sent, EventSpec):
            return sent
        self._show_sent(
            sent, f"Invitation sent again to {sent.email}. The earlier link no longer works."
        )
        await self._reload()
        return rx.toast.success(f"Invitation sent again to {sent.email}.")

    @rx.event
    async def revoke_invite(self, invite_id: int) -> Any:
        invite_id = id_arg(invite_id)
        now = current().clock.now()
        refused = await self._act_or_toast(
            lambda s, v: invite_service.revoke_invite(
                s, actor=v.actor, invite_id=invite_id, now=now
            )
        )
        if isinstance(refused, EventSpec):
            return refused
        await self._reload()
        return None

    @rx.event
    async def remove_member(self, member_user_id: int) -> Any:
        member_user_id = id_arg(member_user_id)
        outcome = await self._act_or_toast(
            lambda s, v: (
                service.remove_member(
                    s,
                    actor=v.actor,
                    member_user_id=member_user_id,
                ),
                v.workspace_name,
            )
        )
        if isinstance(outcome, EventSpec):
            return outcome
        removed, workspace_name = outcome
        # MembersChanged: every open tab reloads its view; the removed member's tabs fail
        # their session check, are cleared and unlinked at once, and land on the login page.
        await self._reload()
        return rx.toast.success(f"{removed} was removed from {workspace_name}.")


def _reveal_links() -> bool:
    """In production the invitation link is only in the email: an owner who could read it here
    could accept it for an address they do not own."""
    return not current().settings.is_production


def _why_link_shown() -> str:
    if current().settings.mode == Mode.demo:
        return "Demo mode: the link is shown here because mail goes to the built-in mailbox."
    return "Test mode: the link is shown here as well as in the email."
