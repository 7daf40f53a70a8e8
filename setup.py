"""Builds the D1 engine extension, ``emulator._apsw`` (native/engine_build.py says what and
why); everything else about the package is in pyproject.toml."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "native"))

from engine_build import (  # noqa: E402
    BUILD_DEFINES,
    COMPILE_ARGS,
    HIDDEN_SYMBOLS,
    WORKERD_DEFINES,
    prepare,
)

ENGINE = "emulator._apsw"


class BuildEngine(build_ext):
    """Compiles SQLite once per source and options (cached), then apsw against it."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name != ENGINE:
            super().build_extension(ext)
            return
        sources = prepare(HERE / "build" / "engine")
        ext.sources = [str(sources.apsw_src / "apsw.c")]
        ext.include_dirs = [str(sources.sqlite_dir), str(sources.apsw_src)]
        ext.define_macros = [*WORKERD_DEFINES, *BUILD_DEFINES, ("PyInit_apsw", "PyInit__apsw")]
        ext.extra_objects = [self._sqlite_object(sources.sqlite_dir, sources.root)]
        ext.libraries = [] if self._msvc else ["m"]
        super().build_extension(ext)
        shutil.copyfile(sources.stub, self._stub_beside(self.get_ext_fullpath(ext.name)))

    def copy_extensions_to_source(self) -> None:
        # An editable install copies the built module into the source tree: the stub too.
        super().copy_extensions_to_source()
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            if ext.name == ENGINE:
                inplace, built = self._get_inplace_equivalent(build_py, ext)
                shutil.copyfile(self._stub_beside(built), self._stub_beside(inplace))

    @staticmethod
    def _stub_beside(module: str) -> Path:
        return Path(module).with_name("_apsw.pyi")

    @property
    def _msvc(self) -> bool:
        return self.compiler.compiler_type == "msvc"

    def _sqlite_object(self, sqlite_dir: Path, root: Path) -> str:
        cached = root / self.compiler.object_filenames(["sqlite3.c"])[0]
        if not cached.exists():
            hidden = [] if self._msvc else [HIDDEN_SYMBOLS]
            (built,) = self.compiler.compile(
                [str(sqlite_dir / "sqlite3.c")],
                output_dir=str(root / "objects"),
                macros=[*WORKERD_DEFINES, *BUILD_DEFINES, *hidden],
                extra_postargs=["/O2"] if self._msvc else list(COMPILE_ARGS),
            )
            Path(built).replace(cached)
        return str(cached)


setup(ext_modules=[Extension(ENGINE, sources=[])], cmdclass={"build_ext": BuildEngine})
