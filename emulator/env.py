"""``Env``: an emulator's bindings by name, as a Worker's ``env`` gives them.

``env.SESSIONS`` and ``env["DB"]`` return whatever the binding is (typed ``Binding``);
``env.kv("SESSIONS")`` and ``env.d1("DB")`` return it typed (``KVNamespace``,
``D1Database``) and refuse a binding of the other kind, so
``cache: KVNamespace = env.kv("CACHE")`` type-checks and a mix-up fails at once. A name
that is not bound fails with the closest bound names suggested.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from emulator.d1 import D1Database
from emulator.kv import KVNamespace

if TYPE_CHECKING:
    from emulator.core import Emulator
    from emulator.registry import Binding

__all__ = ["Env", "closest_hint"]

_B = TypeVar("_B", KVNamespace, D1Database)


def closest_hint(name: str, names: Iterable[str]) -> str:
    """``"; did you mean 'CACHE'?"`` for the nearest of ``names`` (difflib), or ``""``."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Env:
    """Attribute and item access to an emulator's bindings: ``env.SESSIONS``, ``env["DB"]``.

    ``kv(name)`` and ``d1(name)`` are the typed accessors. A binding called ``kv``, ``d1``
    or ``get`` is still reachable as ``env["kv"]``.
    """

    __slots__ = ("_emulator",)
    _emulator: Emulator

    def __init__(self, emulator: Emulator) -> None:
        object.__setattr__(self, "_emulator", emulator)

    def __getattr__(self, name: str) -> Binding:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(self._missing(name)) from None

    def __getitem__(self, name: str) -> Binding:
        binding = self._emulator.binding(name)
        if binding is None:
            raise KeyError(self._missing(name))
        return binding

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("bindings are created with Emulator.kv(name) or Emulator.d1(name)")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._emulator.binding(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._emulator.binding_names())

    def __dir__(self) -> list[str]:
        return [*self._emulator.binding_names(), *super().__dir__()]

    def get(self, name: str) -> Binding | None:
        """Return the binding called ``name``, or ``None``."""
        return self._emulator.binding(name)

    def kv(self, name: str) -> KVNamespace:
        """Return the KV namespace bound as ``name``.

        Raises ``KeyError`` if nothing is bound as ``name`` (naming the closest binding)
        and ``TypeError`` if ``name`` is a D1 binding.
        """
        return self._typed(name, KVNamespace)

    def d1(self, name: str) -> D1Database:
        """Return the D1 database bound as ``name``.

        Raises ``KeyError`` if nothing is bound as ``name`` (naming the closest binding)
        and ``TypeError`` if ``name`` is a KV binding.
        """
        return self._typed(name, D1Database)

    def _typed(self, name: str, kind: type[_B]) -> _B:
        binding = self[name]
        if not isinstance(binding, kind):
            wanted, actual = ("kv", "d1") if kind is KVNamespace else ("d1", "kv")
            raise TypeError(
                f"binding {name!r} is a {actual.upper()} binding, not {wanted.upper()}: "
                f"use env.{actual}({name!r})"
            )
        return binding

    def _missing(self, name: str) -> str:
        names = self._emulator.binding_names()
        known = ", ".join(names) or "none yet"
        return (
            f"no binding named {name!r} (bindings: {known}){closest_hint(name, names)}; "
            "create it with Emulator.kv(name) or Emulator.d1(name)"
        )

    def __repr__(self) -> str:
        return f"Env({', '.join(self._emulator.binding_names())})"
