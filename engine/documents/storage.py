"""Where file bytes live, behind one small interface, content-addressed by SHA-256 (a file stored twice is kept
once; the name of a blob is its hash, so the client's file name never reaches a path).

``MOTCUA_STORAGE_URL`` chooses the backend: a folder (default ``var/files``; ``file:///srv/motcua/files`` or a
plain path) for one machine, or any S3-compatible object store for several servers:
``s3://bucket?endpoint=https://s3.example.vn&region=us-east-1&prefix=motcua`` (credentials from boto3's usual
environment: ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``).

The interface has no delete for users: only the orphan sweep (engine.documents.files.sweep_orphans) removes a
blob, and only one no file row refers to."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import parse_qs, urlsplit

from engine.errors import InvalidInput, NotFound

DEFAULT_STORAGE_URL = "var/files"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_key(sha256: str) -> str:
    if not _SHA256.match(sha256 or ""):
        raise InvalidInput(f"Mã băm tệp '{sha256}' không hợp lệ.", message_en=f"Invalid file hash '{sha256}'.")
    return sha256


def blob_missing(sha256: str) -> NotFound:
    return NotFound(f"Không tìm thấy nội dung tệp {sha256[:12]}… trong kho lưu trữ.",
                    message_en=f"The bytes of file {sha256[:12]}… are missing from storage.")


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    modified_at: datetime


class Storage(Protocol):
    """Blobs by SHA-256. ``put`` is idempotent (same bytes, same key) and durable when it returns."""

    def put(self, sha256: str, data: bytes) -> None: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def blobs(self) -> Iterator[BlobInfo]: ...

    def remove(self, sha256: str) -> None: ...  # the orphan sweep only


class FolderStorage:
    """Blobs under ``root/ab/cd/<sha256>``, written to a temporary file then renamed into place (atomic)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FolderStorage({str(self.root)!r})"

    def _path(self, sha256: str) -> Path:
        key = _check_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise blob_missing(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def blobs(self) -> Iterator[BlobInfo]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if _SHA256.match(path.name):
                stat = path.stat()
                yield BlobInfo(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc))

    def remove(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)


class S3Storage:
    """Blobs as objects ``<prefix>/ab/<sha256>`` in one bucket of an S3-compatible store (boto3)."""

    def __init__(self, bucket: str, endpoint: str | None = None, region: str | None = None, prefix: str = "blobs",
                 client=None):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1",
                                  config=Config(retries={"max_attempts": 3, "mode": "standard"}))
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, sha256: str) -> str:
        key = _check_key(sha256)
        return f"{self.prefix}/{key[:2]}/{key}"

    def _missing(self, exc) -> bool:
        return exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")

    def put(self, sha256: str, data: bytes) -> None:
        if self.exists(sha256):
            return
        self.client.put_object(Bucket=self.bucket, Key=self._key(sha256), Body=data,
                               ContentType="application/octet-stream")

    def get(self, sha256: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))["Body"].read()
        except ClientError as exc:
            if self._missing(exc):
                raise blob_missing(sha256) from None
            raise

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
            return True
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise

    def blobs(self) -> Iterator[BlobInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/"):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if _SHA256.match(name):
                    yield BlobInfo(name, item["Size"], item["LastModified"].astimezone(timezone.utc))

    def remove(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(sha256))


def storage_from_url(url: str | None) -> Storage:
    """The backend a storage URL names (see the module's docstring); a clear error for anything else."""
    url = (url or DEFAULT_STORAGE_URL).strip()
    parts = urlsplit(url)
    if parts.scheme == "s3":
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.netloc:
            raise InvalidInput("MOTCUA_STORAGE_URL s3:// thiếu tên bucket.", message_en="s3:// storage URL without a bucket.")
        return S3Storage(parts.netloc, endpoint=query.get("endpoint"), region=query.get("region"),
                         prefix=query.get("prefix", "blobs"))
    if parts.scheme == "file":
        return FolderStorage(parts.path)
    if parts.scheme == "":
        return FolderStorage(url)
    raise InvalidInput(f"MOTCUA_STORAGE_URL '{url}' không được hỗ trợ; dùng đường dẫn thư mục, file:// hoặc s3://.",
                       message_en=f"Unsupported MOTCUA_STORAGE_URL '{url}'; use a folder path, file:// or s3://.")


def storage_for(ctx) -> Storage:
    """The context's storage: ``ctx.storage`` when one was given (tests, the benchmark), else built once from
    ``MOTCUA_STORAGE_URL`` and kept on the context."""
    storage = getattr(ctx, "storage", None)
    if storage is None:
        storage = storage_from_url(os.environ.get("MOTCUA_STORAGE_URL"))
        ctx.storage = storage
    return storage
