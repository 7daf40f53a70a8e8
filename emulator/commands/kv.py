"""``python -m emulator kv ...``: wrangler's local KV commands, on the emulator's state.

Flags and output follow ``wrangler kv ... --local`` (wrangler 4): ``--binding`` or
``--namespace-id`` picks the namespace, a binding is looked up in the wrangler config, then
in the folder's registry, then among namespace titles (``kv namespace create`` makes a
namespace without a binding); ``key put`` prints ``Writing the value "v" to key "k" on
namespace binding: "CACHE" (id: "...").``; ``key list`` and ``namespace list`` print
JSON arrays; ``key get`` of a missing key prints ``Value not found`` and succeeds, as
wrangler does. Where wrangler writes a value's raw bytes, so does ``key get`` (no newline
added, so ``> file`` keeps the value exact); ``--text`` prints it as text with a newline.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from emulator.commands.state import (
    CommandError,
    State,
    add_state_arguments,
    path_segment,
    read_input,
    with_state,
)

__all__ = ["add_commands"]

NAMESPACES = "storage/kv/namespaces"
_PAGE = 1000
# The REST API takes at most 10,000 pairs per bulk request.
_BULK_CHUNK = 10_000


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``kv namespace|key|bulk ...`` to the top-level parser's subcommands."""
    kv = commands.add_parser("kv", help="KV namespaces, keys and bulk writes (like `wrangler kv`)")
    groups = kv.add_subparsers(dest="kv_group", required=True, metavar="GROUP")

    namespace = groups.add_parser("namespace", help="list or create namespaces")
    ns_commands = namespace.add_subparsers(dest="kv_command", required=True, metavar="COMMAND")
    ns_list = ns_commands.add_parser("list", help="print every namespace as JSON")
    add_state_arguments(ns_list)
    ns_list.set_defaults(run=with_state(namespace_list))
    ns_create = ns_commands.add_parser("create", help="create a namespace titled NAMESPACE")
    ns_create.add_argument("namespace", help="the new namespace's title")
    ns_create.add_argument("--binding", help="the binding name to suggest for your config")
    add_state_arguments(ns_create)
    ns_create.set_defaults(run=with_state(namespace_create))

    key = groups.add_parser("key", help="put, get, list or delete single keys")
    key_commands = key.add_subparsers(dest="kv_command", required=True, metavar="COMMAND")
    put = key_commands.add_parser("put", help="write one value")
    put.add_argument("key", help="the key to write to")
    put.add_argument("value", nargs="?", help="the value to write")
    put.add_argument("--path", type=Path, help="read the value from this file")
    put.add_argument("--ttl", type=int, help="seconds for which the entry is visible")
    put.add_argument("--expiration", type=int, help="UNIX time after which the entry expires")
    put.add_argument("--metadata", help="JSON associated with the key")
    _namespace_arguments(put)
    put.set_defaults(run=with_state(key_put))
    get = key_commands.add_parser("get", help="print one value")
    get.add_argument("key", help="the key to read")
    get.add_argument("--text", action="store_true", help="decode the value as UTF-8 text")
    _namespace_arguments(get)
    get.set_defaults(run=with_state(key_get))
    listing = key_commands.add_parser("list", help="print the keys as JSON")
    listing.add_argument("--prefix", help="only keys starting with this")
    _namespace_arguments(listing)
    listing.set_defaults(run=with_state(key_list))
    delete = key_commands.add_parser("delete", help="delete one key")
    delete.add_argument("key", help="the key to delete")
    _namespace_arguments(delete)
    delete.set_defaults(run=with_state(key_delete))

    bulk = groups.add_parser("bulk", help="write or delete many keys from a JSON file")
    bulk_commands = bulk.add_subparsers(dest="kv_command", required=True, metavar="COMMAND")
    bulk_put = bulk_commands.add_parser(
        "put", help='write [{"key", "value", "base64"?, "expiration"?, ...}] from FILE'
    )
    bulk_put.add_argument("filename", type=Path, help="a JSON array of key-value pairs")
    _namespace_arguments(bulk_put)
    bulk_put.set_defaults(run=with_state(bulk_write))
    bulk_delete = bulk_commands.add_parser("delete", help='delete ["key", ...] from FILE')
    bulk_delete.add_argument("filename", type=Path, help="a JSON array of key names")
    bulk_delete.add_argument("-f", "--force", action="store_true", help="(never asks anyway)")
    _namespace_arguments(bulk_delete)
    bulk_delete.set_defaults(run=with_state(bulk_remove))


def _namespace_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--binding", help="the namespace's binding name")
    which.add_argument("--namespace-id", help="the namespace's id")
    add_state_arguments(parser)


def _namespace(args: argparse.Namespace, state: State) -> tuple[str, str]:
    """The namespace id, and how wrangler names it in messages."""
    if args.namespace_id is not None:
        return args.namespace_id, f'id: "{args.namespace_id}"'
    binding = args.binding
    found = None
    if state.config is not None:
        found = next((k.local_id for k in state.config.kv_namespaces if k.binding == binding), None)
    if found is None:
        found = state.bindings.get(("kv", binding))
    if found is None:  # a namespace made by `kv namespace create` has a title, no binding
        titled = [ns for ns in _all_namespaces(state) if ns.get("title") == binding]
        found = titled[0]["id"] if titled else None
    if found is None:
        raise CommandError(
            f'A namespace with binding name "{binding}" was not found in the configured '
            '"kv_namespaces".'
        )
    return found, f'binding: "{binding}" (id: "{found}")'


