"""The zip Pulumi would upload for a Lambda function's ``code``, built byte for byte."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import threading
import zipfile
from pathlib import Path
from typing import Any, Final

import pulumi

# Fixed timestamp for every zip entry, so the same code always gives the same zip bytes (and
# the same CodeSha256), as Pulumi's own archiver does.
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)


def archive_zip(archive: pulumi.Archive, base_dir: Path | None = None) -> bytes:
    """The zip file Pulumi would upload for ``archive`` (a Lambda function's ``code``).

    * ``AssetArchive``: each member at its key; a nested archive's files go under ``<key>/``
      (so ``AssetArchive({"lambdas": FileArchive("lambdas")})`` holds ``lambdas/<file>``).
    * ``FileArchive``: a directory's files (recursively) or the members of a .zip/.jar/.tar/
      .tgz/.tar.gz file; relative paths are taken from ``base_dir`` (default: the current
      directory, as Pulumi takes them from the project directory).
    * ``StringAsset``/``FileAsset``: a file's content. Remote assets and archives fail: this
      process never touches the network.

    Entries are sorted with a fixed timestamp, so the bytes (and the hash) are reproducible;
    the same content is zipped once per process (a durable function's archive is ~17 MB).
    """
    entries: dict[str, bytes] = {}
    _add_archive(entries, archive, "", base_dir or Path.cwd())
    fingerprint = hashlib.sha256()
    for path in sorted(entries):
        fingerprint.update(path.encode() + b"\0" + hashlib.sha256(entries[path]).digest())
    key = fingerprint.hexdigest()
    with _ZIP_CACHE_LOCK:
        cached = _ZIP_CACHE.get(key)
    if cached is None:
        cached = _zip_entries(entries)
        with _ZIP_CACHE_LOCK:
            _ZIP_CACHE[key] = cached
            while len(_ZIP_CACHE) > _ZIP_CACHE_SIZE:
                _ZIP_CACHE.pop(next(iter(_ZIP_CACHE)))
    return cached


#: Zips already built, by a digest of their entries (oldest first).
_ZIP_CACHE: dict[str, bytes] = {}
_ZIP_CACHE_LOCK = threading.Lock()
_ZIP_CACHE_SIZE: Final = 16


def _zip_entries(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(entries):
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # rw-r--r--: Lambda must be able to read it
            zipped.writestr(info, entries[path])
    return buffer.getvalue()


def _add_archive(entries: dict[str, bytes], archive: Any, prefix: str, base_dir: Path) -> None:
    if isinstance(archive, pulumi.AssetArchive):
        for key, member in archive.assets.items():
            if isinstance(member, pulumi.Archive):
                _add_archive(entries, member, f"{prefix}{key.strip('/')}/", base_dir)
            else:
                entries[f"{prefix}{key}"] = _asset_bytes(member, base_dir)
    elif isinstance(archive, pulumi.FileArchive):
        path = _resolve(archive.path, base_dir)
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=True):
                dirs.sort()
                for file_name in sorted(files):
                    file_path = Path(root, file_name)
                    entries[prefix + file_path.relative_to(path).as_posix()] = (
                        file_path.read_bytes()
                    )
        elif path.suffix in (".zip", ".jar"):
            with zipfile.ZipFile(path) as zipped:
                for info in zipped.infolist():
                    if not info.is_dir():
                        entries[prefix + info.filename] = zipped.read(info)
        elif path.name.endswith((".tar", ".tgz", ".tar.gz")):
            with tarfile.open(path) as tarred:
                for tar_info in tarred.getmembers():
                    extracted = tarred.extractfile(tar_info) if tar_info.isfile() else None
                    if extracted is not None:
                        entries[prefix + tar_info.name] = extracted.read()
        else:
            raise ValueError(f"FileArchive {archive.path!r}: not a directory or a known archive")
    elif isinstance(archive, pulumi.RemoteArchive):
        raise ValueError(f"RemoteArchive {archive.uri!r}: the local cloud never downloads")
    else:
        raise ValueError(f"unsupported archive {archive!r}")


def _asset_bytes(asset: Any, base_dir: Path) -> bytes:
    if isinstance(asset, pulumi.StringAsset):
        return asset.text.encode()
    if isinstance(asset, pulumi.FileAsset):
        return _resolve(asset.path, base_dir).read_bytes()
    if isinstance(asset, pulumi.RemoteAsset):
        raise ValueError(f"RemoteAsset {asset.uri!r}: the local cloud never downloads")
    raise ValueError(f"unsupported asset {asset!r}")


def _resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base_dir / candidate
