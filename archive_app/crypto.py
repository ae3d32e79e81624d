"""Tokens at rest are Fernet-encrypted; only hashes of session and invite tokens are stored."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

FERNET_KEY_HELP = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def fernet_key_problem(key: str | bytes) -> str | None:
    """Why ``key`` cannot be a Fernet key (never quoting it), or None when it can.

    Checked when settings are read, so a mistyped key stops the app at startup instead of
    failing the first OAuth callback with a 500.
    """
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return (
            "is not a valid Fernet key (it must be 32 bytes in URL-safe base64: 44 characters "
            f"ending in '='); {FERNET_KEY_HELP}"
        )
    return None


class TokenCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # For values the browser carries back (the flash cookie): ours only if signed with this.
        self.signing_key = hmac.new(key, b"archive signing key", hashlib.sha256).digest()

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:  # wrong key or tampered row
            raise ValueError("stored token cannot be decrypted with this encryption key") from exc


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def sign(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def signature_ok(key: bytes, data: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(key, data), signature)
