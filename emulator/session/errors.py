"""The session port's exceptions, kept small as the seed's single ``CfError`` is::

    CfError                      every error of ``emulator.cf`` and ``emulator.session``;
    │                            str() is the text (request context, bindings)
    ├── SessionError             a session operation failed: not configured, not loaded,
    │   │                        load / save / delete failed, a value that is not JSON or
    │   │                        not of the type asked for
    │   └── SessionConflictError another request saved or ended the session since this
    │                            one loaded it (only with ``detect_conflicts()``)
    └── CfArgumentError          also a ValueError: an argument refused up front, before any
                                 request (SessionConfig fields, cookie names and values)

Backend errors (``KVError``, ``D1Error`` or whatever a real binding raises) are wrapped in
``SessionError`` with the seed's prefix and kept as ``__cause__``.
"""

from __future__ import annotations

__all__ = ["CfArgumentError", "CfError", "SessionConflictError", "SessionError"]


class CfError(Exception):
    """Base class of the errors raised by ``emulator.cf`` and ``emulator.session``."""


class SessionError(CfError):
    """A session could not be loaded, changed, saved or deleted."""


class SessionConflictError(SessionError):
    """A save would overwrite a change another request made since this one loaded the
    session (or bring back a session it ended); nothing was written."""


class CfArgumentError(CfError, ValueError):
    """An argument was refused before it could reach a request or a backend."""
