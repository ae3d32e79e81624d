"""The creator's link in every request: ``<public URL>/r/<token>`` (DESIGN.md section 3).

The token is an HMAC of the request's id under the app's signing key (``TokenCipher``), 256
bits in URL-safe base64: unguessable without the key, and rebuilt on demand, so only its
SHA-256 is stored (``RightsRequest.link_hash``) and `Copy message` can still show the link
later. Changing ``ARCHIVE_ENCRYPTION_KEY`` changes every link (old links then answer "not
found"); a new request or `Copy message` carries the new one.

TikTok DMs do not make links clickable (the spec's note), so the link is followed by a line
telling the creator to copy it into a browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlmodel import Session

from archive_app.crypto import TokenCipher, sha256_hex
from archive_app.models.rights import RightsRequest

PATH = "/r/"
TOKEN_LENGTH = 43  # 32 bytes of HMAC-SHA256 in unpadded URL-safe base64
ANSWER_LABEL = "Approve or decline here:"
COPY_NOTE = "Copy this link into your browser: links in TikTok messages can't be opened by a tap."
# What the request window's preview shows before the request (and so its token) exists:
# the same length as a real token, so the character count is the DM's.
PLACEHOLDER_TOKEN = "•" * TOKEN_LENGTH


def answer_block(url: str) -> str:
    """The lines appended to the DM: the link, then how to open it."""
    return f"{ANSWER_LABEL} {url}\n{COPY_NOTE}"


def token_hash(token: str) -> str:
    return sha256_hex(token)


@dataclass(frozen=True)
class CreatorLinks:
    """Builds each request's link from the public URL and the app's signing key."""

    base_url: str
    key: bytes

    def token(self, request_id: int) -> str:
        digest = hmac.new(self.key, b"creator-link:%d" % request_id, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def url(self, request_id: int) -> str:
        return f"{self.base_url.rstrip('/')}{PATH}{self.token(request_id)}"

    def placeholder_url(self) -> str:
        return f"{self.base_url.rstrip('/')}{PATH}{PLACEHOLDER_TOKEN}"

    def ensure(self, session: Session, request: RightsRequest) -> str:
        """The request's link; its hash is stored the first time (requests made before links
        existed get one when they are next sent or copied)."""
        token = self.token(request.id or 0)
        digest = token_hash(token)
        if request.link_hash != digest:
            request.link_hash = digest
            session.add(request)
        return f"{self.base_url.rstrip('/')}{PATH}{token}"


def links_for(public_url: str, cipher: TokenCipher) -> CreatorLinks:
    """The app's links: its public URL and the signing key derived from its encryption key."""
    return CreatorLinks(base_url=public_url, key=cipher.signing_key)
