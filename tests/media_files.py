"""Small video files for the originals' tests, made here: an ISO BMFF ``ftyp`` box then an
``mdat`` box of deterministic bytes (enough for Archive's check on the bytes)."""

from __future__ import annotations

import hashlib
import struct


def mp4(payload_bytes: int = 1000, *, brand: bytes = b"isom", seed: str = "clip") -> bytes:
    """An MP4 (``brand`` b"qt  " makes it a MOV) of 32 + ``payload_bytes`` bytes."""
    ftyp = struct.pack(">I4s4sI", 24, b"ftyp", brand, 512) + brand + b"mp41"
    block = hashlib.sha256(seed.encode()).digest()
    payload = (block * (payload_bytes // len(block) + 1))[:payload_bytes]
    return ftyp + struct.pack(">I4s", 8 + payload_bytes, b"mdat") + payload


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
