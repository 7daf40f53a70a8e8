"""Bad input of every kind: always Cloudflare's envelope, never a 500, nothing stored lost.

Hypothesis throws random methods, paths (real routes with hostile segments), query
strings, content types and bodies at the core.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import Emulator, ManualClock
from emulator.kv.results import KVEntry
from emulator.server import ApiRequest, RestApi
from tests.server.helpers import START

KV_ID = "0123456789abcdef0123456789abcdef"
D1_ID = "11111111-2222-3333-4444-555555555555"

SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "%2E%2E",
            "..%2F..%2Fetc",
            "%FF",
            "%ED%A0%80",
            "%00",
            "x" * 600,
            KV_ID,
            D1_ID,
            "0" * 32,
            "keys",
            "values",
            "metadata",
            "bulk",
            "delete",
            "get",
            "query",
            "raw",
            "a%2Fb",
            "%",
            "%zz",
            "😀",
            "clock",
            "reset",
            "state",
            "health",
        ]
    ),
    st.text(max_size=8),
)
PREFIXES = st.sampled_from(
    [
        "/client/v4/accounts/acc/storage/kv/namespaces",
        f"/client/v4/accounts/acc/storage/kv/namespaces/{KV_ID}",
        f"/client/v4/accounts/acc/storage/kv/namespaces/{KV_ID}/values",
        f"/client/v4/accounts/acc/storage/kv/namespaces/{KV_ID}/bulk",
        "/client/v4/accounts/acc/d1/database",
        f"/client/v4/accounts/acc/d1/database/{D1_ID}",
        "/__emulator",
        "/",
    ]
)
QUERIES = st.sampled_from(
    [
        "",
        "?limit=0",
        "?limit=abc",
        "?limit=5&cursor=%FF",
        "?prefix=%FF",
        "?expiration_ttl=1",
        "?expiration=nan",
        "?page=-1",
        "?per_page=0",
        "?order=x",
        "?cursor=!!!",
        "?limit=1e309",
        "?expiration_ttl=99999999999999999999",
        "?prefix=" + "a" * 600,
    ]
)
CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=B",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        'multipart/form-data; boundary="unterminated',
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "sql",
                    "params",
                    "batch",
                    "keys",
                    "type",
                    "withMetadata",
                    "title",
                    "name",
                    "key",
                    "value",
                    "base64",
                    "expiration",
                    "expiration_ttl",
                    "metadata",
                    "move_to",
                    "shift",
                    "freeze",
                    "real",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)
BODIES = st.one_of(
    st.binary(max_size=64),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.just(b'--B\r\nContent-Disposition: form-data; name="value"\r\n\r\nv\r\n--B--'),
    st.just(b'--B\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}\r\n--B--'),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"]),
    prefix=PREFIXES,
    segments=st.lists(SEGMENTS, max_size=3),
    query=QUERIES,
    content_type=CONTENT_TYPES,
    body=BODIES,
)
def test_no_request_gets_a_500_or_loses_stored_data(
    method: str,
    prefix: str,
    segments: list[str],
    query: str,
    content_type: str | None,
    body: bytes,
) -> None:
    with Emulator(clock=ManualClock(start=START)) as emu:
        kv = emu.kv("KV", id=KV_ID)
        kv.seed({"keep": "kept"})
        emu.d1("DB", id=D1_ID)
        api = RestApi(emu)
        path = "/".join([prefix.rstrip("/"), *segments]) if segments else prefix
        headers = {} if content_type is None else {"Content-Type": content_type}
        response = api.handle_sync(ApiRequest(method, path + query, headers, body))
        assert response.status < 500, response.body
        if method != "HEAD" and response.header("Content-Type") == "application/json":
            payload = json.loads(response.body)
            assert set(payload) >= {"success", "errors", "messages", "result"}
            assert payload["success"] is (response.status < 400)
        if emu.resource("kv", KV_ID) is not None and response.status >= 400:
            assert emu.kv_namespace(KV_ID).entry("keep") == KVEntry(b"kept", None, None)
