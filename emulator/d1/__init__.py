"""D1: the database binding, statements, results, authorizer and clock functions."""

from emulator.d1.database import D1Database

__all__ = ["D1Database"]
