"""Production mode refuses to start, naming each problem, and never quoting a secret."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from archive_app.production_checks import is_placeholder
from archive_app.settings import Mode, Settings
from tests.production_settings import production_settings


def _refusal(tmp_path, **overrides: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        production_settings(tmp_path, **overrides)
    return str(refused.value)


def test_a_complete_production_configuration_starts(tmp_path):
    settings = production_settings(tmp_path)
    assert settings.is_production and not settings.seed_demo and not settings.mail_sink
    assert settings.cors_allowed_origins == ["https://archive.brand.example"]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"encryption_key": SecretStr("")}, "ARCHIVE_ENCRYPTION_KEY is not set"),
        ({"public_url": ""}, "ARCHIVE_PUBLIC_URL is not set"),
        ({"public_url": "http://localhost:3000"}, "ARCHIVE_PUBLIC_URL is not set"),
        ({"public_url": "https://127.0.0.1"}, "ARCHIVE_PUBLIC_URL is not set"),
        ({"public_url": "archive.brand.example"}, "ARCHIVE_PUBLIC_URL is not a web address"),
        ({"public_url": "http://archive.brand.example"}, "must start with https://"),
        (
            {"tiktok_v1_client_key": ""},
            "ARCHIVE_TIKTOK_V1_CLIENT_KEY is not set or is a placeholder",
        ),
        (
            {"tiktok_v1_client_secret": SecretStr("changeme")},
            "ARCHIVE_TIKTOK_V1_CLIENT_SECRET is not set or is a placeholder",
        ),
        (
            {"tiktok_v2_client_key": "<your client key>"},
            "ARCHIVE_TIKTOK_V2_CLIENT_KEY is not set or is a placeholder",
        ),
        (
            {"tiktok_v2_client_secret": SecretStr("sim-tiktok-v2-secret")},
            "ARCHIVE_TIKTOK_V2_CLIENT_SECRET is not set or is a placeholder",
        ),
        ({"cors_allowed_origins": ["*"]}, "ARCHIVE_CORS_ALLOWED_ORIGINS must not be '*'"),
        ({"cors_allowed_origins": ["archive.brand.example"]}, "must list origins like"),
        ({"smtp_host": None}, "ARCHIVE_SMTP_HOST is not set"),
        ({"mail_from": None}, "ARCHIVE_MAIL_FROM is not set"),
        ({"mail_sink": True}, "ARCHIVE_MAIL_SINK must be false in production"),
        (
            {"smtp_user": "archive", "smtp_password": SecretStr("")},
            "ARCHIVE_SMTP_PASSWORD is not set or is a placeholder",
        ),
        ({"seed_demo": True}, "ARCHIVE_SEED_DEMO must be false in production"),
    ],
)
def test_each_refused_production_setting_is_named(tmp_path, overrides, named):
    # None: the variable is not set at all (as opposed to set to an empty value).
    unset = [name for name, value in overrides.items() if value is None]
    values = {name: value for name, value in overrides.items() if value is not None}
    if unset:
        base = production_settings(tmp_path).model_dump()
        kept = {k: v for k, v in base.items() if k in _required() and k not in unset}
        with pytest.raises(ValidationError) as refused:
            Settings(_env_file=None, mode=Mode.production, data_dir=tmp_path, **kept)
        message = str(refused.value)
    else:
        message = _refusal(tmp_path, **values)
    assert "production mode refuses to start" in message
    assert named in message
    # exactly the one problem this case introduced
    assert message.count("\n  - ") == 1, message


def _required() -> set[str]:
    return {
        "public_url",
        "encryption_key",
        "tiktok_v1_client_key",
        "tiktok_v1_client_secret",
        "tiktok_v2_client_key",
        "tiktok_v2_client_secret",
        "smtp_host",
        "mail_from",
    }


def test_every_problem_is_listed_at_once_and_no_secret_is_echoed(tmp_path):
    message = _refusal(
        tmp_path,
        encryption_key=SecretStr(""),
        tiktok_v1_client_secret=SecretStr("placeholder"),
        smtp_user="archive",
        smtp_password=SecretStr("changeme"),
        cors_allowed_origins=["*"],
    )
    for name in (
        "ARCHIVE_ENCRYPTION_KEY",
        "ARCHIVE_TIKTOK_V1_CLIENT_SECRET",
        "ARCHIVE_SMTP_PASSWORD",
        "ARCHIVE_CORS_ALLOWED_ORIGINS",
    ):
        assert name in message
    assert "live-v2-secret" not in message and "live-v1-key" not in message


def test_the_environment_is_where_an_operator_sets_them(tmp_path, monkeypatch):
    for name, value in {
        "ARCHIVE_MODE": "production",
        "ARCHIVE_DATA_DIR": str(tmp_path),
        "ARCHIVE_PUBLIC_URL": "https://archive.brand.example",
        "ARCHIVE_ENCRYPTION_KEY": production_settings(tmp_path).encryption_key.get_secret_value(),
        "ARCHIVE_TIKTOK_V1_CLIENT_KEY": "k1",
        "ARCHIVE_TIKTOK_V1_CLIENT_SECRET": "s1-live",
        "ARCHIVE_TIKTOK_V2_CLIENT_KEY": "k2",
        "ARCHIVE_TIKTOK_V2_CLIENT_SECRET": "s2-live",
        "ARCHIVE_MAIL_FROM": "Archive <a@brand.example>",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match="ARCHIVE_SMTP_HOST is not set"):
        Settings(_env_file=None)
    monkeypatch.setenv("ARCHIVE_SMTP_HOST", "127.0.0.1")  # a local relay, set on purpose
    assert Settings(_env_file=None).is_production


@pytest.mark.parametrize("value", ["", "changeme", "CHANGE-ME-please", "<secret>", "sim-tiktok-v1"])
def test_placeholders_are_recognised(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["awx8f2k1", "3c2f9a0b7d", "a-real-secret-123"])
def test_real_looking_values_are_not_placeholders(value):
    assert not is_placeholder(value)


def test_outside_production_every_loopback_spelling_is_an_allowed_origin(tmp_path):
    demo = Settings(_env_file=None, mode=Mode.demo, data_dir=tmp_path, port=3000)
    assert set(demo.cors_allowed_origins) == {
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
    }


def test_the_public_url_is_always_an_allowed_origin(tmp_path):
    settings = production_settings(tmp_path, cors_allowed_origins=["https://other.brand.example/"])
    assert settings.cors_allowed_origins == [
        "https://archive.brand.example",
        "https://other.brand.example",
    ]


def test_production_allows_only_the_configured_origins(tmp_path):
    settings = production_settings(
        tmp_path, cors_allowed_origins=["https://archive.brand.example", "https://a.brand.example"]
    )
    assert settings.cors_allowed_origins == [
        "https://archive.brand.example",
        "https://a.brand.example",
    ]
