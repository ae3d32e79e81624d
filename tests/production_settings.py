"""Settings as an operator configures production (every required value present)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from archive_app.settings import Mode, Settings

# A well-formed Fernet key (32 bytes, URL-safe base64); settings refuse anything else.
FERNET_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def production_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mode": Mode.production,
        "public_url": "https://archive.brand.example",
        "data_dir": data_dir,
        "encryption_key": SecretStr(FERNET_KEY),
        "tiktok_v1_client_key": "live-v1-key",
        "tiktok_v1_client_secret": SecretStr("live-v1-secret"),
        "tiktok_v2_client_key": "live-v2-key",
        "tiktok_v2_client_secret": SecretStr("live-v2-secret"),
        "smtp_host": "smtp.brand.example",
        "mail_from": "Archive <archive@brand.example>",
        **overrides,
    }
    return Settings(_env_file=None, **values)
