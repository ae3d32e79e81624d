"""A search of several words goes through the seams between them (``models/caption_seams.py``):
it must find exactly what ``ILIKE '%term%'`` finds, whatever the caption's case, spacing and
the longer words the term's first and last words may be part of, on both databases, and
follow a caption's edit and a mention's deletion."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from archive_app.models import caption_seams
from archive_app.models.mentions import Mention
from archive_app.services.mentions import feed, feed_live, feed_overview
from tests.services.test_feed import NOW, Brand, video
from tests.services.test_feed_search_newest import _in_feed_order, _walk

WORDS = ["review", "morning", "routine", "gift", "idea", "a", "to", "coffee"]


def test_term_seams_are_only_those_every_containing_caption_has() -> None:
    # The first word may end a longer word and the last begin one: three letters are known.
    assert caption_seams.term_seams("Review Morning Routine") == ["iew mor", "ing rou"]
    assert caption_seams.term_seams("ew mo") == []  # neither side has three letters
    assert caption_seams.term_seams("gift a idea") == ["a ide", "ift a"]  # "a" is whole
    assert caption_seams.term_seams("ab cd ef") == []
    assert caption_seams.term_seams("review") == []  # one word: the trigram index
    assert caption_seams.term_seams("café morning") == []  # not ASCII: the trigram index


def test_a_captions_seams_split_at_any_ascii_whitespace_and_ignore_ascii_case() -> None:
    assert caption_seams.seams("Prereview  MORNING\troutines\n@brand ") == [
        "iew mor",
        "ing rou",
        "nes @br",
    ]
    assert caption_seams.seams("") == caption_seams.seams("one") == []


def test_postgresqls_caption_seams_are_pythons(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the SQL function is PostgreSQL's; SQLite calls the Python one")
    for caption in [
        "Prereview  MORNING\troutines\n@brand ",
        "\x0bgift\x0ca idea\r\n",
        "",
        "one",
        "a b c d",
    ]:
        got = session.exec(text("SELECT caption_seams(:c)").bindparams(c=caption)).one()[0]  # type: ignore[call-overload]
        assert sorted(got) == caption_seams.seams(caption), caption


def _caption(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(2, 6)):
        word = rng.choice(WORDS)
        word = rng.choice(["", "", "pre", "x"]) + word + rng.choice(["", "", "s", "ly"])
        words.append(word.upper() if rng.random() < 0.2 else word)
    spaces = [rng.choice([" ", " ", " ", "  ", "\t", "\n"]) for _ in words]
    return "".join(w + s for w, s in zip(words, spaces, strict=True)).strip()


def _terms(rng: random.Random, captions: list[str]) -> list[str]:
    """Slices of the captions (a word's end to a word's start, whole words between) and
    phrases found nowhere."""
    terms = []
    for caption in rng.sample(captions, 40):
        words = caption.split()
        if len(words) < 2:
            continue
        i = rng.randrange(len(words) - 1)
        j = rng.randint(i + 2, min(len(words), i + 4))
        part = words[i:j]
        part[0] = part[0][rng.randint(0, len(part[0]) - 1) :]
        part[-1] = part[-1][: rng.randint(1, len(part[-1]))]
        terms.append(" ".join(part))
    return [*terms, "review gift coffee", "idea to routine", "morning a"]


def test_a_phrase_search_finds_exactly_the_captions_that_contain_it(session: Session) -> None:
    rng = random.Random(23)
    brand = Brand(session, "brand")
    source = brand.source("brandco", connected=NOW - timedelta(days=90))
    captions = [_caption(rng) for _ in range(150)]
    brand.found(source, *[video(n, f"c{n % 7}", c) for n, c in enumerate(captions, start=1)])
    checked = 0
    for term in _terms(rng, captions):
        expected = _in_feed_order(session, brand, term)
        assert _walk(brand, term, 10) == expected, term
        found = feed_overview.matches(
            session, workspace_id=brand.workspace_id, filters=feed.FeedFilter(search=term)
        )
        assert found.total == len(expected), term
        checked += bool(caption_seams.term_seams(term)) and bool(expected)
    assert checked >= 10  # most terms went through the seams and found something


def test_a_phrase_search_follows_an_edited_caption_and_a_deleted_mention(
    session: Session,
) -> None:
    brand = Brand(session, "brand")
    source = brand.source("brandco", connected=NOW - timedelta(days=90))
    brand.found(source, video(1, "maya", "my morning routine"), video(2, "tom", "plain"))
    assert len(brand.page(feed.FeedFilter(search="my morning routine")).rows) == 1
    edited = session.exec(select(Mention).where(col(Mention.video_id) == "v2")).one()
    edited.caption = "Honest GIFT idea for you"
    session.add(edited)
    session.commit()
    assert [r.caption for r in brand.page(feed.FeedFilter(search="honest gift idea")).rows] == [
        "Honest GIFT idea for you"
    ]
    session.delete(session.exec(select(Mention).where(col(Mention.video_id) == "v1")).one())
    session.commit()
    assert brand.page(feed.FeedFilter(search="my morning routine")).rows == ()
    found = feed_overview.matches(
        session, workspace_id=brand.workspace_id, filters=feed.FeedFilter(search="gift idea for")
    )
    assert found.total == 1


@pytest.mark.parametrize("row_by_row", [200, 2], ids=["each-new-row", "over-the-bound"])
def test_new_mentions_of_a_search_are_counted_as_the_list_finds_them(
    session: Session, monkeypatch: pytest.MonkeyPatch, row_by_row: int
) -> None:
    """``count_new`` checks a few new mentions one by one (``matching_rows``), more through the
    index: either way it counts what the list would show, for every kind of term."""
    monkeypatch.setattr(feed_live, "ROW_BY_ROW", row_by_row)
    brand, other = Brand(session, "brand"), Brand(session, "other")
    source = brand.source("brandco", connected=NOW - timedelta(days=90))
    theirs = other.source("otherco", connected=NOW - timedelta(days=90))
    brand.found(source, video(1, "maya", "My Morning Routine"))
    seen = brand.page().newest_id
    fresh = [
        ("sunsetfan", "an old video found today"),
        ("maya", "my MORNING routine, again"),
        ("tom", "Sunset walk"),
        ("tom", "prereview morning routines"),
        ("maya", "plain"),
    ]
    brand.found(source, *[video(n, h, c, hours_ago=n * 30) for n, (h, c) in enumerate(fresh, 2)])
    other.found(theirs, video(9, "sunsetfan", "sunset morning routine"))
    for term in ["sunset", "morning routine", "review morning rout", "my morning", "ma", "zz"]:
        expected = [m for m in _in_feed_order(session, brand, term) if m > seen]
        counted = feed_live.count_new(
            session,
            workspace_id=brand.workspace_id,
            user_id=brand.user_id,
            filters=feed.FeedFilter(search=term),
            after_id=seen,
        )
        assert counted == len(expected), term


def test_a_search_within_dates_reads_only_those_days_and_keeps_their_edges(
    session: Session,
) -> None:
    """With dates, SQLite's index reads only the keys of those days (``posted_keys``): the
    first second of the first day and the last of the last day are in, the next one out."""
    brand = Brand(session, "brand")
    source = brand.source("brandco", connected=NOW - timedelta(days=90))
    since, until = (NOW - timedelta(days=5)).date(), (NOW - timedelta(days=2)).date()
    start = feed.day_start(since)
    end = feed.day_start(until) + timedelta(days=1)
    times = [start - timedelta(seconds=1), start, end - timedelta(seconds=1), end]
    videos = [
        replace(video(n, "maya", f"sunset morning routine {n}"), created_at=at)
        for n, at in enumerate(times, start=1)
    ]
    brand.found(source, *videos)
    for term in ["sunset", "morning routine"]:
        filters = feed.FeedFilter(search=term, since=since, until=until)
        shown = [r.caption for r in brand.page(filters).rows]
        assert shown == ["sunset morning routine 3", "sunset morning routine 2"], term
        found = feed_overview.matches(session, workspace_id=brand.workspace_id, filters=filters)
        assert found.total == 2, term
