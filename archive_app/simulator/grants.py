"""What TikTok does with codes, tokens, QR logins, mentions and DMs (the rules, no HTTP).

Rotation is strict like TikTok's: a refresh token works once; the old one is refused after.
The refresh expiry does not move on refresh, so a grant ends when TikTok said it would.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from archive_app.simulator.state import (
    AUTH_CODE_LIFETIME,
    BUSINESS_LIFETIMES,
    LIFETIMES,
    AuthCode,
    Grant,
    Message,
    QrLogin,
    SimError,
    SimState,
    TokenProblem,
    VideoRec,
    new_id,
)

MENTION_WINDOW = timedelta(days=90)  # TikTok returns roughly the last 90 days...
MENTION_LIMIT = 1000  # ...and only the top 1000 mentions.
# The v.1 relay reads the account's notifications inbox: 30 days, the newest 100 (lower coverage).
INBOX_WINDOW = timedelta(days=30)
INBOX_LIMIT = 100


def issue_code(
    state: SimState, *, client_key: str, username: str, redirect_uri: str, scope: str
) -> AuthCode:
    with state.lock:
        state.account(username)
        code = AuthCode(
            code=new_id("code."),
            client_key=client_key,
            username=username.lstrip("@"),
            redirect_uri=redirect_uri,
            scope=scope,
            expires_at=state.now() + AUTH_CODE_LIFETIME,
        )
        state.codes[code.code] = code
        return code


def redeem_code(
    state: SimState, *, client_key: str, code: str, redirect_uri: str | None
) -> Grant | None:
    """A grant for a valid, unused code of this app; ``None`` means invalid_grant / 40110."""
    with state.lock:
        found = state.codes.get(code)
        if found is None or found.used or found.client_key != client_key:
            return None
        if state.now() >= found.expires_at:
            return None
        if redirect_uri is not None and redirect_uri != found.redirect_uri:
            return None
        found.used = True
        for qr in state.qr_logins.values():
            if qr.code == code:
                qr.status = "utilised"
        account = state.account(found.username)
        access_life, refresh_life = lifetimes(state, client_key)
        now = state.now()
        grant = Grant(
            client_key=client_key,
            username=account.username,
            open_id=account.open_ids[client_key],
            scope=found.scope,
            access_token=new_id("act."),
            refresh_token=new_id("rft."),
            access_expires_at=now + access_life,
            refresh_expires_at=now + refresh_life,
            created_at=now,
        )
        state.grants.append(grant)
        return grant


def lifetimes(state: SimState, client_key: str) -> tuple[timedelta, timedelta]:
    """Login Kit lifetimes follow the simulator setting; API for Business has fixed ones."""
    if state.apps[client_key].kind == "tiktok_v2":
        return BUSINESS_LIFETIMES
    return LIFETIMES[state.lifetimes]


def refresh(state: SimState, *, client_key: str, refresh_token: str) -> Grant | TokenProblem:
    with state.lock:
        grant = next((g for g in state.grants if g.refresh_token == refresh_token), None)
        if grant is None or grant.client_key != client_key or grant.revoked_at is not None:
            return TokenProblem.invalid
        now = state.now()
        if now >= grant.refresh_expires_at:
            return TokenProblem.expired
        access_life, _ = lifetimes(state, client_key)
        grant.access_token = new_id("act.")
        grant.refresh_token = new_id("rft.")
        grant.access_expires_at = min(now + access_life, grant.refresh_expires_at)
        grant.rotations += 1
        return grant


def grant_for_access(state: SimState, access_token: str) -> Grant | TokenProblem:
    with state.lock:
        grant = next((g for g in state.grants if g.access_token == access_token), None)
        if grant is None or grant.revoked_at is not None:
            return TokenProblem.invalid
        if state.now() >= grant.access_expires_at:
            return TokenProblem.expired
        return grant


def revoke_token(state: SimState, *, client_key: str, access_token: str) -> bool:
    with state.lock:
        for grant in state.grants:
            if grant.access_token == access_token and grant.client_key == client_key:
                grant.revoked_at = grant.revoked_at or state.now()
                return True
        return False


def revoke_account(state: SimState, username: str) -> list[Grant]:
    """The user removes the app in TikTok: every live grant of theirs dies now."""
    with state.lock:
        account = state.account(username)
        revoked = []
        for grant in state.grants:
            if grant.username == account.username and grant.revoked_at is None:
                grant.revoked_at = state.now()
                revoked.append(grant)
        return revoked


def invalidate_refresh(state: SimState, username: str) -> list[Grant]:
    """TikTok stops accepting the account's refresh tokens, without any webhook (what a
    security reset or a grant ending early looks like from the app). Access tokens still work
    until they expire."""
    with state.lock:
        account = state.account(username)
        changed = []
        for grant in state.grants:
            if grant.username == account.username and grant.revoked_at is None:
                grant.refresh_token = new_id("rft.")  # the one the app holds is unknown now
                changed.append(grant)
        return changed


def new_qr(state: SimState, *, client_key: str, scope: str, oauth_state: str) -> QrLogin:
    with state.lock:
        now = state.now()
        qr = QrLogin(
            token=new_id("qr."),
            client_key=client_key,
            scope=scope,
            state=oauth_state,
            created_at=now,
            expires_at=now + state.qr_lifetime,
        )
        state.qr_logins[qr.token] = qr
        return qr


def qr(state: SimState, token: str) -> QrLogin:
    found = state.qr_logins.get(token)
    if found is None:
        raise SimError(f"No QR code {token}", status=404)
    state.refresh_qr_status(found)
    return found


def _displayed_ticket(state: SimState, found: QrLogin) -> str:
    secret = state.apps[found.client_key].client_secret
    digest = hmac.new(secret.encode(), b"qr-ticket:" + found.token.encode(), "sha256")
    return digest.hexdigest()[:32]


def scan_qr(
    state: SimState, token: str, *, username: str | None, client_ticket: str | None
) -> QrLogin:
    """The phone scanned the code (the ticket comes from the URL the QR encodes)."""
    with state.lock:
        found = qr(state, token)
        if found.status not in {"new", "scanned"}:
            raise SimError(f"QR code is {found.status}", status=409)
        if username:
            found.username = state.account(username).username
        # Scanning through the control API reads the ticket off the QR image the app shows;
        # that image carries the ticket the app derives from its secret and the code.
        found.client_ticket = (
            client_ticket or found.client_ticket or _displayed_ticket(state, found)
        )
        found.status = "scanned"
        return found


def confirm_qr(state: SimState, token: str) -> QrLogin:
    with state.lock:
        found = qr(state, token)
        if found.status != "scanned" or not found.username:
            raise SimError(f"QR code must be scanned with a username first ({found.status})")
        if not found.client_ticket:
            raise SimError("No client_ticket: scan with the ticket from the QR code's URL")
        app = state.apps[found.client_key]
        code = issue_code(
            state,
            client_key=found.client_key,
            username=found.username,
            redirect_uri=app.redirect_uri,
            scope=found.scope,
        )
        found.code = code.code
        found.status = "confirmed"
        return found


def deny_qr(state: SimState, token: str) -> QrLogin:
    """Denying on the phone ends this code; the app fetches a fresh one."""
    with state.lock:
        found = qr(state, token)
        if found.status in {"confirmed", "utilised"}:
            raise SimError(f"QR code is already {found.status}", status=409)
        found.denied = True
        found.status = "expired"
        return found


def send_dm(
    state: SimState, grant: Grant, *, handle: str, text: str, idempotency_key: str = ""
) -> tuple[str, str]:
    """The product rule (TIKTOK.md): ("sent", message_id) or ("refused", reason).

    A key this sender already delivered answers that message's id and sends nothing; a refused
    send does not use its key up (the same request may be delivered once the creator allows it).
    """
    with state.lock:
        if idempotency_key:
            for earlier in state.messages:
                if (earlier.sender_username, earlier.idempotency_key) == (
                    grant.username,
                    idempotency_key,
                ):
                    return "sent", earlier.message_id
        creator = state.creators.get(handle.lstrip("@"))
        if creator is None:
            return "refused", "creator_not_found"
        allowed = creator.dm_setting == "everyone" or (
            creator.dm_setting in {"friends", "suggested_friends"}
            and grant.username in creator.friends
        )
        if not allowed:
            return "refused", "creator_dm_setting"
        message = Message(
            new_id("msg."), grant.username, creator.handle, text, state.now(), idempotency_key
        )
        state.messages.append(message)
        return "sent", message.message_id


def mentions(
    state: SimState,
    grant: Grant,
    *,
    see_tags: bool,
    cursor: int,
    max_count: int,
    window: timedelta = MENTION_WINDOW,
    limit: int = MENTION_LIMIT,
) -> tuple[list[VideoRec], int, bool]:
    """Newest first, last 90 days, top 1000; v.1 grants do not see tag-only videos.

    The v.1 relay's notifications inbox passes a shorter ``window`` and ``limit``
    (``INBOX_WINDOW``, ``INBOX_LIMIT``): lower coverage than v.2."""
    with state.lock:
        since = state.now() - window
        found = [
            v
            for v in state.videos
            if v.brand_username == grant.username
            and v.created_at >= since
            and (see_tags or not v.tag_only)
        ]
        found.sort(key=lambda v: v.created_at, reverse=True)
        found = found[:limit]
        page = found[cursor : cursor + max_count]
        end = cursor + len(page)
        return page, end, end < len(found)
