"""Writing the files the package produces: reports, drift reports, the OpenAPI export,
lint reports, cassettes and their provenance.

Two functions. `check_writable(path)` refuses, before any work is done, a path that could
not be written at the end. `write_atomic(path, text)` writes through a temporary file in
the same folder and `os.replace`, so a reader (a CI step, a second xdist worker) sees the
old file or the new one, never half of one, and a failed write leaves no temporary file.
Both raise `UsageError` with one line naming the path and the fix.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from conformance.errors import UsageError

__all__ = ["check_writable", "write_atomic"]

# A new file gets the mode `open()` would usually give it (rw-r--r--); a replaced file
# keeps its own. mkstemp's 0600 would otherwise end up on every file written.
_NEW_FILE_MODE = 0o644


def check_writable(path: os.PathLike[str] | str) -> None:
    """Refuse a path whose folder is missing or read-only, or that names a folder."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(
            f"cannot write {path}: folder {folder} does not exist; create it or choose another path"
        )
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; name a file")
    if not os.access(folder, os.W_OK):
        raise UsageError(
            f"cannot write {path}: folder {folder} is not writable; choose another path"
        )


def write_atomic(path: os.PathLike[str] | str, text: str) -> None:
    """Replace `path`'s content with `text` (UTF-8) in one step."""
    path = Path(path)
    check_writable(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = _NEW_FILE_MODE
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path} ({exc.strerror}); choose a writable path") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UsageError(
                f"cannot write {path} ({exc.strerror}); choose a writable path"
            ) from None
        raise
