"""Settings as an operator configures production (every required value present)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from archive_app.settings import Mode, Settings


def production_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": Mode.production,
        "public_url": "https://archive.brand.example",
        "data_dir": data_dir,
        "encryption_key": SecretStr("k" * 44),
        "tiktok_v1_client_key": "live-v1-key",
        "tiktok_v1_client_secret": SecretStr("live-v1-secret"),
        "tiktok_v2_client_key": "live-v2-key",
        "tiktok_v2_client_secret": SecretStr("live-v2-secret"),
        **overrides,
    }
    return Settings(_env_file=None, **values)
