"""The media store: the same tests on the local directory and on an S3-compatible server
(moto's server mode over real HTTP, not a mock of boto3)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_app.services.media.store import (
    LocalStore,
    MediaStore,
    MissingMedia,
    S3Settings,
    S3Store,
    Usage,
    open_store,
    s3_client,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_settings(endpoint: str) -> S3Settings:
    return S3Settings(
        endpoint_url=endpoint, region="us-east-1", access_key_id="test", secret_access_key="test"
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "local":
        return LocalStore(tmp_path / "media")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"archive-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    s3_client(s3_settings(endpoint)).create_bucket(Bucket=bucket)
    return open_store(f"s3://{bucket}/media", data_dir=tmp_path, s3=s3_settings(endpoint))


def test_a_stored_file_reads_back_the_same_bytes(store: MediaStore) -> None:
    body = bytes(range(256)) * 10
    store.put("w1/covers/1-abc.jpg", body, content_type="image/jpeg")
    assert store.read("w1/covers/1-abc.jpg") == body
    assert b"".join(store.chunks("w1/covers/1-abc.jpg")) == body
    assert store.exists("w1/covers/1-abc.jpg")


def test_a_large_file_is_streamed_in_from_a_file_and_out_in_chunks(store: MediaStore) -> None:
    body = b"\x00\x01" * (3 * 1024 * 1024)  # 6 MiB: more than one chunk, and one S3 part
    store.put("w1/originals/7.mp4", io.BytesIO(body), content_type="video/mp4")
    parts = list(store.chunks("w1/originals/7.mp4"))
    assert len(parts) > 1
    assert b"".join(parts) == body


def test_a_missing_key_says_so(store: MediaStore) -> None:
    assert not store.exists("w1/covers/none.jpg")
    with pytest.raises(MissingMedia):
        store.read("w1/covers/none.jpg")
    with pytest.raises(MissingMedia):
        list(store.chunks("w1/covers/none.jpg"))


def test_deleting_a_workspace_prefix_removes_only_that_workspaces_files(
    store: MediaStore,
) -> None:
    store.put("w1/covers/1.jpg", b"one", content_type="image/jpeg")
    store.put("w1/covers/2.jpg", b"two", content_type="image/jpeg")
    store.put("w11/covers/3.jpg", b"three", content_type="image/jpeg")
    assert store.delete_prefix("w1") == 2
    assert not store.exists("w1/covers/1.jpg")
    assert store.read("w11/covers/3.jpg") == b"three"
    assert store.usage() == {"w11": Usage(objects=1, bytes=5)}


def test_usage_counts_objects_and_bytes_per_workspace(store: MediaStore) -> None:
    store.put("w1/covers/1.jpg", b"12345", content_type="image/jpeg")
    store.put("w1/covers/2.jpg", b"123", content_type="image/jpeg")
    store.put("w2/covers/9.jpg", b"1", content_type="image/jpeg")
    store.delete("w1/covers/2.jpg")
    assert store.usage() == {"w1": Usage(1, 5), "w2": Usage(1, 1)}


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "w1/../../x", "w1//x", ""])
def test_a_key_that_is_not_a_plain_relative_path_is_refused(store: MediaStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a media key"):
        store.put(key, b"x", content_type="image/jpeg")


def test_the_media_url_chooses_the_backend(tmp_path: Path, s3_endpoint: str) -> None:
    assert isinstance(open_store("", data_dir=tmp_path), LocalStore)
    assert open_store("", data_dir=tmp_path).describe() == f"the directory {tmp_path / 'media'}"
    assert isinstance(open_store(f"file://{tmp_path}/m", data_dir=tmp_path), LocalStore)
    s3 = open_store("s3://bucket/pre/fix", data_dir=tmp_path, s3=s3_settings(s3_endpoint))
    assert isinstance(s3, S3Store) and s3.describe() == "s3://bucket/pre/fix/"
    with pytest.raises(ValueError, match="s3:// needs a bucket"):
        open_store("s3:///x", data_dir=tmp_path)
    with pytest.raises(ValueError, match="ftp:// is not a store"):
        open_store("ftp://host/x", data_dir=tmp_path)


@pytest.mark.parametrize("url", ["ftp://host/x", "s3://", "s3:///prefix"])
def test_settings_refuse_a_media_url_that_names_no_store(url: str, tmp_path: Path) -> None:
    from pydantic import ValidationError

    from archive_app.settings import Settings

    with pytest.raises(ValidationError, match="ARCHIVE_MEDIA_URL must be a directory"):
        Settings(_env_file=None, mode="test", data_dir=tmp_path, media_url=url)  # type: ignore[call-arg]


def test_the_apps_store_is_the_data_dirs_media_folder_by_default(tmp_path: Path) -> None:
    from archive_app.deps import media_store
    from archive_app.settings import Settings

    settings = Settings(_env_file=None, mode="test", data_dir=tmp_path)  # type: ignore[call-arg]
    assert media_store(settings).describe() == f"the directory {tmp_path / 'media'}"
