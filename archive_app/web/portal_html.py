"""The creator's page (``/r/<token>``) as plain server-rendered HTML: no script, one small
inline style sheet, phone first (360 px: one column, 48 px touch targets, no sideways scroll).

Every value is escaped here (``html.escape``) and every link is http(s) or our own path; the
page shows one request and nothing else of the workspace. Labels are the issue's: `Continue
with TikTok`, `Approve`, `Decline`, `Usage Rights`, `Spark Code`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from urllib.parse import quote, urlsplit

from archive_app import dates
from archive_app.models.rights import SPARK_DURATIONS_DAYS
from archive_app.services.media.originals import describe_size
from archive_app.services.rights.answer_checks import NOTE_LIMIT, SPARK_CODE_HELP
from archive_app.services.rights.portal import PageState, PortalVideo, PortalView

STYLE = """*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,sans-serif;color:#1c2024;background:#f9f9fb}main{max-width:40rem;margin:0 auto;
padding:16px}h1{font-size:1.5rem;line-height:1.25;margin:8px 0 16px}h2{font-size:1.125rem;
margin:24px 0 8px}.brand{font-weight:600;color:#3a3f45;margin:0}.card{background:#fff;
border:1px solid #d9d9e0;border-radius:12px;padding:16px;margin:12px 0}.msg{white-space:pre-wrap;
overflow-wrap:anywhere;margin:0}.ask{display:inline-block;background:#e6edfe;color:#1d2e62;
border-radius:999px;padding:4px 12px;font-weight:600}ul.videos{list-style:none;padding:0;
margin:0}ul.videos li{display:flex;gap:12px;padding:12px 0;border-top:1px solid #e8e8ec}
ul.videos li:first-child{border-top:0}ul.videos img{width:72px;height:96px;object-fit:cover;
border-radius:8px;flex:none;background:#e8e8ec}.cap{margin:0;overflow-wrap:anywhere}
.meta{margin:4px 0 0;color:#5b6068;font-size:.875rem}a{color:#2646b5;overflow-wrap:anywhere}
a.button,button{display:block;width:100%;min-height:48px;border-radius:10px;font:inherit;
font-weight:600;padding:12px 16px;text-align:center;border:2px solid transparent;cursor:pointer;
text-decoration:none;margin:12px 0}.primary{background:#111113;color:#fff}.approve{background:
#18794e;color:#fff}.decline{background:#fff;color:#ae2a21;border-color:#ae2a21}label{display:
block;font-weight:600;margin:16px 0 4px}textarea,input,select{width:100%;font:inherit;
padding:10px;border:1px solid #8b8d98;border-radius:8px;min-height:48px;background:#fff}
.help{color:#5b6068;font-size:.875rem;margin:4px 0 0}.alert{border-left:4px solid #ae2a21;
background:#fff0ef;padding:12px;border-radius:8px;margin:12px 0}.ok{border-left:4px solid
#18794e;background:#ecf9f1;padding:12px;border-radius:8px}.terms{white-space:pre-wrap;
overflow-wrap:anywhere;max-height:16rem;overflow:auto;margin:8px 0 0}footer{color:#5b6068;
font-size:.875rem;padding:24px 16px;text-align:center}"""


@dataclass(frozen=True)
class PageContext:
    """What the route knows besides the request: who is logged in, the form's values."""

    token: str
    csrf: str
    login_configured: bool
    username: str = ""  # the TikTok account logged in on this page ("" = none)
    wrong_account: str = ""  # the refusal when it is not the request's @handle
    error: str = ""
    notice: str = ""
    values: dict[str, str] = field(default_factory=dict)
    original_limit: str = "500 MB"  # the most an original may weigh, in words


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _href(url: str) -> str:
    return _e(url) if urlsplit(url).scheme in ("http", "https") else ""


def _day(at: datetime | None) -> str:
    return dates.day(at) if at else ""


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        '<meta name="description" content="Answer a brand\'s request to use your TikTok video.">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f"<main>{body}</main><footer>Sent with Archive</footer></body></html>"
    )


def not_found_page() -> str:
    return document(
        "Link not valid · Archive",
        "<h1>This link is not valid</h1><p>Check that you copied all of the link from the "
        "message, with nothing added. If it still does not open, ask the brand for a new one.</p>",
    )


def too_many_page(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return document(
        "Too many attempts · Archive",
        f'<h1>Too many attempts</h1><p role="alert">Too many attempts from your network. '
        f"Try again in {minutes} {unit}.</p>",
    )


def _videos(videos: Sequence[PortalVideo], token: str) -> str:
    items = []
    for video in videos:
        src = f"/r/{quote(token, safe='')}/covers/{quote(video.cover_name, safe='')}"
        cover = (
            f'<img src="{_e(src)}" alt="" width="72" height="96" loading="lazy">'
            if video.cover_name
            else ""
        )
        link = (
            f'<p class="meta"><a href="{_href(video.url)}">Open the video on TikTok</a></p>'
            if _href(video.url)
            else ""
        )
        caption = _e(video.caption) if video.caption else "(no caption)"
        items.append(
            f'<li>{cover}<div><p class="cap">{caption}</p>'
            f'<p class="meta">Posted {_e(_day(video.posted_at))}</p>{link}</div></li>'
        )
    return f'<ul class="videos">{"".join(items)}</ul>'


def _ask(view: PortalView) -> str:
    if view.is_spark:
        days = view.spark_duration_days
        length = f" for {days} days" if days else ""
        return (
            f'<p><span class="ask">Spark Code</span></p><p>{_e(view.brand)} asks for a Spark Ads '
            f"code{_e(length)}, so they can run your video as an ad from your account.</p>"
        )
    return (
        f'<p><span class="ask">Usage Rights</span></p><p>{_e(view.brand)} asks to use your '
        "video on their own channels (usually all digital media, unless their message or "
        "terms say otherwise).</p>"
    )


def _terms(view: PortalView) -> str:
    terms = view.terms
    if terms is None:
        return ""
    link = f'<p><a href="{_href(terms.url)}">Read the terms</a></p>' if _href(terms.url) else ""
    text = f'<div class="terms" tabindex="0">{_e(terms.text)}</div>' if terms.text else ""
    return (
        f'<h2>{_e(view.brand)}\'s terms (version {terms.version})</h2><div class="card">'
        f"{link}{text}</div>"
    )


def _spark_fields(view: PortalView, values: dict[str, str]) -> str:
    chosen = values.get("spark_days") or str(view.spark_duration_days or 30)
    options = "".join(
        f'<option value="{d}"{" selected" if str(d) == chosen else ""}>{d} days</option>'
        for d in SPARK_DURATIONS_DAYS
    )
    return (
        '<label for="spark_code">Spark Ads code (to approve)</label>'
        f'<input id="spark_code" name="spark_code" autocomplete="off" spellcheck="false" '
        f'maxlength="400" aria-describedby="spark-help" value="{_e(values.get("spark_code", ""))}">'
        f'<p class="help" id="spark-help">{_e(SPARK_CODE_HELP)}</p>'
        '<label for="spark_days">Code duration you chose in TikTok</label>'
        f'<select id="spark_days" name="spark_days">{options}</select>'
    )


def _answer_form(view: PortalView, ctx: PageContext) -> str:
    who = (
        f"<p>Logged in with TikTok as <strong>@{_e(ctx.username)}</strong>.</p>"
        if ctx.username
        else "<p>Your answer will be recorded without a TikTok login: the brand's record "
        "says it came through this link only.</p>"
    )
    whole = (
        f"<p>Approving approves all {len(view.videos)} videos above, as a whole. If you change "
        "your mind later, the brand sends a new request.</p>"
        if len(view.videos) > 1
        else ""
    )
    return (
        f'<h2>Your answer</h2><div class="card">{who}{whole}'
        f'<form method="post" action="/r/{_e(ctx.token)}">'
        f'<input type="hidden" name="csrf" value="{_e(ctx.csrf)}">'
        + (_spark_fields(view, ctx.values) if view.is_spark else "")
        + f'<label for="note">Note to {_e(view.brand)} (optional)</label>'
        f'<textarea id="note" name="note" rows="3" maxlength="{NOTE_LIMIT}">'
        f"{_e(ctx.values.get('note', ''))}</textarea>"
        '<button class="approve" type="submit" name="decision" value="approve">Approve</button>'
        '<button class="decline" type="submit" name="decision" value="decline">Decline</button>'
        "</form></div>"
    )


def _open(view: PortalView, ctx: PageContext) -> str:
    login = (
        f'<a class="button primary" href="/r/{_e(ctx.token)}/tiktok">Continue with TikTok</a>'
        '<p class="help">TikTok tells Archive which account you are (your username); '
        "Archive keeps only that, and ends the login at once.</p>"
    )
    if ctx.wrong_account:
        return f'<div class="alert" role="alert">{_e(ctx.wrong_account)}</div>{login}'
    if ctx.login_configured and not ctx.username:
        return (
            f'<h2>Your answer</h2><div class="card"><p>First show you are '
            f"@{_e(view.creator_handle)}:</p>{login}</div>"
        )
    return _answer_form(view, ctx)


def _original(view: PortalView, ctx: PageContext) -> str:
    """After approving here: `Add the original video` (optional), or that it was received."""
    if view.state is not PageState.approved or not view.answered_here:
        return ""
    head = '<h2>Your original video (optional)</h2><div class="card">'
    if view.original_at is not None:
        return (
            f'{head}<p role="status">{_e(view.brand)} has your original video '
            f"({_e(describe_size(view.original_size))}, received on "
            f"{_e(_day(view.original_at))}). Thank you.</p></div>"
        )
    why = (
        f"<p>Send {_e(view.brand)} the video file itself, in full quality, so they keep it "
        "even if the video leaves TikTok.</p>"
    )
    if ctx.login_configured and not ctx.username:
        return (
            f"{head}{why}<p>First show you are @{_e(view.creator_handle)}:</p>"
            f'<a class="button primary" href="/r/{_e(ctx.token)}/tiktok">Continue with TikTok</a>'
            "</div>"
        )
    return (
        f'{head}{why}<form method="post" action="/r/{_e(ctx.token)}/original" '
        'enctype="multipart/form-data">'
        f'<input type="hidden" name="csrf" value="{_e(ctx.csrf)}">'
        '<label for="original">Add the original video</label>'
        '<input id="original" name="original" type="file" required '
        'accept="video/mp4,video/quicktime,.mp4,.mov" aria-describedby="original-help">'
        f'<p class="help" id="original-help">MP4 or MOV, up to {_e(ctx.original_limit)}. On a slow '
        "connection a large file takes a while: keep this page open until it says received.</p>"
        '<button class="primary" type="submit">Send the original</button></form></div>'
    )


def original_refused_page(title: str, message: str, token: str) -> str:
    """A refused upload: what went wrong, that nothing was kept, and the way back."""
    return document(
        f"{title} · Archive",
        f'<h1>{_e(title)}</h1><div class="alert" role="alert"><p class="msg">{_e(message)}</p>'
        "</div><p>Nothing from this upload was kept.</p>"
        f'<a class="button primary" href="/r/{quote(token, safe="")}">Back to the request</a>',
    )


def _outcome(view: PortalView) -> str:
    if view.state is PageState.withdrawn:
        return (
            f'<div class="card" role="status"><h2>{_e(view.brand)} withdrew this request</h2>'
            "<p>There is nothing to answer any more.</p></div>"
        )
    verb = "approved" if view.state is PageState.approved else "declined"
    note = f'<p>Your note: <span class="msg">{_e(view.note)}</span></p>' if view.note else ""
    expiry = (
        f"<p>Your Spark Ads code works until {_e(_day(view.spark_expires_at))}.</p>"
        if view.state is PageState.approved and view.spark_expires_at
        else ""
    )
    return (
        f'<div class="card ok" role="status"><h2>You {verb} this request</h2>'
        f"<p>Answered on {_e(_day(view.responded_at))}. {_e(view.brand)} has been told. "
        f"To change your mind, ask them for a new request.</p>{note}{expiry}</div>"
    )


def request_page(view: PortalView, ctx: PageContext) -> str:
    count = len(view.videos)
    noun = "video" if count == 1 else "videos"
    notice = f'<div class="card" role="status">{_e(ctx.notice)}</div>' if ctx.notice else ""
    error = f'<div class="alert" role="alert">{_e(ctx.error)}</div>' if ctx.error else ""
    answer = (
        _open(view, ctx) if view.state is PageState.open else _outcome(view) + _original(view, ctx)
    )
    body = (
        f'<p class="brand">{_e(view.brand)}</p>'
        f"<h1>@{_e(view.creator_handle)}, {_e(view.brand)} asks about your {noun}</h1>"
        f"{notice}{error}"
        f"<h2>What they ask for</h2>{_ask(view)}"
        f'<h2>Their message</h2><div class="card"><p class="msg">{_e(view.message)}</p></div>'
        f'<h2>Your {noun}</h2><div class="card">{_videos(view.videos, ctx.token)}</div>'
        f"{_terms(view)}{answer}"
    )
    return document(f"{view.brand}'s request · Archive", body)
