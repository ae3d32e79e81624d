"""Proof of a creator's answer (``/rights/<id>/proof``): what they saw, when, from where, and how
they were identified. Members of the request's workspace only; nothing on it can be edited."""

from __future__ import annotations

import reflex as rx

from archive_app import paths
from archive_app.components.shell import empty_state, shell
from archive_app.states.rights_proof import ProofVideoView, RightsProofState

S = RightsProofState


def _fact(label: str, value: rx.Var[str] | str, testid: str) -> rx.Component:
    return rx.el.div(
        rx.el.dt(label, style={"fontWeight": 600, "fontSize": "14px"}),
        rx.el.dd(
            value,
            data_testid=testid,
            style={
                "margin": "0 0 12px",
                "whiteSpace": "pre-wrap",
                "overflowWrap": "anywhere",
            },
        ),
    )


def _video(video: ProofVideoView) -> rx.Component:
    return rx.el.li(
        rx.text(video.caption, size="2", overflow_wrap="anywhere"),
        rx.text("Posted " + video.posted, size="1", color_scheme="gray", high_contrast=True),
        rx.cond(
            video.url != "",
            rx.link(video.url, href=video.url, size="1", overflow_wrap="anywhere"),
        ),
        style={"marginBottom": "8px"},
    )


def _proof() -> rx.Component:
    return rx.vstack(
        rx.heading("Proof of @" + S.creator + "'s answer", size="5", as_="h1"),
        rx.text(
            "Recorded when the creator answered on their page. Nobody can edit it.",
            size="2",
            color_scheme="gray",
            high_contrast=True,
        ),
        rx.card(
            rx.el.dl(
                _fact("Answer", S.decision, "proof-decision"),
                _fact("Answered at", S.answered, "proof-answered"),
                _fact("Asked for", S.asked_for, "proof-asked"),
                _fact("How the creator was identified", S.identified_by, "proof-identified"),
                rx.cond(S.account != "", _fact("TikTok account", S.account, "proof-account")),
                _fact("Address", S.address, "proof-address"),
                _fact("Browser", S.browser, "proof-browser"),
                rx.cond(S.note != "", _fact("Creator's note", S.note, "proof-note")),
                _fact("Message the creator saw", S.message, "proof-message"),
                _fact("Terms", S.terms, "proof-terms"),
                rx.cond(S.terms_url != "", _fact("Terms URL", S.terms_url, "proof-terms-url")),
                rx.cond(S.terms_text != "", _fact("Terms text", S.terms_text, "proof-terms-text")),
                style={"margin": 0},
            ),
            width="100%",
        ),
        rx.heading("Videos, as they were", size="3", as_="h2"),
        rx.el.ul(rx.foreach(S.videos, _video), style={"paddingLeft": "18px", "margin": 0}),
        rx.link("Back to Manage Rights", href=paths.RIGHTS),
        spacing="3",
        width="100%",
        max_width="720px",
    )


def rights_proof() -> rx.Component:
    return shell(
        rx.cond(
            S.found,
            _proof(),
            rx.cond(
                S.loaded,
                empty_state(
                    "file-x",
                    "No proof here",
                    "There is no proof for that request in this workspace: it has no answer "
                    "from the creator yet, or it is not this workspace's.",
                    rx.link("Back to Manage Rights", href=paths.RIGHTS),
                ),
                rx.spinner(),
            ),
        ),
        title="Proof",
    )
