"""Content-addressed storage of packages and icons under the data dir.

A blob's name is its SHA-256, so a stored file never changes and can be cached forever;
writes go to a temporary file first and are renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_DIGEST = re.compile(r"[0-9a-f]{64}")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, digest: str, suffix: str) -> Path | None:
        """The file for a digest, or None when the digest is malformed or unknown."""
        if not _DIGEST.fullmatch(digest):
            return None
        path = self.root / digest[:2] / f"{digest}{suffix}"
        return path if path.is_file() else None

    def put(self, data: bytes, suffix: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        folder = self.root / digest[:2]
        target = folder / f"{digest}{suffix}"
        if target.is_file():
            return digest
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest
