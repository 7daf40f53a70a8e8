"""One validation for every KV write: the binding, seeding, the REST server, the remote client.

A write is checked in two steps, as Workers checks it (Miniflare's ``validatePutOptions``
plays the second part for both its binding and its HTTP API):

1. ``put_arguments`` / ``put_options``: the runtime's argument conversion, client side
   (``KVArgumentError``; ``TypeError``/``ValueError`` from ``json`` for metadata JSON cannot
   hold). The value becomes bytes, or stays an async iterable for ``read_value`` to read.
2. ``validate_put``: the KV service's checks, in its order - key (414 / 400), expiration
   (400), metadata size (413), value size (413) - giving a ``KVWrite``, the record storage
   receives; a streamed value is read last (``read_value``), as the service reads a body.
   With ``now=None`` the checks that need the service's clock (an absolute ``expiration``
   against now) are left to the service: that is how the remote client validates, since
   only the server's clock decides.

Nothing here touches storage, so a write that fails any check writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterable
from dataclasses import dataclass, replace
from typing import Any

from emulator.errors import KVArgumentError
from emulator.kv import constants as c
from emulator.kv.storage import WriteRow
from emulator.kv.validation import (
    check_key,
    check_metadata_length,
    coerce_long,
    encode_checked_key,
    metadata_text,
    resolve_expiration,
)
from emulator.kv.values import check_value_length, read_stream, value_bytes

__all__ = [
    "KVWrite",
    "PutArguments",
    "PutOptions",
    "put_arguments",
    "put_options",
    "read_value",
    "validate_put",
]


# These records are not frozen only because a frozen dataclass's __init__ would cost more
# than the checks themselves on every put; nothing changes them once made.
@dataclass(slots=True)
class PutOptions:
    """``put``'s options after argument conversion: int seconds and serialised metadata."""

    expiration: int | None = None
    expiration_ttl: int | None = None
    #: ``(JSON text, UTF-8 length)``, or ``None`` for no metadata.
    metadata: tuple[str, int] | None = None


NO_OPTIONS = PutOptions()


@dataclass(slots=True)
class PutArguments:
    """One ``put`` call after argument conversion, before the service's checks."""

    key: str
    #: The value's bytes; ``b""`` when the value is ``stream``, read by ``read_value``.
    data: bytes
    options: PutOptions
    stream: AsyncIterable[object] | None = None


@dataclass(slots=True)
class KVWrite:
    """A validated write: the key's UTF-8 bytes, value, metadata JSON text and expiration.

    ``expiration`` is absolute epoch seconds once resolved against the service's clock.
    Validated without a clock (``now=None``), ``expiration_ttl`` keeps a requested TTL for
    the service to resolve, and ``expiration`` is ``None`` whenever a TTL was given (the
    TTL wins, as in the runtime).
    """

    key: bytes
    value: bytes
    metadata: str | None
    expiration: int | None
    expiration_ttl: int | None = None

    @property
    def name(self) -> str:
        """The key as text."""
        return self.key.decode()

    @property
    def row(self) -> WriteRow:
        """The row a ``KVStore`` writes (needs an absolute ``expiration``: a clock)."""
        return self.key, self.expiration, self.metadata, self.value


def put_options(expiration: object, expiration_ttl: object, metadata: Any) -> PutOptions:
    """Convert ``put``'s options as workerd does; raise ``KVArgumentError`` for non-numbers.

    Floats are truncated; values outside int32 are refused. ``metadata`` is serialised like
    ``JSON.stringify`` (``TypeError``/``ValueError`` for what JSON cannot hold).
    """
    if expiration is None and expiration_ttl is None and metadata is None:
        return NO_OPTIONS
    return PutOptions(
        None if expiration is None else coerce_long(expiration, "expiration"),
        None if expiration_ttl is None else coerce_long(expiration_ttl, "expiration_ttl"),
        None if metadata is None else metadata_text(metadata),
    )


def put_arguments(
    key: object,
    value: object,
    *,
    expiration: object = None,
    expiration_ttl: object = None,
    metadata: Any = None,
    streams: bool = True,
) -> PutArguments:
    """Convert one ``put`` call's arguments, client side, in the runtime's order.

    The key must be a ``str`` and neither empty nor ``"."``/``".."``; the value a ``str``,
    bytes-like, or (with ``streams``) an async iterable of bytes-like chunks. Raises
    ``KVArgumentError``, or ``TypeError``/``ValueError`` for metadata JSON cannot hold.
    """
    if key.__class__ is not str and not isinstance(key, str):
        raise KVArgumentError(c.KEY_NOT_STRING.format(method="put", expected="string"))
    options = put_options(expiration, expiration_ttl, None)
    if not key or key == "." or key == "..":
        check_key(key)
    data = value_bytes(value)
    if data is None and not streams:  # an async iterable where only values are taken
        raise KVArgumentError(c.VALUE_TYPE)
    if metadata is not None:
        options = replace(options, metadata=metadata_text(metadata))
    if data is None:
        return PutArguments(key, b"", options, value)  # type: ignore[arg-type]
    return PutArguments(key, data, options)


async def read_value(write: KVWrite, arguments: PutArguments) -> KVWrite:
    """The write with its streamed value read in, once the other checks passed.

    Raises ``KVArgumentError`` for a chunk that is not bytes-like and ``KVError`` 413 past
    25 MiB (the stream is read to its end to name the full length, as the runtime does).
    """
    if arguments.stream is None:
        return write
    return replace(write, value=await read_stream(arguments.stream))


def validate_put(arguments: PutArguments, *, now: float | None) -> KVWrite:
    """Run the KV service's checks on converted arguments and return the write to store.

    ``now``: the service clock's reading; ``None`` leaves the checks of an absolute
    ``expiration`` against it to the service (the TTL's own checks still run). Raises
    ``KVError``: 414 for a key over 512 bytes and 400 for one with a lone surrogate, 400
    for an invalid expiration, 413 for metadata over 1024 bytes or a value over 25 MiB.
    A streamed value is read afterwards, by ``read_value``: the write's ``value`` is empty
    until then.
    """
    encoded = encode_checked_key(arguments.key, c.PUT)
    options = arguments.options
    expiration: int | None = None
    expiration_ttl: int | None = None
    if options.expiration is not None or options.expiration_ttl is not None:
        if now is None:
            # The TTL's checks need no clock; an absolute time is checked by the service.
            resolve_expiration(0, None, options.expiration_ttl)
            expiration_ttl = options.expiration_ttl
            expiration = options.expiration if expiration_ttl is None else None
        else:
            expiration = resolve_expiration(
                math.floor(now), options.expiration, options.expiration_ttl
            )
    metadata_json = None
    if options.metadata is not None:
        check_metadata_length(options.metadata[1])
        metadata_json = options.metadata[0]
    if len(arguments.data) > c.MAX_VALUE_BYTES:
        check_value_length(len(arguments.data))
    return KVWrite(encoded, arguments.data, metadata_json, expiration, expiration_ttl)
