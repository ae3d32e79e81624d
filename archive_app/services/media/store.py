"""The media store: where Archive keeps the files it must not lose to TikTok (issue 22, item 5).

One small interface, two backends:

- :class:`LocalStore`, a directory (by default ``<data dir>/media``, so the single container's
  volume holds it and a backup of the volume covers it);
- :class:`S3Store`, any S3-compatible object store through boto3
  (``ARCHIVE_MEDIA_URL=s3://bucket/prefix`` plus the ``ARCHIVE_MEDIA_S3_*`` settings).

Keys are relative paths that start with the workspace (``w12/covers/…``), so one prefix holds
all of a workspace's media: :meth:`usage` measures it and :meth:`delete_prefix` removes it.
Bodies are bytes or a binary file (an original of hundreds of MB is streamed, never read whole:
boto3's ``upload_fileobj`` sends it in parts); reading is in chunks. The same tests run on both
backends (``tests/services/test_media_store.py``, S3 against moto's server).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

CHUNK = 256 * 1024
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")


class MissingMedia(LookupError):
    """No file under that key (deleted, or never stored)."""


def check_key(key: str) -> str:
    """Keys are made by Archive, but a key is also a path: no ``..``, no absolute path."""
    if not _KEY.fullmatch(key) or ".." in key.split("/") or len(key) > 255:
        raise ValueError(f"not a media key: {key!r}")
    return key


@dataclass(frozen=True)
class Usage:
    objects: int = 0
    bytes: int = 0


class MediaStore(Protocol):
    """Where media lives. Every method is blocking: call it off the event loop."""

    def put(self, key: str, body: bytes | BinaryIO, *, content_type: str) -> None: ...

    def read(self, key: str) -> bytes: ...

    def chunks(self, key: str) -> Iterator[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def usage(self) -> dict[str, Usage]: ...

    def describe(self) -> str: ...


def _top(key: str) -> str:
    return key.split("/", 1)[0]


class LocalStore:
    """Files under ``root``; a write goes to a temporary file first, then is renamed in place,
    so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, body: bytes | BinaryIO, *, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(body, bytes):
                    out.write(body)
                else:
                    shutil.copyfileobj(body, out, CHUNK)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingMedia(key) from None

    def chunks(self, key: str) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise MissingMedia(key) from None
        with handle:
            while block := handle.read(CHUNK):
                yield block

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        base = self._path(prefix.rstrip("/"))
        if not base.is_dir():
            return 0
        count = sum(1 for p in base.rglob("*") if p.is_file())
        shutil.rmtree(base)
        return count

    def usage(self) -> dict[str, Usage]:
        found: dict[str, Usage] = {}
        if not self.root.is_dir():
            return found
        for path in self.root.rglob("*"):
            if path.is_file() and not path.name.startswith(".part-"):
                top = _top(path.relative_to(self.root).as_posix())
                was = found.get(top, Usage())
                found[top] = Usage(was.objects + 1, was.bytes + path.stat().st_size)
        return found

    def describe(self) -> str:
        return f"the directory {self.root}"


class S3Store:
    """An S3-compatible bucket; ``prefix`` (may be empty) is put before every key."""

    def __init__(self, client: Any, *, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, body: bytes | BinaryIO, *, content_type: str) -> None:
        stream = io.BytesIO(body) if isinstance(body, bytes) else body
        self.client.upload_fileobj(
            stream, self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
        )

    def _get(self, key: str) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except self.client.exceptions.NoSuchKey:
            raise MissingMedia(key) from None

    def read(self, key: str) -> bytes:
        body = self._get(key)
        try:
            return bytes(body.read())
        finally:
            body.close()

    def chunks(self, key: str) -> Iterator[bytes]:
        body = self._get(key)
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        answer = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(key), MaxKeys=1)
        return any(o["Key"] == self._key(key) for o in answer.get("Contents", []))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def _listed(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def delete_prefix(self, prefix: str) -> int:
        keys = [o["Key"] for o in self._listed(self._key(prefix.rstrip("/")) + "/")]
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
        return len(keys)

    def usage(self) -> dict[str, Usage]:
        found: dict[str, Usage] = {}
        for item in self._listed(self.prefix):
            top = _top(str(item["Key"])[len(self.prefix) :])
            was = found.get(top, Usage())
            found[top] = Usage(was.objects + 1, was.bytes + int(item["Size"]))
        return found

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""


def s3_client(config: S3Settings) -> Any:
    import boto3  # imported only when an S3 store is configured

    return boto3.client(
        "s3",
        endpoint_url=config.endpoint_url or None,
        region_name=config.region or None,
        aws_access_key_id=config.access_key_id or None,
        aws_secret_access_key=config.secret_access_key or None,
    )


def open_store(url: str, *, data_dir: Path, s3: S3Settings | None = None) -> MediaStore:
    """The store ``ARCHIVE_MEDIA_URL`` names: empty for ``<data dir>/media``, ``file:///path``
    or a plain path for a directory, ``s3://bucket/prefix`` for a bucket."""
    if not url:
        return LocalStore(data_dir / "media")
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError("ARCHIVE_MEDIA_URL: s3:// needs a bucket, e.g. s3://archive/media")
        return S3Store(s3_client(s3 or S3Settings()), bucket=parts.netloc, prefix=parts.path)
    if parts.scheme == "file":
        return LocalStore(Path(parts.path))
    if parts.scheme:
        raise ValueError(f"ARCHIVE_MEDIA_URL: {parts.scheme}:// is not a store Archive knows")
    return LocalStore(Path(url))
