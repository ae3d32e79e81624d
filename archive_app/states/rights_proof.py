"""The proof page of one answered request (``/rights/<id>/proof``): read only, members only.

The id comes from the URL; the service checks the viewer's workspace on every load, so an id
of another workspace shows "not found", never the proof. Nothing on the page can be edited:
the State has no handler that writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from archive_app import dates, deps, paths
from archive_app.models.base import parse_id
from archive_app.models.rights import RightsScope
from archive_app.services.errors import NotFound
from archive_app.services.rights import proof as service
from archive_app.states.base import AppState


@dataclass
class ProofVideoView:
    caption: str = ""
    posted: str = ""
    url: str = ""


def request_id_of(path: str) -> int | None:
    """``/rights/12/proof`` → 12."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or f"/{parts[0]}" != paths.RIGHTS or parts[2] != "proof":
        return None
    return parse_id(parts[1])


class RightsProofState(AppState):
    loaded: bool = False
    found: bool = False
    creator: str = ""
    decision: str = ""
    answered: str = ""
    asked_for: str = ""
    message: str = ""
    terms: str = ""  # "Version 3" or "No custom terms"
    terms_url: str = ""
    terms_text: str = ""
    videos: list[ProofVideoView] = []
    note: str = ""
    address: str = ""
    browser: str = ""
    identified_by: str = ""
    account: str = ""

    @rx.event
    async def load(self) -> None:
        self.loaded = self.found = False
        if not self.signed_in:
            return
        viewer = await self._viewer()
        request_id = request_id_of(self.router.url.path)
        try:
            if request_id is None:
                raise NotFound(service.NO_PROOF)
            proof = await deps.run_db(
                lambda s: service.proof_for(
                    s,
                    workspace_id=viewer.workspace_id,
                    user_id=viewer.user_id,
                    request_id=request_id,
                )
            )
        except NotFound:
            self.loaded = True
            return
        self.creator = proof.creator_handle
        self.decision = proof.decision
        self.answered = dates.day_time(proof.answered_at)
        if proof.scope == RightsScope.spark_code:
            days = proof.spark_duration_days
            self.asked_for = "Spark Code" + (f" ({days} days)" if days else "")
        else:
            self.asked_for = "Usage Rights"
        self.message = proof.message
        self.terms = f"Version {proof.terms_version}" if proof.terms_version else "No custom terms"
        self.terms_url, self.terms_text = proof.terms_url, proof.terms_text
        self.videos = [ProofVideoView(v.caption, v.posted, v.url) for v in proof.videos]
        self.note = proof.note
        self.address, self.browser = proof.ip, proof.user_agent
        self.identified_by = proof.identified_by
        self.account = (
            f"@{proof.tiktok_username} (TikTok open_id {proof.tiktok_open_id})"
            if proof.tiktok_username
            else ""
        )
        self.found = self.loaded = True
