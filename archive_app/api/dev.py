"""Dev-only routes (demo and test mode): the mail viewer and "run this job now".

``GET /dev/mail`` lists what the demo SMTP sink received, newest first; ``GET /dev/mail/<id>``
shows one mail with its links working, so a demo user can click Reconnect or an invite link.
``GET /dev/mail.json`` is the same list for tests. ``POST /dev/jobs/<name>`` runs a job now.
In production none of this exists: ``dev_routes`` returns no routes and the paths answer 404.

``api`` may not import ``jobs`` (sibling layers), so the app passes the job runner in:
``dev_routes(deps, run_job=...)`` with a runner over ``jobs.tasks.JOBS``.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from archive_app import dates
from archive_app.deps import Deps
from archive_app.models.base import parse_id
from archive_app.models.notifications import SinkMessage
from archive_app.services import dev as dev_service
from archive_app.web.same_site import same_origin_only

RunJob = Callable[[str], Awaitable[dict[str, Any]]]


# Id columns are INTEGER (32 bits on PostgreSQL); a bigger number in a query raises there,
# and beyond 64 bits on SQLite too. No row has a bigger id.
def dev_routes(deps: Deps, *, run_job: RunJob | None = None) -> list[Route]:
    if not deps.settings.dev_routes_enabled:
        return []

    async def mail_index(request: Request) -> Response:
        rows = await deps.db(dev_service.recent_mail)
        items = "".join(
            "<tr>"
            f'<td><a href="/dev/mail/{row.id}">{_e(row.subject) or "(no subject)"}</a></td>'
            f"<td>{_e(row.to_addresses)}</td>"
            f"<td>{_e(dates.day_time(row.received_at))}</td>"
            "</tr>"
            for row in rows
        )
        body = (
            f"<h1>Mail sink</h1><p>{len(rows)} message(s), newest first. "
            "Everything the app sends in demo mode lands here.</p>"
            + (
                f"<table><tr><th>Subject</th><th>To</th><th>Received</th></tr>{items}</table>"
                if rows
                else "<p>No mail yet.</p>"
            )
        )
        return HTMLResponse(_page("Mail sink", body))

    async def mail_json(request: Request) -> Response:
        rows = await deps.db(dev_service.recent_mail)
        return JSONResponse({"messages": [_as_json(row) for row in rows]})

    async def mail_detail(request: Request) -> Response:
        mail_id = parse_id(request.path_params["mail_id"])
        row = None
        if mail_id is not None:
            found = mail_id
            row = await deps.db(lambda s: dev_service.mail_by_id(s, mail_id=found))
        if row is None:
            return HTMLResponse(_page("Not found", "<p>No such mail.</p>"), status_code=404)
        # Links in the mail open in the whole tab (base target=_top), like a mail client would.
        # The sandbox keeps the mail's own scripts, if any, from running.
        srcdoc = '<base target="_top">' + (row.html_body or f"<pre>{_e(row.text_body)}</pre>")
        body = (
            '<p><a href="/dev/mail">&larr; All mail</a></p>'
            f"<h1>{_e(row.subject)}</h1>"
            f"<dl><dt>From</dt><dd>{_e(row.mail_from)}</dd>"
            f"<dt>To</dt><dd>{_e(row.to_addresses)}</dd>"
            f"<dt>Received</dt><dd>{_e(row.received_at.isoformat())}</dd>"
            f"<dt>Message-ID</dt><dd>{_e(row.message_id)}</dd></dl>"
            '<iframe title="Mail body" sandbox="allow-popups allow-popups-to-escape-sandbox '
            f'allow-top-navigation-by-user-activation" srcdoc="{_e(srcdoc)}"></iframe>'
            f"<h2>Plain text</h2><pre>{_e(row.text_body)}</pre>"
        )
        return HTMLResponse(_page(row.subject or "Mail", body))

    async def run_job_route(request: Request) -> Response:
        name = request.path_params["name"]
        if run_job is None:
            return JSONResponse({"error": "jobs are not wired into the dev routes"}, 503)
        try:
            result = await run_job(name)
        except KeyError:
            return JSONResponse({"error": f"unknown job: {name}"}, status_code=404)
        return JSONResponse(result, status_code=200 if result.get("ok") else 500)

    # Every route refuses requests from another site (web/same_site.py).
    return [
        Route("/dev/mail", same_origin_only(mail_index), methods=["GET"]),
        Route("/dev/mail.json", same_origin_only(mail_json), methods=["GET"]),
        # A plain segment, parsed in the handler: Starlette's ``:int`` would pass any length
        # of digits on to the database (or fail on 5,000 of them with a 500).
        Route("/dev/mail/{mail_id}", same_origin_only(mail_detail), methods=["GET"]),
        Route("/dev/jobs/{name}", same_origin_only(run_job_route), methods=["POST"]),
    ]


def _as_json(row: SinkMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": f"/dev/mail/{row.id}",
        "received_at": row.received_at.isoformat(),
        "mail_from": row.mail_from,
        "to": [a.strip() for a in row.to_addresses.split(",") if a.strip()],
        "subject": row.subject,
        "message_id": row.message_id,
        "text": row.text_body,
        "html": row.html_body,
        "links": _links(row.html_body),
    }


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append({"text": " ".join("".join(self._text).split()), "href": self._href})
            self._href = None


def _links(body: str) -> list[dict[str, str]]:
    """The mail's links with their text, so a test can "click" Reconnect without a browser."""
    parser = _LinkParser()
    parser.feed(body)
    parser.close()
    return parser.links


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)} · Archive dev</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px}"
        "table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.4rem;"
        "border-bottom:1px solid #ddd}iframe{width:100%;height:640px;border:1px solid #ccc}"
        "dt{font-weight:600}dd{margin:0 0 .5rem}pre{white-space:pre-wrap}"
        f"</style></head><body>{body}</body></html>"
    )
