"""Writing files so that a reader never sees half of one, nor a credential."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from .providers.redact import scrub, secrets_in
from .results import valid_text

try:  # POSIX; elsewhere concurrent writers fall back to plain atomic renames
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def write_atomically(
    path: Path, text: str, secrets: Sequence[str] | None = None
) -> None:
    """Write ``text`` beside ``path`` in a temporary file, then rename it into place.

    Readers see the old file or the new one, never a part: an interruption (Ctrl-C,
    a full disk) removes the temporary file and leaves ``path`` as it was. Every file
    pytest-fncall writes (cassettes, snapshots, reports) comes through here, so this is
    where the last line of defence stands: ``secrets`` (default: the credentials in the
    environment, see :mod:`.providers.redact`) are written as ``***``, lone surrogates
    (model output can decode to them) as U+FFFD.
    """
    text = scrub(text, secrets_in(os.environ) if secrets is None else secrets)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = valid_text(text).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(0o666 & ~_umask())  # mkstemp's 0600 would surprise
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def locked_directory(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (between processes, e.g. xdist workers).

    The lock is taken on the directory itself, so no lock file is left behind.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
