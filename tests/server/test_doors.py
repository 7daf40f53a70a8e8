"""One state, three doors: in-process, over HTTP, and through respx, on one Emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cloudflare import Cloudflare

from emulator import Emulator
from emulator.server import mock_cloudflare_api
from tests.server.helpers import ACCOUNT, TOKEN, LiveServer

Write = Callable[[str, bytes], None]
Read = Callable[[str], bytes | None]


def doors(emu: Emulator, live: LiveServer) -> tuple[dict[str, Write], dict[str, Read]]:
    kv = emu.kv("SESSIONS")
    http = Cloudflare(api_token=TOKEN, base_url=f"{live.url}/client/v4", max_retries=0)
    mocked = Cloudflare(api_token=TOKEN, max_retries=0)

    def sdk_write(client: Cloudflare, key: str, value: bytes) -> None:
        client.kv.namespaces.values.update(key, account_id=ACCOUNT, namespace_id=kv.id, value=value)

    def sdk_read(client: Cloudflare, key: str) -> bytes:
        return client.kv.namespaces.values.get(key, account_id=ACCOUNT, namespace_id=kv.id).read()

    def respx_write(key: str, value: bytes) -> None:
        with mock_cloudflare_api(emu):
            sdk_write(mocked, key, value)

    def respx_read(key: str) -> bytes:
        with mock_cloudflare_api(emu):
            return sdk_read(mocked, key)

    def in_process_read(key: str) -> bytes | None:
        entry = kv.entry(key)
        return None if entry is None else entry.value

    writers: dict[str, Write] = {
        "in-process": lambda key, value: kv.seed({key: value}) and None,
        "http": lambda key, value: sdk_write(http, key, value),
        "respx": respx_write,
    }
    readers: dict[str, Read] = {
        "in-process": in_process_read,
        "http": lambda key: sdk_read(http, key),
        "respx": respx_read,
    }
    return writers, readers


@pytest.mark.parametrize("door", ["in-process", "http", "respx"])
def test_a_write_through_any_door_is_read_through_every_door(
    door: str, emu: Emulator, live: LiveServer
) -> None:
    writers, readers = doors(emu, live)
    writers[door]("shared", f"written via {door}".encode())
    for name, read in readers.items():
        assert read("shared") == f"written via {door}".encode(), name
