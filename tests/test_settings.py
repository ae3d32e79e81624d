"""Settings refuse, at startup and naming the variable, what would fail or leak later."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr, ValidationError

from archive_app.crypto import TokenCipher
from archive_app.settings import Mode, Settings
from tests.production_settings import production_settings


@pytest.mark.parametrize("key", ["k" * 44, "not-a-key", "a2tra2tra2tra2tra2tra2tra2tra2t="])
@pytest.mark.parametrize("mode", [Mode.production, Mode.demo])
def test_an_invalid_encryption_key_is_refused_at_startup_naming_it(tmp_path, mode, key):
    with pytest.raises(ValidationError, match="ARCHIVE_ENCRYPTION_KEY is not a valid Fernet key"):
        if mode == Mode.production:
            production_settings(tmp_path, encryption_key=SecretStr(key))
        else:
            Settings(_env_file=None, mode=mode, data_dir=tmp_path, encryption_key=SecretStr(key))


def test_the_refusal_does_not_echo_the_key_or_other_secrets(tmp_path):
    with pytest.raises(ValidationError) as refused:
        production_settings(
            tmp_path,
            encryption_key=SecretStr("my-wrong-key-1234"),
            tiktok_v1_client_secret="live-v1-secret",
        )
    assert "my-wrong-key-1234" not in str(refused.value)
    assert "live-v1-secret" not in str(refused.value)
    assert "Fernet.generate_key()" in str(refused.value)  # says how to make a good one


def test_a_valid_key_works_for_tokens_at_rest(tmp_path):
    key = Fernet.generate_key().decode()
    settings = production_settings(tmp_path, encryption_key=SecretStr(key))
    cipher = TokenCipher(settings.fernet_key())
    assert cipher.decrypt(cipher.encrypt("access-token")) == "access-token"


def test_a_damaged_generated_key_file_is_refused_naming_the_file(tmp_path):
    (tmp_path / "encryption.key").write_text("garbage")
    settings = Settings(_env_file=None, mode=Mode.demo, data_dir=tmp_path)
    with pytest.raises(ValueError, match=r"encryption\.key is not a valid Fernet key"):
        settings.fernet_key()


def test_production_refuses_an_http_public_url(tmp_path):
    with pytest.raises(ValidationError) as refused:
        production_settings(tmp_path, public_url="http://archive.brand.example")
    message = str(refused.value)
    assert "ARCHIVE_PUBLIC_URL must start with https://" in message
    assert "ARCHIVE_ALLOW_INSECURE_HTTP=true" in message  # names the way out


def test_production_on_a_lan_over_http_needs_the_explicit_opt_out(tmp_path):
    settings = production_settings(
        tmp_path, public_url="http://archive.office.lan", allow_insecure_http=True
    )
    assert settings.is_production and not settings.secure_cookies


def test_the_opt_out_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_ALLOW_INSECURE_HTTP", "true")
    settings = production_settings(tmp_path, public_url="http://archive.office.lan")
    assert settings.allow_insecure_http and not settings.secure_cookies


def test_https_public_urls_mean_secure_cookies_and_the_http_demo_does_not(tmp_path):
    assert production_settings(tmp_path).secure_cookies
    demo = Settings(_env_file=None, mode=Mode.demo, data_dir=tmp_path)
    assert demo.public_url.startswith("http://localhost") and not demo.secure_cookies
