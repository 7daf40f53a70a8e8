"""The emulator's exception tree.

Every error carries the text the Workers runtime produces, so a test can assert on it
exactly, and the HTTP status production uses, so the REST server can answer with it::

    EmulatorError
    ├── KVError                 str() is the runtime's text, e.g.
    │   │                       "KV PUT failed: 400 Invalid expiration_ttl of 10. ..."
    │   └── KVArgumentError     also a TypeError: client-side argument checks
    │                           ("Key name cannot be empty.")
    └── D1Error                 str() is "D1_ERROR: <sqlite message>: <CODE>" and friends
        └── D1TypeError         also a TypeError: "D1_TYPE_ERROR: Type ... not supported ..."

Errors become HTTP responses in exactly one place: ``emulator.server``.
"""

from __future__ import annotations

__all__ = ["D1Error", "D1TypeError", "EmulatorError", "KVArgumentError", "KVError"]


class EmulatorError(Exception):
    """Base class of every error the emulator raises on purpose."""

    status: int = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class KVError(EmulatorError):
    """A Workers KV operation failed; ``status`` is the HTTP status production uses."""

    status = 400


class KVArgumentError(KVError, TypeError):
    """A KV argument was refused before reaching storage (a JS ``TypeError`` in Workers)."""


class D1Error(EmulatorError):
    """A D1 operation failed; ``str()`` is the runtime's text."""

    status = 400


class D1TypeError(D1Error, TypeError):
    """A value of a type D1 cannot bind (``D1_TYPE_ERROR``), raised by ``bind()``."""
