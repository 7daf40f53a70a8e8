"""Checks on SQLite database images (``sqlite3_serialize`` bytes) before they replace data.

KV namespaces and D1 databases restore from images (``restore(image)``); a wrong buffer is
refused before the live database is touched, so a bad call loses nothing.
"""

from __future__ import annotations

__all__ = ["check_image", "user_version"]

_HEADER = b"SQLite format 3\x00"
_HEADER_SIZE = 100


def check_image(image: object, what: str) -> bytes:
    """Return ``image`` as bytes if it is a SQLite database image; else raise.

    ``TypeError`` for something that is not bytes-like, ``ValueError`` for bytes that do
    not start with SQLite's header. ``what`` names the kind of image in the message.
    """
    if not isinstance(image, bytes | bytearray | memoryview):
        raise TypeError(f"a {what} image is bytes, not {type(image).__name__}")
    data = bytes(image)
    if len(data) < _HEADER_SIZE or not data.startswith(_HEADER):
        raise ValueError(f"not a {what} image: the bytes are not a SQLite database")
    return data


def user_version(image: bytes) -> int:
    """The ``PRAGMA user_version`` an image carries (header offset 60, big-endian)."""
    return int.from_bytes(image[60:64], "big")
