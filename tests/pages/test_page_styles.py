"""Every page's compiled markup: no CSS length without a unit.

Reflex turns layout props such as ``gap``, ``width`` and ``height`` into CSS, where a bare
number is no length and the browser drops it: ``rx.flex(gap="3")`` drew the Feed's counts with
no space between them and the request window's ``rx.el.img(width="32")`` avatar filled the whole
preview. Radix's scale goes in ``spacing="3"``; sizes take units ("32px").
"""

from __future__ import annotations

import re

import pytest

from archive_app.pages.creators import creator, creators
from archive_app.pages.feed import feed
from archive_app.pages.invite import invite
from archive_app.pages.login import login, signup
from archive_app.pages.profile import profile
from archive_app.pages.rights import rights
from archive_app.pages.sources import sources
from archive_app.pages.team import team

LENGTHS = (
    "gap|rowGap|columnGap|width|height|minWidth|maxWidth|minHeight|maxHeight|"
    "top|left|right|bottom|fontSize|padding[A-Za-z]*|margin[A-Za-z]*"
)
UNITLESS = re.compile(rf'\["({LENGTHS})"\] : "([1-9][0-9.]*)"')
PAGES = [login, signup, invite, feed, creators, creator, rights, sources, team, profile]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.__name__)
def test_no_css_length_on_the_page_lacks_a_unit(page) -> None:
    markup = str(page())
    assert "gap" in markup or "width" in markup, "the markup is what the browser gets"
    assert UNITLESS.findall(markup) == []


def test_the_check_finds_a_unitless_gap() -> None:
    import reflex as rx

    assert UNITLESS.findall(str(rx.flex(rx.text("a"), gap="3"))) == [("gap", "3")]
    assert UNITLESS.findall(str(rx.flex(rx.text("a"), spacing="3"))) == []
