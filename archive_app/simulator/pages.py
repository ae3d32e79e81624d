"""The two pages a person sees of the simulated TikTok: the consent page and the "phone".

Plain HTML forms with labelled fields and real buttons, so people and Playwright find
``Authorize`` / ``Cancel`` / ``Confirm`` / ``Deny`` by role and name. Refusals are pages that
say what to do, not stack traces.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from archive_app.simulator import grants
from archive_app.simulator.state import SimError, SimState
from archive_app.static import SIMULATOR_MEDIA

# A thumbnail or avatar: the template's {hue} and {name} filled in per picture.
MEDIA_TEMPLATE = SIMULATOR_MEDIA.read_text()


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · TikTok simulator</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}}
input{{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}}</style>
</head><body><main><p>TikTok simulator</p><h1>{escape(title)}</h1>{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status)


def account_field(state: SimState, selected: str) -> str:
    options = "".join(f'<option value="{escape(u)}">' for u in sorted(state.accounts))
    return (
        '<p><label for="username">TikTok account (username)</label>'
        f'<input id="username" name="username" list="accounts" required value="{escape(selected)}">'
        f'<datalist id="accounts">{options}</datalist></p>'
    )


def hidden(fields: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )


def _creator_signs_in(state: SimState, username: str, scopes: list[str]) -> None:
    """A creator the simulator knows logs in with Login Kit (``user.info.basic`` only: the
    creator's approval page) as the TikTok account of that handle, made on first use, as a
    real creator has one. Brand logins (other scopes) still need ``POST /control/accounts``."""
    handle = username.strip().lstrip("@")
    if scopes == ["user.info.basic"] and handle in state.creators and handle not in state.accounts:
        state.upsert_account(handle, handle)


def page_routes(state: SimState) -> list[Route]:
    def default_username() -> str:
        return min(state.accounts) if state.accounts else ""

    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params |= {k: str(v) for k, v in (await request.form()).items()}
        app = state.app(params.get("client_key", ""))
        redirect_uri = params.get("redirect_uri", "")
        if app is None or not redirect_uri:
            body = "<p>This link lacks a known client_key or a redirect_uri. Go back and retry.</p>"
            return page("Cannot continue", body, status=400)
        scopes = [s for s in params.get("scope", "").split(",") if s]
        if request.method == "POST":
            answer = {"state": params.get("state", "")}
            if params.get("decision") == "authorize":
                _creator_signs_in(state, params.get("username", ""), scopes)
                try:
                    code = grants.issue_code(
                        state,
                        client_key=app.client_key,
                        username=params.get("username", ""),
                        redirect_uri=redirect_uri,
                        scope=",".join(scopes),
                    )
                except SimError as exc:
                    return page("Cannot authorize", f"<p>{escape(exc.message)}</p>", status=400)
                answer = {"code": code.code, **answer}
            else:
                answer = {"error": "access_denied", **answer}
            sep = "&" if "?" in redirect_uri else "?"
            return RedirectResponse(f"{redirect_uri}{sep}{urlencode(answer)}", status_code=303)
        items = "".join(f"<li>{escape(s)}</li>" for s in scopes) or "<li>(none)</li>"
        keep = {
            k: params.get(k, "")
            for k in ("client_key", "response_type", "scope", "redirect_uri", "state")
        }
        body = (
            f"<p>Archive ({escape(app.kind)}) would like to access your TikTok account.</p>"
            f"<h2>Permissions requested</h2><ul>{items}</ul>"
            f'<form method="post">{hidden(keep)}{account_field(state, default_username())}'
            '<button type="submit" name="decision" value="authorize">Authorize</button>'
            '<button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>'
            "</form>"
        )
        return page("Authorize Archive", body)

    async def phone(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            if request.method == "GET":
                qr = grants.scan_qr(
                    state,
                    token,
                    username=None,
                    client_ticket=request.query_params.get("client_ticket"),
                )
                body = (
                    "<p>Log in to Archive on your computer with this TikTok account?</p>"
                    f'<form method="post">{account_field(state, default_username())}'
                    '<button type="submit" name="decision" value="confirm">Confirm</button>'
                    '<button type="submit" name="decision" value="deny" formnovalidate>Deny'
                    "</button></form>"
                )
                return page("Confirm login", body)
            form = await request.form()
            if form.get("decision") == "confirm":
                grants.scan_qr(
                    state, token, username=str(form.get("username", "")), client_ticket=None
                )
                qr = grants.confirm_qr(state, token)
                return page("Logged in", "<p>Done. Go back to your computer.</p>")
            qr = grants.deny_qr(state, token)
            return page("Login denied", f"<p>Nothing was shared. QR code {escape(qr.token)}.</p>")
        except SimError as exc:
            body = f"<p>{escape(exc.message)}</p><p>Show a fresh QR code and scan it again.</p>"
            return page("This QR code cannot be used", body, status=exc.status)

    async def media(request: Request) -> Response:
        """Offline thumbnails and avatars, so the demo feed shows pictures without a network."""
        name = escape(request.path_params["name"])[:40]
        hue = sum(name.encode()) % 360
        svg = MEDIA_TEMPLATE.replace("{hue}", str(hue)).replace("{name}", name)
        return Response(svg, media_type="image/svg+xml")

    return [
        Route("/media/{name}.svg", media, methods=["GET"]),
        Route("/www/v2/auth/authorize/", authorize, methods=["GET", "POST"]),
        Route("/phone/qr/{token}", phone, methods=["GET", "POST"]),
    ]
