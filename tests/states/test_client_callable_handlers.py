"""Every event handler a browser can call, listed on purpose.

Reflex turns every public method of a State into an event that any socket may send with any
arguments. A new public method (a helper someone forgot to prefix with ``_``) or any public
method on a shared state would be callable from outside: this list makes that a decision.
"""

from __future__ import annotations

from collections.abc import Iterator

import reflex as rx

import archive_app.archive_app  # noqa: F401  (builds the app: every State class is defined)

# ``setvar`` is Reflex's own: it only calls an explicit ``set_<var>`` setter listed here.
ALLOWED: dict[str, set[str]] = {
    "AppState": {"connect_now", "dismiss_alert", "guard", "recheck_access", "setvar"},
    "PublicState": {"load", "setvar"},
    "InviteState": {"load", "setvar"},
    "EmailConfirmState": {"load", "setvar"},
    "ForgotState": {"load", "setvar"},
    "ResetState": {"load", "setvar"},
    "TeamState": {
        "load",
        "remove_member",
        "resend_invite",
        "revoke_invite",
        "send_invite",
        "set_invite_email",
        "setvar",
    },
    "ProfileState": {
        "load",
        "log_out_other_sessions",
        "save_email",
        "save_password",
        "set_current_password",
        "set_email_password",
        "set_new_email",
        "set_new_password",
        "setvar",
    },
    "SourcesState": {"disconnect", "load", "setvar"},
    "FeedState": {
        "apply_filters",
        "clear_selection",
        "count_mentions",  # does nothing unless the tab's own load left its counts for later
        "load",
        "load_more",
        "mentions_changed",
        "request_selected",
        "rights_changed",
        "setvar",
        "show_new",
        "toggle_select",
    },
    "CreatorsState": {"apply_search", "load", "load_more", "setvar"},
    "CreatorState": {"load", "setvar"},
    "RightsProofState": {"load", "setvar"},  # read only: the proof page has no writer
    "ConnectWizardState": {
        "add_reminder_email",
        "choose_v1",
        "choose_v2",
        "close_wizard",
        "connect_tiktok",
        "open_add",
        "reconnect_v1",
        "refresh_qr",
        "remove_reminder_email",
        "set_reminder_input",
        "setup_reminders",
        "setvar",
        "try_again",
        "watch_qr",
    },
    "RightsState": {
        "add_filter",
        "clear_filters",
        "copy_message",
        "export_csv",
        "load",
        "remove_filter",
        "retry_sending",
        "rights_changed",
        "search_creator",
        "set_filter",
        "set_status",
        "setvar",
        "show_more",
    },
    "RightsRemoveState": {"remove_request", "setvar"},
    "RightsTermsState": {
        "open_terms",
        "remove_terms",
        "save_terms",
        "set_terms_form_text",
        "set_terms_form_url",
        "set_terms_open",
        "setvar",
    },
    "RequestTermsState": {
        "edit_request_terms",
        "remove_request_terms",
        "set_rt_text_input",
        "set_rt_url_input",
        "setvar",
        "use_workspace_terms",
    },
    "RightsRequestState": {
        "open_request",
        "open_spark_request",
        "request_again",
        "save_default_message",
        "set_request_message",
        "set_request_open",
        "set_request_sender",
        "set_request_spark_days",
        "setvar",
        "submit_request",
    },
    "ReminderEditorState": {
        "add_edit_email",
        "cancel_edit",
        "edit_reminders",
        "remove_edit_email",
        "save_reminders",
        "set_edit_input",
        "setvar",
    },
}


def _app_states() -> Iterator[type[rx.State]]:
    def walk(cls: type[rx.State]) -> Iterator[type[rx.State]]:
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)

    for cls in walk(rx.State):
        if cls.__module__.startswith("archive_app."):
            yield cls


def test_every_client_callable_handler_is_on_the_allow_list():
    found = {cls.__name__: set(cls.event_handlers) for cls in _app_states()}
    assert found == ALLOWED


def test_the_app_has_no_shared_state_at_all():
    shared = [cls.__name__ for cls in _app_states() if issubclass(cls, rx.SharedState)]
    assert shared == []
