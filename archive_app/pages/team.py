"""Settings → Team: members with their profile emails; owners invite and remove."""

from __future__ import annotations

import reflex as rx

from archive_app.components.forms import confirm_button, error_callout
from archive_app.components.shell import SR_ONLY, shell
from archive_app.components.stacked_table import stacked_on_phones
from archive_app.states.team import InviteView, MemberView, TeamState


def _member_row(member: MemberView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(member.email), rx.cond(member.is_you, rx.badge("you", ml="2"))),
        rx.table.cell(member.role, data_label="Role"),
        rx.table.cell(member.joined, data_label="Joined"),
        rx.table.cell(
            rx.cond(
                TeamState.is_owner & ~member.is_you,
                confirm_button(
                    "Remove",
                    title="Remove " + member.email + "?",
                    description="They lose access at once, including in tabs they have open, "
                    "and get no more notifications from this workspace.",
                    confirm_label="Remove member",
                    on_confirm=TeamState.remove_member(member.user_id),
                    aria_label="Remove " + member.email,
                    color_scheme="red",
                ),
            )
        ),
        data_testid="member-row",
    )


def _invite_row(invite: InviteView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(invite.email),
        rx.table.cell(rx.badge("Invited", color_scheme="amber", high_contrast=True)),
        rx.table.cell("expires " + invite.expires),
        rx.table.cell(
            rx.cond(
                TeamState.is_owner,
                rx.hstack(
                    rx.button(
                        "Resend",
                        variant="soft",
                        size="1",
                        aria_label="Resend the invitation to " + invite.email,
                        on_click=TeamState.resend_invite(invite.invite_id),
                    ),
                    rx.button(
                        "Revoke",
                        variant="soft",
                        size="1",
                        aria_label="Revoke the invitation to " + invite.email,
                        on_click=TeamState.revoke_invite(invite.invite_id),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
            )
        ),
        data_testid="invite-row",
    )


def _invite_form() -> rx.Component:
    return rx.cond(
        TeamState.is_owner,
        rx.card(
            rx.vstack(
                rx.heading("Invite a teammate", size="3", as_="h2"),
                rx.form(
                    rx.hstack(
                        rx.input(
                            placeholder="teammate@brand.com",
                            value=TeamState.invite_email,
                            on_change=TeamState.set_invite_email,
                            type="email",
                            aria_label="Email to invite",
                            width="100%",
                            max_width="320px",
                        ),
                        rx.button("Send invite", type="submit"),
                        wrap="wrap",
                    ),
                    on_submit=TeamState.send_invite,
                    reset_on_submit=False,
                ),
                error_callout(TeamState.invite_error),
                rx.cond(
                    TeamState.message != "",
                    rx.vstack(
                        rx.text(TeamState.message, size="2", role="status"),
                        # Outside production only (services/invite.py): in production the
                        # link is in the invited person's mail and nowhere else.
                        rx.cond(
                            TeamState.invite_link != "",
                            rx.code(
                                TeamState.invite_link,
                                data_testid="invite-link",
                                word_break="break-all",
                            ),
                        ),
                        spacing="1",
                    ),
                ),
                spacing="3",
            ),
            margin_bottom="20px",
        ),
        rx.text(
            "Only owners can invite or remove people.",
            color_scheme="gray",
            size="2",
            padding_bottom="12px",
        ),
    )


def team() -> rx.Component:
    return shell(
        _invite_form(),
        # On a phone each member is a card (components/stacked_table.py).
        rx.box(
            stacked_on_phones("team-table"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Email"),
                        rx.table.column_header_cell("Role"),
                        rx.table.column_header_cell("Joined"),
                        rx.table.column_header_cell(
                            rx.el.span("Actions", style=SR_ONLY),
                        ),
                    )
                ),
                rx.table.body(
                    rx.foreach(TeamState.members, _member_row),
                    rx.foreach(TeamState.invites, _invite_row),
                ),
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
            class_name="team-table",
        ),
        rx.cond(
            TeamState.loaded & (TeamState.members.length() <= 1),
            rx.text(
                "It's just you so far. Invite a teammate so they get disconnection alerts too.",
                color_scheme="gray",
                size="2",
                padding_top="12px",
            ),
        ),
        title="Team",
    )
