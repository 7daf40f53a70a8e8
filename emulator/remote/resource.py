"""What both remote bindings share: their id and name, their API path, and the transport."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

from emulator.remote.transport import Transport

__all__ = ["RemoteResource"]


class RemoteResource:
    """A KV namespace or D1 database reached over the REST API.

    With ``transport=None`` the binding makes its own pooled client (closed by ``aclose()``);
    an env passes the one client all its bindings share (the env closes it).
    """

    #: The resource's collection under the account (``storage/kv/namespaces``, ...).
    collection: ClassVar[str]
    #: What the resource is called in messages (``namespace``, ``database``).
    noun: ClassVar[str]

    def __init__(
        self,
        resource_id: str,
        *,
        account_id: str,
        api_token: str,
        base_url: str | None,
        transport: Transport | None,
        name: str | None,
    ) -> None:
        if not resource_id or not account_id:
            raise ValueError(f"a {self.noun} id and an account id are required")
        self.id = resource_id
        self.name = name if name is not None else resource_id
        self._owns_transport = transport is None
        if transport is None:
            transport = Transport(api_token=api_token, base_url=base_url)
        self._transport = transport
        account, resource = quote(account_id, safe=""), quote(resource_id, safe="")
        self._path = f"accounts/{account}/{self.collection}/{resource}"

    async def aclose(self) -> None:
        """Close the HTTP client (when this binding made its own)."""
        if self._owns_transport:
            await self._transport.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, id={self.id!r}, {self._transport.base_url})"
