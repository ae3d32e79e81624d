"""Watching a video in Archive (issue 22, item 2), and the cover Archive keeps (item 1).

``play_button`` opens a dialog with TikTok's embed player for that video (outside production the
simulator's stand-in). It is a Radix dialog: focus moves to its ``Close`` button, Tab stays
inside, Escape or ``Close`` closes it and focus goes back to the ``Play`` button of that card.
The player is an ``<iframe>`` from the one origin the CSP's ``frame-src`` allows.

``cover`` shows Archive's copy of the cover, or a clear placeholder while it is not kept yet
(the ``fetch_covers`` job retries it).
"""

from __future__ import annotations

import reflex as rx


def cover(src: rx.Var[str], alt: rx.Var[str], *, height: str = "200px") -> rx.Component:
    return rx.cond(
        src != "",
        rx.image(
            src=src,
            alt=alt,
            width="100%",
            height=height,
            object_fit="cover",
            border_radius="8px",
            loading="lazy",
            data_testid="cover",
        ),
        rx.center(
            rx.vstack(
                rx.icon("image-off", size=28, color="var(--gray-11)", aria_hidden="true"),
                rx.text("Cover not saved yet", size="1", color_scheme="gray", high_contrast=True),
                align="center",
                spacing="1",
            ),
            role="img",
            aria_label=alt + " (cover not saved yet; Archive retries)",
            height=height,
            width="100%",
            background="var(--gray-3)",
            border_radius="8px",
            data_testid="cover-placeholder",
        ),
    )


def removed_note(removed: rx.Var[str]) -> rx.Component:
    return rx.cond(
        removed != "",
        rx.hstack(
            rx.icon("circle-slash", size=14, aria_hidden="true"),
            rx.text(removed, size="1", weight="medium"),
            color="var(--red-11)",
            spacing="1",
            align="center",
            data_testid="removed",
        ),
    )


def play_button(player_url: rx.Var[str], handle: rx.Var[str], *, size: str = "2") -> rx.Component:
    """``Play`` and its dialog; nothing when there is no player (a removed video)."""
    who = "@" + handle
    return rx.cond(
        player_url != "",
        rx.dialog.root(
            rx.dialog.trigger(
                rx.button(
                    rx.icon("play", size=14, aria_hidden="true"),
                    "Play",
                    variant="soft",
                    size=size,
                    aria_label="Play the video by " + who,
                ),
            ),
            rx.dialog.content(
                # Close comes first: the dialog focuses it on opening, so Escape works at once
                # (a key pressed inside the player's frame never reaches this page).
                rx.flex(
                    rx.dialog.title("Video by " + who, margin="0"),
                    rx.dialog.close(rx.button("Close", variant="soft", size="2")),
                    justify="between",
                    align="center",
                    spacing="3",
                    margin_bottom="8px",
                ),
                rx.dialog.description(
                    "Played by TikTok's player. Escape or Close brings you back to the card.",
                    size="2",
                ),
                rx.el.iframe(
                    src=player_url,
                    title="TikTok player: video by " + who,
                    allow="autoplay; encrypted-media; fullscreen; picture-in-picture",
                    style={
                        "width": "100%",
                        "aspectRatio": "9 / 16",
                        "maxHeight": "65vh",
                        "border": "0",
                        "borderRadius": "8px",
                        "marginTop": "12px",
                        "background": "#000",
                    },
                    data_testid="player",
                ),
                max_width="min(420px, calc(100vw - 24px))",
            ),
        ),
    )


def download_original(url: rx.Var[str], handle: rx.Var[str], *, size: str = "2") -> rx.Component:
    """``Download original``: the creator's own file of an approved request, when given. A
    plain link (not the router's): the server sends it as an attachment, the page stays."""
    return rx.cond(
        url != "",
        rx.button(
            rx.el.a(
                rx.icon("download", size=14, aria_hidden="true"),
                "Download original",
                href=url,
                download="",
                reload_document=True,
                aria_label="Download original: the video file @" + handle + " gave",
                data_testid="download-original",
            ),
            as_child=True,
            variant="soft",
            size=size,
        ),
    )