def _values_path(namespace_id: str, key: str) -> str:
    return f"{NAMESPACES}/{path_segment(namespace_id)}/values/{path_segment(key)}"


def namespace_list(args: argparse.Namespace, state: State) -> None:
    """Print every namespace, as ``wrangler kv namespace list`` does."""
    print(json.dumps(_all_namespaces(state), indent=2, ensure_ascii=False))


def _all_namespaces(state: State) -> list[Any]:
    namespaces: list[Any] = []
    page = 1
    while True:
        batch = state.result("GET", NAMESPACES, query={"page": page, "per_page": _PAGE})
        namespaces.extend(batch)
        if len(batch) < _PAGE:
            break
        page += 1
    return namespaces


def namespace_create(args: argparse.Namespace, state: State) -> None:
    """Create a namespace and print the config snippet that binds it."""
    print(f'Creating namespace with title "{args.namespace}"')
    created = state.result("POST", NAMESPACES, json_body={"title": args.namespace})
    print("Success!")
    print("Add the following to your configuration file in your kv_namespaces array:")
    binding = args.binding or args.namespace
    print(json.dumps({"kv_namespaces": [{"binding": binding, "id": created["id"]}]}, indent=2))


def key_put(args: argparse.Namespace, state: State) -> None:
    """Write one value (multipart, with metadata when given)."""
    namespace_id, shown = _namespace(args, state)
    if (args.value is None) == (args.path is None):
        raise CommandError("give exactly one of a value and --path")
    value = read_input(args.path, "value file") if args.path else args.value.encode("utf-8")
    parts: list[tuple[str, bytes]] = [("value", value)]
    if args.metadata is not None:
        try:
            json.loads(args.metadata)
        except ValueError as exc:
            raise CommandError(f"--metadata is not valid JSON: {exc}") from None
        parts.append(("metadata", args.metadata.encode("utf-8")))
    body, content_type = _form_data(parts)
    state.result(
        "PUT",
        _values_path(namespace_id, args.key),
        query={"expiration_ttl": args.ttl, "expiration": args.expiration},
        body=body,
        content_type=content_type,
    )
    what = (
        f"the contents of {args.path} to the key"
        if args.path
        else f'the value "{args.value}" to key'
    )
    suffix = f' with metadata "{args.metadata}"' if args.metadata is not None else ""
    print(f'Writing {what} "{args.key}" on namespace {shown}{suffix}.')


def key_get(args: argparse.Namespace, state: State) -> None:
    """Print one value, or ``Value not found``."""
    namespace_id, _ = _namespace(args, state)
    response = state.call("GET", _values_path(namespace_id, args.key))
    if response.status == 404:
        payload = response.json()
        if payload.get("errors", [{}])[0].get("code") == 10009:
            print("Value not found")
            return
    if response.status != 200:
        state.result("GET", _values_path(namespace_id, args.key))  # raises with the message
    if args.text:
        print(response.body.decode("utf-8", "replace"))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(response.body)


def key_list(args: argparse.Namespace, state: State) -> None:
    """Print every key (name, expiration, metadata) as JSON, every page fetched."""
    namespace_id, _ = _namespace(args, state)
    keys: list[Any] = []
    cursor: str | None = None
    while True:
        query = {"prefix": args.prefix, "limit": _PAGE, "cursor": cursor}
        page = state.envelope("GET", f"{NAMESPACES}/{path_segment(namespace_id)}/keys", query=query)
        keys.extend(page["result"])
        cursor = (page.get("result_info") or {}).get("cursor")
        if not cursor:
            break
    print(json.dumps(keys, indent=2, ensure_ascii=False))


def key_delete(args: argparse.Namespace, state: State) -> None:
    """Delete one key."""
    namespace_id, shown = _namespace(args, state)
    state.result("DELETE", _values_path(namespace_id, args.key))
    print(f'Deleting the key "{args.key}" on namespace {shown}.')


def _json_file(path: Path) -> Any:
    try:
        return json.loads(read_input(path, "file"))
    except ValueError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}") from None


def bulk_write(args: argparse.Namespace, state: State) -> None:
    """Write every pair of a JSON file (each request validated whole before writing)."""
    namespace_id, _ = _namespace(args, state)
    pairs = _json_file(args.filename)
    if not isinstance(pairs, list):
        raise CommandError(f"{args.filename} must hold a JSON array of key-value pairs")
    for start in range(0, max(len(pairs), 1), _BULK_CHUNK):
        chunk = pairs[start : start + _BULK_CHUNK]
        state.result("PUT", f"{NAMESPACES}/{path_segment(namespace_id)}/bulk", json_body=chunk)
    print("Success!")


def bulk_remove(args: argparse.Namespace, state: State) -> None:
    """Delete every key named in a JSON file (strings, or objects with a ``name``)."""
    namespace_id, _ = _namespace(args, state)
    names = _json_file(args.filename)
    if not isinstance(names, list):
        raise CommandError(f"{args.filename} must hold a JSON array of key names")
    keys = [item.get("name") if isinstance(item, dict) else item for item in names]
    for start in range(0, max(len(keys), 1), _BULK_CHUNK):
        chunk = keys[start : start + _BULK_CHUNK]
        path = f"{NAMESPACES}/{path_segment(namespace_id)}/bulk/delete"
        state.result("POST", path, json_body=chunk)
    print("Success!")


def _form_data(parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """``multipart/form-data`` with one part per (name, bytes), as the SDK sends it."""
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, data in parts:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        )
        chunks.append(data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
