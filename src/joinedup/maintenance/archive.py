"""The backup archive: one zip file with a manifest, the rows and the kept files.

::

    manifest.json                     what the archive holds, and the SHA-256 of every member
    data/<app>.<model>.jsonl          one JSON array per row, in the manifest's column order
    files/<app>.<model>/<pk>.<field>  the bytes of a kept file (an upload, a pack)

A zip is written as it goes, so rows stream from the database to the archive without a
copy on disk, and the manifest can be read without reading the rest. The archive is
written beside its final name and renamed into place when complete, so a failed backup
never leaves a file that looks whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

FORMAT = "joinedup-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20


class DamagedArchive(Exception):
    """The archive is not a JoinedUp backup, or not the one that was written."""


class ArchiveWriter:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.zip = zipfile.ZipFile(self.partial, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=6, allowZip64=True)
        self.checksums: dict[str, str] = {}

    def lines(self, name: str) -> _Member:
        return _Member(self, name)

    def write(self, name: str, content: bytes) -> None:
        self.zip.writestr(name, content)
        self.checksums[name] = hashlib.sha256(content).hexdigest()

    def finish(self, manifest: dict) -> str:
        """Write the manifest, close the archive and move it into place; its SHA-256."""
        manifest = {**manifest, "members": dict(sorted(self.checksums.items()))}
        self.zip.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
        self.zip.close()
        os.replace(self.partial, self.path)
        return file_sha256(self.path)

    def abandon(self) -> None:
        self.zip.close()
        self.partial.unlink(missing_ok=True)


class _Member:
    """A member written line by line, its checksum taken as it goes."""

    def __init__(self, writer: ArchiveWriter, name: str):
        self.writer, self.name = writer, name
        self.digest = hashlib.sha256()
        self.handle = writer.zip.open(name, "w", force_zip64=True)

    def __enter__(self):
        return self

    def write(self, line: bytes) -> None:
        self.handle.write(line)
        self.digest.update(line)

    def __exit__(self, *exc) -> None:
        self.handle.close()
        self.writer.checksums[self.name] = self.digest.hexdigest()


class ArchiveReader:
    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise DamagedArchive(f"There is no backup at {self.path}.")
        try:
            self.zip = zipfile.ZipFile(self.path)
            self.manifest = json.loads(self.zip.read(MANIFEST))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise DamagedArchive(
                f"{self.path} is not a readable JoinedUp backup ({error}).") from None
        if self.manifest.get("format") != FORMAT:
            raise DamagedArchive(f"{self.path} is not a JoinedUp backup.")
        if self.manifest.get("version") != VERSION:
            raise DamagedArchive(
                f"{self.path} is a backup of format {self.manifest.get('version')}; this "
                f"release reads format {VERSION}.")

    def verify(self, advance: Callable[[int], None] = lambda n: None) -> None:
        """Check every member against the manifest's SHA-256; raise ``DamagedArchive``."""
        expected = self.manifest.get("members", {})
        present = set(self.zip.namelist()) - {MANIFEST}
        if present != set(expected):
            missing = sorted(set(expected) - present)
            extra = sorted(present - set(expected))
            raise DamagedArchive(
                f"{self.path} is damaged: it lacks {missing[:3]} and has {extra[:3]} that its "
                "manifest does not list.")
        for name, checksum in expected.items():
            digest = hashlib.sha256()
            try:
                with self.zip.open(name) as handle:
                    while block := handle.read(CHUNK):
                        digest.update(block)
                        advance(len(block))
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise DamagedArchive(f"{self.path} is damaged: {name} cannot be read "
                                     f"({error}).") from None
            if digest.hexdigest() != checksum:
                raise DamagedArchive(f"{self.path} is damaged: the checksum of {name} does "
                                     "not match its manifest.")

    def size(self) -> int:
        return sum(info.file_size for info in self.zip.infolist() if info.filename != MANIFEST)

    def lines(self, name: str):
        with self.zip.open(name) as handle:
            yield from handle

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def close(self) -> None:
        self.zip.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()
