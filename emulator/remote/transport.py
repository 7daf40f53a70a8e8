"""One pooled HTTP client per env: keep-alive, timeouts, retries, and errors in the bindings' words.

The retry policy is the official ``cloudflare`` SDK's: up to two retries on 408, 409, 429
and 5xx (and when the server says ``x-should-retry: true``; never when it says ``false``),
and on connection failures; the delay is ``retry-after-ms`` or ``retry-after`` (seconds or
an HTTP date) when the server asks for at most 60 s, else ``0.5 * 2**n`` seconds capped at
8 s, minus up to 25 % jitter. A request that is not idempotent (every D1 query) is retried
only when the connection failed before anything was sent: a D1 write that may have run
must never run twice.

Every failure becomes the binding's own error (``KVError`` or ``D1Error``, chosen by the
caller through ``error``) with an HTTP status and a message that names the endpoint and
what to check; a raw ``aiohttp`` exception never reaches the caller.
"""

from __future__ import annotations

import asyncio
import email.utils
import io
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
import yarl

__all__ = [
    "DEFAULT_BASE_URL",
    "RemoteFailure",
    "Response",
    "Transport",
    "retry_delay",
]

DEFAULT_BASE_URL: Final = "https://api.cloudflare.com/client/v4"
MAX_RETRIES: Final = 2
LARGE_BODY: Final = 1024 * 1024
CONNECT_TIMEOUT: Final = 5.0  # seconds, as the SDK
READ_TIMEOUT: Final = 60.0
RETRY_STATUSES: Final = frozenset({408, 409, 429})
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0
# Statuses for failures that have no HTTP answer.
STATUS_UNREACHABLE: Final = 503
STATUS_TIMEOUT: Final = 504


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer: status, headers (lower-case names) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def envelope(self) -> dict[str, Any] | None:
        """The JSON envelope of the body, or ``None`` when it is not one."""
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    def first_error(self) -> tuple[int | None, str]:
        """The envelope's first ``errors`` entry as ``(code, message)``; the body otherwise."""
        envelope = self.envelope()
        errors = None if envelope is None else envelope.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            return (code if isinstance(code, int) else None), str(errors[0].get("message", ""))
        return None, self.body.decode("utf-8", "replace").strip() or f"HTTP {self.status}"


@dataclass(frozen=True, slots=True)
class RemoteFailure:
    """Why a request failed, for the binding to word as its own error."""

    status: int
    #: The Cloudflare error code, when the server sent one.
    code: int | None
    message: str
    #: ``METHOD URL`` of the endpoint that failed.
    endpoint: str
    #: Whether the failure came from the network (no HTTP answer).
    network: bool = False


def _header_seconds(headers: Mapping[str, str]) -> float | None:
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    moment = email.utils.parsedate_to_datetime(value) if value.strip() else None
    return None if moment is None else moment.timestamp() - time.time()


def retry_delay(retry: int, headers: Mapping[str, str], jitter: float) -> float:
    """Seconds to wait before retry number ``retry`` (0-based), as the SDK computes it.

    ``jitter`` in ``[0, 1)`` takes up to 25 % off the backoff; a server's ``Retry-After``
    of more than 0 and at most 60 s is used as it is.
    """
    try:
        asked = _header_seconds(headers)
    except (TypeError, ValueError, IndexError):  # an unparsable HTTP date
        asked = None
    if asked is not None and 0 < asked <= MAX_RETRY_AFTER:
        return asked
    backoff = min(INITIAL_RETRY_DELAY * 2.0**retry, MAX_RETRY_DELAY)
    return backoff * (1 - 0.25 * jitter)


def _should_retry(response: Response) -> bool:
    explicit = response.headers.get("x-should-retry")
    if explicit == "true":
        return True
    if explicit == "false":
        return False
    return response.status in RETRY_STATUSES or response.status >= 500


class Transport:
    """The pooled HTTP client of one env (or one binding made on its own).

    ``base_url`` ends in ``/client/v4``; paths are relative to it. The aiohttp session is
    created on first use, inside the running event loop, and closed by ``aclose()``.
    ``max_retries`` and ``sleep`` are there for tests (``sleep`` receives each delay).
    """

    def __init__(
        self,
        *,
        api_token: str,
        base_url: str | None = None,
        max_retries: int = MAX_RETRIES,
        timeout: float = READ_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.max_retries = max_retries
        self._headers = {
            "Authorization": f"Bearer {api_token}",
            "Accept": "application/json",
            "User-Agent": "cf-kv-d1-emulator-remote",
        }
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=connect_timeout, sock_read=timeout
        )
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _client(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this remote env is closed")
        session = self._session
        if session is None:
            connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=15)
            session = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers,
                timeout=self._timeout,
                # Keys are percent-encoded by the bindings; yarl must not decode them.
                requote_redirect_url=False,
            )
            self._session = session
        return session

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response | RemoteFailure:
        """Send one request (retrying as the SDK does) and return the answer or the failure.

        A 2xx answer is a ``Response``; anything else a ``RemoteFailure``. ``path`` must
        already be percent-encoded.
        """
        url = f"{self.base_url}/{path}"
        endpoint = f"{method} {url}"
        retry = 0
        while True:
            try:
                response = await self._send(method, url, params, json_body, data, headers)
            except aiohttp.ClientConnectorError as exc:
                # Nothing was sent: safe to retry even a D1 write.
                failure = RemoteFailure(
                    STATUS_UNREACHABLE, None, f"cannot connect ({exc.os_error})", endpoint, True
                )
                if retry < self.max_retries:
                    await self._sleep(retry_delay(retry, {}, random.random()))
                    retry += 1
                    continue
                return failure
            except TimeoutError:
                failure = RemoteFailure(
                    STATUS_TIMEOUT, None, "no answer in time", endpoint, network=True
                )
            except aiohttp.ClientError as exc:
                failure = RemoteFailure(
                    STATUS_UNREACHABLE, None, f"connection failed ({exc})", endpoint, True
                )
            else:
                if 200 <= response.status < 300:
                    return response
                code, message = response.first_error()
                failure = RemoteFailure(response.status, code, message, endpoint)
                if idempotent and retry < self.max_retries and _should_retry(response):
                    await self._sleep(retry_delay(retry, response.headers, random.random()))
                    retry += 1
                    continue
                return failure
            if not idempotent or retry >= self.max_retries:
                return failure
            await self._sleep(retry_delay(retry, {}, random.random()))
            retry += 1

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        data: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> Response:
        if json_body is not None:
            data = json.dumps(json_body, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json"}
        # aiohttp streams a large body from a file object (a fresh one on every attempt)
        # instead of writing it from the event loop in one go.
        body: bytes | io.BytesIO | None = data
        if data is not None and len(data) > LARGE_BODY:
            body = io.BytesIO(data)
        async with self._client().request(
            method, yarl.URL(url, encoded=True), params=params, data=body, headers=headers
        ) as answer:
            body = await answer.read()
            return Response(answer.status, _lower(answer.headers), body)

    async def aclose(self) -> None:
        """Close the pooled connections; later requests raise ``RuntimeError``."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
