"""Build ``emulator._apsw``: apsw over SQLite 3.47.0 compiled as workerd compiles it.

D1 in Miniflare 4.20260426 (workerd 1.20260426.1) runs SQLite 3.47.0 built from source with
workerd's defines (its ``build/BUILD.sqlite3``) and a patch that counts the rows each
statement reads and writes. Published apsw wheels carry the same SQLite version but apsw's
own options (FTS3, R*Tree, Geopoly, STAT4, ...) and no row counters, so the emulator builds
its engine at install time from two source archives on PyPI, pinned by hash:

- apsw 3.47.0.0's sdist, for the Python binding (``src/apsw.c`` and its type stubs);
- sqlean.py 3.47.0's sdist, which carries the SQLite 3.47.0 amalgamation (its own
  extensions are appended after the amalgamation's last line and are cut off here).

SQLite is compiled once per source and option set into an object cached under
``build/engine/`` (the slow part, about a minute and a half) and linked into one small
extension per Python version. The module's init function is renamed so that it loads as
``emulator._apsw`` and never clashes with an installed apsw.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from source_patches import patch_amalgamation, patch_apsw_util


@dataclass(frozen=True)
class Archive:
    """A source archive on PyPI, pinned by its SHA-256."""

    name: str
    url: str
    sha256: str


APSW = Archive(
    "apsw-3.47.0.0.tar.gz",
    "https://files.pythonhosted.org/packages/86/ac/da6a51f16a19dc77b3b4b4a97b5b3e839639ece7e"
    "bd1ba247d313bb6bace/apsw-3.47.0.0.tar.gz",
    "0efe059b790da6598cc48da84d821fefa5342a53ecf472d61a3d5168c97eda43",
)
SQLEAN = Archive(
    "sqlean_py-3.47.0.tar.gz",
    "https://files.pythonhosted.org/packages/91/dd/b875a0ab59427843f5eb38a623e371c489450d39f"
    "3e4c3cb57dd952b23c7/sqlean_py-3.47.0.tar.gz",
    "86a540b2d9ca44ae2b0b56fb067bf13095945a9bf113b3ea623e4867aab16ac2",
)

#: workerd's SQLITE_DEFINES (build/BUILD.sqlite3 at v1.20260426.1), but one:
#: - SQLITE_ENABLE_UPDATE_DELETE_LIMIT only takes effect when the parser is generated, which
#:   the amalgamation's already is: emulator.d1.compat emulates that grammar;
#: - SQLITE_MAX_ALLOCATION_SIZE=16777216 (16 MiB) is left out: the KV store runs on the same
#:   engine and keeps values of up to 25 MiB. D1 never gets near it: its own limits (2 MB
#:   values and strings, 100 KB statements) are set on every D1 connection and refuse first.
WORKERD_DEFINES: tuple[tuple[str, str], ...] = (
    ("SQLITE_PRINTF_PRECISION_LIMIT", "100000"),
    ("SQLITE_ENABLE_FTS5", "1"),
    ("SQLITE_ENABLE_NORMALIZE", "1"),
    ("SQLITE_ENABLE_MATH_FUNCTIONS", "1"),
    ("SQLITE_DEFAULT_FOREIGN_KEYS", "1"),
    ("SQLITE_ENABLE_UPDATE_DELETE_LIMIT", "1"),
    ("SQLITE_OMIT_SHARED_CACHE", "1"),
)
#: Build hygiene rather than behaviour: no asserts.
BUILD_DEFINES: tuple[tuple[str, str], ...] = (("NDEBUG", "1"),)
#: With GCC and Clang, SQLite's symbols stay inside the extension (so a process may also load
#: another SQLite, such as the sqlite3 module's); MSVC's DLLs export nothing unless asked.
HIDDEN_SYMBOLS: tuple[str, str] = ("SQLITE_API", '__attribute__((visibility("hidden")))')
COMPILE_ARGS: tuple[str, ...] = ("-O2", "-g0", "-w")
_AMALGAMATION_END = "/************************** End of sqlite3.c ******************************/\n"


def fetch(archive: Archive, cache: Path) -> bytes:
    """Return the archive's bytes, downloaded once into ``cache`` and checked by hash."""
    path = cache / archive.name
    if path.exists():
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == archive.sha256:
            return data
    with urllib.request.urlopen(archive.url, timeout=120) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != archive.sha256:
        raise RuntimeError(f"{archive.name}: SHA-256 {digest}, expected {archive.sha256}")
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _unpack(data: bytes, wanted: Callable[[str], str | None]) -> dict[str, bytes]:
    # wanted() names a member's file in the result, or None to leave it out.
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = wanted(member.name) if member.isfile() else None
            if name is not None:
                extracted = archive.extractfile(member)
                assert extracted is not None
                found[name] = extracted.read()
    return found


def _sqlite_member(path: str) -> str | None:
    return {"sqlean_py-3.47.0/sqlite/sqlite3.c": "sqlite3.c",
            "sqlean_py-3.47.0/sqlite/sqlite3.h": "sqlite3.h"}.get(path)  # fmt: skip


def _apsw_member(path: str) -> str | None:
    # apsw.c #includes its siblings, so all of src/ is needed; the stub types the module.
    if path.startswith("apsw-3.47.0.0/src/") or path == "apsw-3.47.0.0/apsw/__init__.pyi":
        return path.removeprefix("apsw-3.47.0.0/")
    return None


@dataclass(frozen=True)
class EngineSources:
    """Everything the extension is compiled from, unpacked under one directory."""

    root: Path
    key: str  # identifies the patched SQLite source and the options it is compiled with

    @property
    def sqlite_dir(self) -> Path:
        return self.root / "sqlite"

    @property
    def apsw_src(self) -> Path:
        return self.root / "apsw" / "src"

    @property
    def stub(self) -> Path:
        return self.root / "apsw" / "apsw" / "__init__.pyi"


def prepare(build_root: Path) -> EngineSources:
    """Download (once), check, unpack and patch the sources under ``build_root``."""
    downloads = build_root / "downloads"
    sqlite = _unpack(fetch(SQLEAN, downloads), _sqlite_member)
    amalgamation = sqlite["sqlite3.c"].decode("utf-8")
    end = amalgamation.index(_AMALGAMATION_END) + len(_AMALGAMATION_END)
    patched = patch_amalgamation(amalgamation[:end])
    options = repr((WORKERD_DEFINES, BUILD_DEFINES, HIDDEN_SYMBOLS, COMPILE_ARGS))
    key = hashlib.sha256((patched + options).encode()).hexdigest()[:16]
    root = build_root / key
    files = {"sqlite/sqlite3.c": patched.encode(), "sqlite/sqlite3.h": sqlite["sqlite3.h"]}
    apsw = _unpack(fetch(APSW, downloads), _apsw_member)
    apsw["src/util.c"] = patch_apsw_util(apsw["src/util.c"].decode("utf-8")).encode("utf-8")
    files.update({f"apsw/{name}": data for name, data in apsw.items()})
    for name, data in files.items():
        path = root / name
        if not path.exists() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return EngineSources(root, key)
