"""One owner per state folder: a lock file that says who owns it, and where it serves.

Two programs writing the same folder lose data: each keeps its own registry in memory and
the last one to save wins. So the first ``Emulator(persist_to=...)`` (a ``serve``, a data
command, a test) takes ``<folder>/emulator.lock``, and every later one refuses at start
with ``FolderInUseError``, whose one-line text names the owner's pid and, for a server,
its URL. The lock is an OS file lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows):
the OS drops it when the owner exits, even on SIGKILL, so a stale file never blocks a
restart. The file itself stays; its JSON content (``pid``, ``program``, ``url``) is only
read while the lock is held, and a data command uses ``url`` to reach a running server
instead of opening the files under it.

wrangler keeps no lock of its own: a running ``wrangler dev`` (workerd) holds SQLite's
usual WAL locks on the files under ``.wrangler/state/v3``, and its Durable Objects expect
to be alone on them. ``sqlite_users`` finds such a process (a reader's shared lock on byte
128 of a ``-shm`` file, SQLite's "dead man switch"), so that the emulator refuses to start
on a folder ``wrangler dev`` is using rather than write under it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "LOCK_FILE",
    "FolderInUseError",
    "FolderLock",
    "Owner",
    "claim_folder",
    "read_owner",
    "sqlite_users",
]

LOCK_FILE = "emulator.lock"
# Windows locks are mandatory: lock a byte far past the JSON so that readers can read it.
_WINDOWS_LOCK_OFFSET = 1 << 30
# SQLite's WAL index: every connection holds a shared lock on this byte of the -shm file.
_SQLITE_DMS_BYTE = 128


@dataclass(frozen=True)
class Owner:
    """Who holds a state folder: a process id, what it is, and its REST URL if it serves."""

    pid: int
    program: str
    url: str | None = None

    def describe(self) -> str:
        """``pid 123, serving http://127.0.0.1:8787`` (or ``pid 123, python -m emulator``)."""
        where = f"serving {self.url}" if self.url else self.program
        return f"pid {self.pid}, {where}"


class FolderInUseError(RuntimeError):
    """Another program owns the state folder; ``owner`` says who when it is known."""

    def __init__(self, folder: Path, owner: Owner | None, *, detail: str | None = None) -> None:
        self.folder = folder
        self.owner = owner
        who = detail or (owner.describe() if owner else "another process, starting up")
        super().__init__(f"{folder} is in use by {who}: stop it, or give this one another folder")


class FolderLock:
    """The held lock on a state folder; ``release()`` (or process exit) frees it."""

    def __init__(self, folder: Path, handle: int, owner: Owner) -> None:
        self.folder = folder
        self.owner = owner
        self._handle: int | None = handle

    @classmethod
    def acquire(cls, folder: Path, *, program: str) -> FolderLock:
        """Take ``folder``'s lock, or raise ``FolderInUseError`` naming the owner."""
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(handle):
            owner = _read(handle)
            os.close(handle)
            raise FolderInUseError(folder, owner)
        lock = cls(folder, handle, Owner(os.getpid(), program))
        lock._write()
        return lock

    def announce(self, url: str) -> None:
        """Record the URL the owner serves, for data commands to find."""
        self.owner = Owner(self.owner.pid, self.owner.program, url)
        self._write()

    def release(self) -> None:
        """Free the folder (the lock file stays, unlocked)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(handle, 0)
            _unlock(handle)
            os.close(handle)

    def _write(self) -> None:
        assert self._handle is not None
        payload = json.dumps(
            {"pid": self.owner.pid, "program": self.owner.program, "url": self.owner.url}
        ).encode("utf-8")
        os.ftruncate(self._handle, 0)
        os.lseek(self._handle, 0, os.SEEK_SET)
        os.write(self._handle, payload)

    def __repr__(self) -> str:
        return f"FolderLock({str(self.folder)!r}, {self.owner!r})"


def claim_folder(folder: Path) -> FolderLock:
    """Lock ``folder`` for this process, or raise ``FolderInUseError``.

    Also refuses a folder whose SQLite files another program (``wrangler dev``, the
    ``sqlite3`` shell) has open.
    """
    lock = FolderLock.acquire(folder, program=_program_name())
    users = sqlite_users(folder)
    if users:
        lock.release()
        shown = ", ".join(_describe_process(pid) for pid in users)
        raise FolderInUseError(folder, None, detail=shown)
    return lock


def read_owner(folder: Path) -> Owner | None:
    """The owner of ``folder`` if some live process holds its lock, else ``None``."""
    path = folder / LOCK_FILE
    if not path.exists():
        return None
    try:
        handle = os.open(path, os.O_RDONLY)  # flock needs no write access
    except OSError:
        return None
    try:
        if _try_lock(handle):
            _unlock(handle)
            return None
        return _read(handle) or Owner(0, "unknown")
    finally:
        os.close(handle)


def sqlite_users(folder: Path) -> list[int]:
    """Process ids (0 when unknown) of other programs with a WAL SQLite file open in ``folder``.

    Only call it before this process opens any database under ``folder``: POSIX record
    locks are per process, and probing a file this process has open would drop its locks.
    """
    if sys.platform == "win32" or not folder.is_dir():
        return []
    import fcntl

    users: list[int] = []
    for shm in sorted(folder.rglob("*.sqlite-shm")):
        try:
            handle = os.open(shm, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SQLITE_DMS_BYTE)
        except OSError:
            users.append(_lock_holder(shm))
        else:
            fcntl.lockf(handle, fcntl.LOCK_UN, 1, _SQLITE_DMS_BYTE)
        finally:
            os.close(handle)
    return sorted(set(users))


def _program_name() -> str:
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if argv0 in ("__main__.py", "emulator"):
        return "python -m emulator"
    return "python" if argv0 in ("", "-c", "-") else argv0


def _describe_process(pid: int) -> str:
    """``pid 10615 (workerd: a running `wrangler dev`?)`` or ``another program``."""
    if pid == 0:
        return "another program"
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return f"pid {pid}"
    hint = ": a running `wrangler dev`" if name == "workerd" else ""
    return f"pid {pid} ({name}{hint})"


def _lock_holder(path: Path) -> int:
    """The pid holding a record lock on ``path``, from Linux's /proc/locks (else 0)."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        fields = line.split()
        # "1: POSIX  ADVISORY  READ 10615 fe:00:2165599 128 128"
        if len(fields) >= 6 and fields[5].rsplit(":", 1)[-1] == str(inode):
            with contextlib.suppress(ValueError):
                return int(fields[4])
    return 0


def _read(handle: int) -> Owner | None:
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        data: Any = json.loads(os.read(handle, 4096))
        return Owner(int(data["pid"]), str(data["program"]), data.get("url"))
    except (ValueError, KeyError, TypeError, OSError):
        return None  # the owner has not written it yet


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: int) -> bool:
        os.lseek(handle, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: int) -> None:
        os.lseek(handle, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: int) -> bool:
        # flock, not lockf: it conflicts between two opens in one process too, so two
        # Emulators in one test process refuse each other as two processes would.
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
