"""Event arguments checked at the handler edge.

Events arrive over the websocket from anyone, with any payload. A page of ours sends an id as
a number and text as a string; anything else is a client's mistake (or a probe): the handler
raises :class:`BadEventArgs`, the app answers with one clear toast and logs one line, never a
traceback (see :func:`on_handler_error`, the app's ``backend_exception_handler``).
"""

# No `from __future__ import annotations`: Reflex evaluates on_handler_error's annotations.
import logging
from pathlib import Path
from typing import Any

import reflex as rx

from archive_app import paths
from archive_app.live.reflex_internals import EventSpec, default_error_events
from archive_app.models.base import parse_id
from archive_app.services.errors import NotAllowed

log = logging.getLogger(__name__)

_APP_DIR = Path(__file__).resolve().parents[1]
NOT_UNDERSTOOD = "Archive did not understand that request. Reload the page and try again."


class BadEventArgs(ValueError):
    """A browser sent an event with arguments no page of ours sends."""


def id_arg(value: Any) -> int:
    """A database id from an event: a positive integer in range, as a number or digits."""
    parsed = parse_id(value)
    if parsed is None:
        raise BadEventArgs(f"expected an id, got {type(value).__name__}")
    return parsed


def ids_arg(value: Any, *, limit: int) -> list[int]:
    """A list of database ids from an event (e.g. the selected videos), at most ``limit``."""
    if not isinstance(value, list | tuple):
        raise BadEventArgs(f"expected a list of ids, got {type(value).__name__}")
    if len(value) > limit:
        raise BadEventArgs(f"more than {limit} ids")
    return [id_arg(v) for v in value]


def text_arg(value: Any, *, limit: int) -> str:
    """Text typed or chosen on a page; longer than ``limit`` is not something we send."""
    if not isinstance(value, str):
        raise BadEventArgs(f"expected text, got {type(value).__name__}")
    if len(value) > limit:
        raise BadEventArgs(f"text longer than {limit} characters")
    return value


def _is_dispatch_error(exc: BaseException) -> bool:
    """An error Reflex raised while handing a client's event to a handler, before any of ours ran.

    Calling a handler with arguments it does not take (TypeError), or ``setvar`` with a var
    that has no setter (AttributeError): no frame of the traceback is in our code. The same
    error raised from inside one of our handlers is a bug and stays a real error.
    """
    if not isinstance(exc, TypeError | AttributeError):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).is_relative_to(_APP_DIR):
            return False
        tb = tb.tb_next
    return True


def on_handler_error(exception: Exception) -> list[EventSpec]:
    """The app's backend_exception_handler: a client's mistake is one warning line.

    ``NotAllowed`` that a handler did not catch (``_viewer()`` of a socket with no session,
    or one whose session ended) sends the tab to the login page with the reason, never a
    traceback: events reach any handler from any socket, signed in or not. A signed-in
    person refused for another reason lands back on the Feed (the login page sends them
    there) with the same reason shown.
    """
    if isinstance(exception, BadEventArgs) or _is_dispatch_error(exception):
        log.warning("refused an event with bad arguments: %s", exception)
        return [rx.toast.error(NOT_UNDERSTOOD, id="bad-event")]
    if isinstance(exception, NotAllowed):
        log.info("sent a tab to log in: %s", exception.message)
        return [rx.redirect(paths.LOGIN), rx.toast.info(exception.message, id="not-allowed")]
    # (Reflex accepts exactly these return annotations; a list is the one that fits both.)
    return default_error_events(exception)
