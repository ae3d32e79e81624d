"""Originals from the creator (issue 22, item 4), end to end: the creator approves on their
phone, adds the original video file on the same page, and the owner's Manage Rights tab (left
open) offers `Download original`, which saves the very same bytes; the Feed's card offers it
too."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible
from tests.browser.test_portal import (  # noqa: F401 (phone is a fixture)
    ALL_IMPACTS,
    continue_with_tiktok,
    phone,
    request_sent,
)
from tests.media_files import mp4, sha256


def test_a_creator_approves_with_the_original_and_the_owner_downloads_the_same_bytes(
    new_page,
    phone,  # noqa: F811
    sim,
    inbox,
    app_server,
    tmp_path: Path,
):
    owner = new_page()
    link = request_sent(owner, sim, inbox, app_server.url, brand="origbrand", creator="orig.maker")
    owner.goto("/rights")
    row = owner.get_by_test_id("rights-row")
    expect(row.get_by_test_id("rights-status")).to_have_text("Requested")
    expect(row.get_by_role("link", name="Download original")).to_have_count(0)

    creator = phone()
    creator.goto(link)
    continue_with_tiktok(creator, sim, "orig.maker")
    creator.get_by_role("button", name="Approve").click()
    expect(creator.get_by_role("heading", name="You approved this request")).to_be_visible()
    field = creator.get_by_label("Add the original video")
    expect(field).to_be_visible()
    assert creator.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(creator, impacts=ALL_IMPACTS)

    video = tmp_path / "my clip.mp4"
    body = mp4(2_000_000, seed="orig.maker")  # several of the store's chunks
    video.write_bytes(body)
    field.set_input_files(str(video))
    creator.get_by_role("button", name="Send the original").click()
    expect(
        creator.get_by_role("status").filter(has_text="has your original video")
    ).to_contain_text("Origbrand has your original video (1.9 MB, received on")
    expect(creator.get_by_label("Add the original video")).to_have_count(0)
    assert creator.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(creator, impacts=ALL_IMPACTS)

    download = row.get_by_role("link", name="Download original: the video file @orig.maker gave")
    expect(download).to_be_visible()  # the owner's open tab, no reload
    with owner.expect_download() as saved:
        download.click()
    path = saved.value.path()
    assert sha256(Path(path).read_bytes()) == sha256(body)
    assert saved.value.suggested_filename.startswith("original-r")
    href = download.get_attribute("href")
    assert href and href.startswith("/media/originals/r")

    owner.goto("/feed")
    card = owner.get_by_test_id("mention-card").filter(has_text="@orig.maker")
    on_card = card.get_by_test_id("download-original")
    expect(on_card).to_have_attribute("href", href)
    assert_accessible(owner, impacts=ALL_IMPACTS)
