"""The one-time message (``web/flash.py``) a page shows once: read it and remember its id."""

from __future__ import annotations

from typing import Any

from archive_app.deps import current
from archive_app.web.flash import Flash, read_flash


def take_flash(state: Any) -> Flash | None:
    """The flash for ``state``'s page, unless this tab showed it already.

    ``state`` is a page's State with a ``_seen_flash: str`` backend var.
    """
    flash = read_flash(
        state.router.headers.cookie,
        page=state.router.url.path,
        key=current().cipher.signing_key,
        seen=state._seen_flash,
    )
    if flash is not None:
        state._seen_flash = flash.flash_id
    return flash
