"""The QR image the v.1 wizard shows: an SVG data URL, made locally in a few milliseconds."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_data_url(text: str) -> str:
    image = qrcode.make(text, image_factory=SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
