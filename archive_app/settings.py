"""Typed settings, read once from the environment (prefix ``ARCHIVE_``).

``demo`` (the default) runs everything offline: SQLite in the data dir, the TikTok simulator at
``/_sim``, the built-in mail sink. ``test`` is the same, started by the test-suite.
``production`` talks to live TikTok and a real SMTP server and refuses placeholder secrets.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from archive_app.crypto import fernet_key_problem
from archive_app.production_checks import production_problems


class Mode(StrEnum):
    demo = "demo"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting must not echo secrets into the startup log.
    model_config = SettingsConfigDict(
        env_prefix="ARCHIVE_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    mode: Mode = Mode.demo
    data_dir: Path = Path("./data")
    port: int = 3000
    # The address the server listens on; empty: loopback (127.0.0.1) outside production, so the
    # demo's /dev/mail and simulator are not on the LAN; every address in production.
    host: str = ""
    # The address people use to reach the app; links in emails and OAuth redirects start here.
    public_url: str = ""
    # Production needs an https public URL (session cookies are then sent with ``Secure``).
    # Only on a trusted LAN with no TLS, set this to run production over plain http.
    allow_insecure_http: bool = False
    database_url: str = ""
    redis_url: str = ""
    # Server worker processes with Redis (``archive serve``); 0: one per CPU core this
    # process may use. Without Redis there is always one (tab state lives in its memory).
    workers: int = 0
    # Fernet key for TikTok tokens at rest. Generated into the data dir outside production.
    encryption_key: SecretStr = SecretStr("")
    cors_allowed_origins: list[str] = []
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated or
    # a JSON list). Empty: the socket's address is the client's (web/client_ip.py).
    trusted_proxies: Annotated[list[str], NoDecode] = []

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_tls: bool = False
    mail_from: str = "Archive <notifications@archive.local>"
    # In demo mode an SMTP sink listens on smtp_port and shows mail at /dev/mail.
    mail_sink: bool | None = None

    # TikTok (live values; in demo/test the simulator's two registered apps are used, with
    # deterministic keys so the app and the simulator agree without configuration)
    tiktok_v1_client_key: str = ""
    tiktok_v1_client_secret: SecretStr = SecretStr("")
    tiktok_v2_client_key: str = ""
    tiktok_v2_client_secret: SecretStr = SecretStr("")
    tiktok_login_base_url: str = ""  # https://open.tiktokapis.com
    tiktok_business_base_url: str = ""  # https://business-api.tiktok.com/open_api/v1.3
    tiktok_authorize_url: str = ""  # https://www.tiktok.com/v2/auth/authorize/
    # Where TikTok sends the browser back (default {public_url}/oauth/tiktok/callback)
    tiktok_redirect_uri: str = ""
    # TikTok has no cold-DM API. Empty in production: DMs are queued with a reason people can act
    # on. Outside production it points at the simulator's DM endpoint.
    tiktok_dm_base_url: str = ""
    # Webhooks are signed with the app's client secret; this optional extra secret is also accepted.
    tiktok_webhook_secret: SecretStr = SecretStr("")
    # The Login Kit app creators log in with on their approval page (/r/<token>), to prove they
    # are the @handle a request was sent to (scope user.info.basic). Empty: the v.1 app's keys.
    # With neither set, answers are recorded "link only" (the page and the proof say so).
    creator_login_kit_client_key: str = ""
    creator_login_kit_client_secret: SecretStr = SecretStr("")
    tiktok_timeout_seconds: float = 10.0
    # 429 / 5xx / timeouts are retried this many times (with backoff) before giving up.
    tiktok_max_retries: int = 2
    tiktok_backoff_seconds: float = 0.5
    # Simulator token lifetimes: "current" (2 h / 180 d) or "legacy" (24 h / 365 d).
    simulator_lifetimes: Literal["current", "legacy"] = "current"
    # A QR login token lives about two minutes on TikTok.
    simulator_qr_lifetime_seconds: int = 120

    # Media (issue 22): covers kept by Archive. Empty: <data dir>/media; or s3://bucket/prefix
    # (any S3-compatible store; endpoint, region and keys below, else boto3's own defaults).
    media_url: str = ""
    media_s3_endpoint_url: str = ""
    media_s3_region: str = ""
    media_s3_access_key_id: str = ""
    media_s3_secret_access_key: SecretStr = SecretStr("")
    # TikTok's embed player (Play) and oEmbed (is a video still there?); simulator outside
    # production.
    tiktok_embed_url: str = ""  # https://www.tiktok.com/embed/v2/
    tiktok_oembed_url: str = ""  # https://www.tiktok.com/oembed

    # Seed the "Demo Brand" workspace and its two demo logins (default: in demo mode only).
    seed_demo: bool | None = None

    # Logs: one line per event; "json" for a log collector
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Jobs
    scheduler_enabled: bool = True
    help_url: str = "https://help.archive.local/connecting-tiktok"

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_trusted_proxies(cls, value: Any) -> Any:
        """Refuse at start anything that is not an address or CIDR, naming the entry."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if not isinstance(value, list):
            return value
        entries = [str(v).strip() for v in value if str(v).strip()]
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"ARCHIVE_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range "
                    "(examples: 172.30.0.2, 172.30.0.0/24, fd00::/64)"
                ) from None
        return entries

    @field_validator("media_url")
    @classmethod
    def _check_media_url(cls, value: str) -> str:
        """A directory, ``file:///path`` or ``s3://bucket/prefix`` (services/media/store.py)."""
        scheme, _, rest = value.partition("://") if "://" in value else ("", "", value)
        if scheme not in {"", "file", "s3"} or (scheme == "s3" and not rest.split("/")[0]):
            raise ValueError(
                "ARCHIVE_MEDIA_URL must be a directory, file:///path or s3://bucket/prefix"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        public_url_set = bool(self.public_url)
        if not self.public_url:
            self.public_url = f"http://localhost:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        key = self.encryption_key.get_secret_value()
        if key and (problem := fernet_key_problem(key)):
            raise ValueError(f"ARCHIVE_ENCRYPTION_KEY {problem}")
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir.resolve() / 'archive.db'}"
        if self.seed_demo is None:
            self.seed_demo = self.mode == Mode.demo
        if self.mail_sink is None:
            self.mail_sink = self.mode == Mode.demo
        if self.is_production:
            self._refuse_problems(public_url_set=public_url_set)
            self._fill_live_tiktok()
        else:
            sim = f"{self.public_url}/_sim"
            self.tiktok_login_base_url = self.tiktok_login_base_url or f"{sim}/open"
            self.tiktok_business_base_url = (
                self.tiktok_business_base_url or f"{sim}/business/open_api/v1.3"
            )
            self.tiktok_authorize_url = self.tiktok_authorize_url or f"{sim}/www/v2/auth/authorize/"
            self.tiktok_embed_url = self.tiktok_embed_url or f"{sim}/www/embed/v2/"
            self.tiktok_oembed_url = self.tiktok_oembed_url or f"{sim}/www/oembed"
            self._fill_simulator_apps(sim)
        self.tiktok_redirect_uri = (
            self.tiktok_redirect_uri or f"{self.public_url}/oauth/tiktok/callback"
        )
        if not self.creator_login_kit_client_key:
            self.creator_login_kit_client_key = self.tiktok_v1_client_key
            self.creator_login_kit_client_secret = self.tiktok_v1_client_secret
        if "*" not in self.cors_allowed_origins:
            # The public URL's own pages always may open the websocket.
            self.cors_allowed_origins = list(
                dict.fromkeys(
                    [self.public_url, *(o.rstrip("/") for o in self.cors_allowed_origins)]
                )
            )
        if not self.is_production:
            # Every loopback spelling of this port works outside production (the page at
            # 127.0.0.1 opens its websocket at 127.0.0.1, an origin the socket must accept).
            self.cors_allowed_origins = list(
                dict.fromkeys([*self.cors_allowed_origins, *loopback_origins(self.port)])
            )
        return self

    def _fill_simulator_apps(self, sim: str) -> None:
        """The simulator registers one app per kind from these same values (TIKTOK.md)."""
        self.tiktok_v1_client_key = self.tiktok_v1_client_key or "sim-tiktok-v1"
        self.tiktok_v2_client_key = self.tiktok_v2_client_key or "sim-tiktok-v2"
        if not self.tiktok_v1_client_secret.get_secret_value():
            self.tiktok_v1_client_secret = SecretStr("sim-tiktok-v1-secret")
        if not self.tiktok_v2_client_secret.get_secret_value():
            self.tiktok_v2_client_secret = SecretStr("sim-tiktok-v2-secret")
        self.tiktok_dm_base_url = self.tiktok_dm_base_url or f"{sim}/open"

    def _refuse_problems(self, *, public_url_set: bool) -> None:
        problems = production_problems(
            self,
            public_url_set=public_url_set,
            smtp_host_set="smtp_host" in self.model_fields_set,
        )
        if problems:
            raise ValueError(
                "production mode refuses to start:\n  - " + "\n  - ".join(problems) + "\n"
            )

    def _fill_live_tiktok(self) -> None:
        self.tiktok_login_base_url = self.tiktok_login_base_url or "https://open.tiktokapis.com"
        self.tiktok_business_base_url = (
            self.tiktok_business_base_url or "https://business-api.tiktok.com/open_api/v1.3"
        )
        self.tiktok_authorize_url = (
            self.tiktok_authorize_url or "https://www.tiktok.com/v2/auth/authorize/"
        )
        self.tiktok_embed_url = self.tiktok_embed_url or "https://www.tiktok.com/embed/v2/"
        self.tiktok_oembed_url = self.tiktok_oembed_url or "https://www.tiktok.com/oembed"

    @property
    def is_production(self) -> bool:
        return self.mode == Mode.production

    @property
    def creator_login_configured(self) -> bool:
        """Whether creators prove their @handle with Login Kit on their approval page."""
        return bool(
            self.creator_login_kit_client_key
            and self.creator_login_kit_client_secret.get_secret_value()
        )

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry ``Secure`` whenever people reach the app over https."""
        return self.public_url.lower().startswith("https://")

    @property
    def dev_routes_enabled(self) -> bool:
        """The simulator (/_sim) and /dev/* exist only outside production."""
        return not self.is_production

    def fernet_key(self) -> bytes:
        """The key for tokens at rest; outside production it is generated once per data dir."""
        key = self.encryption_key.get_secret_value()
        if key:
            return key.encode()
        path = self.data_dir / "encryption.key"
        if not path.exists():
            from cryptography.fernet import Fernet

            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        generated = path.read_bytes().strip()
        if problem := fernet_key_problem(generated):
            raise ValueError(f"{path} {problem}")
        return generated


def loopback_origins(port: int) -> list[str]:
    """How a browser on this machine spells the app's origin (Chromium keeps [::1] in brackets)."""
    return [f"http://{host}:{port}" for host in ("localhost", "127.0.0.1", "[::1]")]


@lru_cache
def get_settings() -> Settings:
    return Settings()


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token (sessions, invites, OAuth state)."""
    return secrets.token_urlsafe(nbytes)
