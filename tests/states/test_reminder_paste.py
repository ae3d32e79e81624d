"""Set Up Reminders takes a pasted list (issue 21, item 12): split on commas, semicolons,
spaces and new lines, every address checked, and the wrong one named with nothing added."""

from __future__ import annotations

from archive_app.states.reminders import ReminderEditorState
from archive_app.states.sources_wizard import ConnectWizardState
from tests.states.conftest import open_tab


async def test_the_wizard_adds_each_address_of_a_pasted_list_as_a_chip(app_db):
    wizard = await open_tab(ConnectWizardState, path="/settings/sources")
    wizard.set_reminder_input("social@brand.com, ceo@brand.com;\nlegal@brand.com  pr@brand.com")
    wizard.add_reminder_email()
    assert wizard.reminder_error == "" and wizard.reminder_input == ""
    assert wizard.reminder_emails == [
        "social@brand.com",
        "ceo@brand.com",
        "legal@brand.com",
        "pr@brand.com",
    ]


async def test_a_pasted_list_with_one_bad_address_names_it_and_adds_none(app_db):
    editor = await open_tab(ReminderEditorState, path="/settings/sources")
    editor.edit_emails = ["owner@brand.com"]
    editor.set_edit_input("social@brand.com; ceo@brand; pr@brand.com")
    editor.add_edit_email()
    assert editor.edit_error == "“ceo@brand” is not a valid email address."
    assert editor.edit_emails == ["owner@brand.com"]
    assert editor.edit_input == "social@brand.com; ceo@brand; pr@brand.com", "kept to fix"

    editor.set_edit_input("social@brand.com, owner@brand.com")
    editor.add_edit_email()
    assert editor.edit_error == "owner@brand.com is already in the list."
    assert editor.edit_emails == ["owner@brand.com"]


async def test_a_list_longer_than_ten_addresses_is_refused_whole(app_db):
    wizard = await open_tab(ConnectWizardState, path="/settings/sources")
    wizard.set_reminder_input(" ".join(f"person{n}@brand.com" for n in range(11)))
    wizard.add_reminder_email()
    assert wizard.reminder_error == "Up to 10 addresses can receive reminders."
    assert wizard.reminder_emails == []
