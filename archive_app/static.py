"""Where the static files live: ``assets/`` at the project's top level.

Reflex serves this folder at ``/`` (``/logo.svg``, ``/favicon.ico``); the mail sender embeds
``email-logo.png`` in every HTML mail; the simulator draws its avatars and thumbnails from
``simulator/media.svg``.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
EMAIL_LOGO = ASSETS / "email-logo.png"
# The Content-ID the mails' HTML shows it by (``<img src="cid:archive-logo.png">``).
LOGO_CID = "archive-logo.png"
SIMULATOR_MEDIA = ASSETS / "simulator" / "media.svg"
