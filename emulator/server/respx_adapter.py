"""The respx adapter: httpx calls to ``https://api.cloudflare.com`` answered in-process.

The same ``RestApi`` core as the HTTP server answers, so the official SDK (``Cloudflare`` or
``AsyncCloudflare``, or any httpx client) sees the same behaviour without a socket::

    with mock_cloudflare_api(emulator):
        cf = Cloudflare(api_token="test", max_retries=0)
        cf.kv.namespaces.list(account_id="any")

The handler is synchronous and serves sync and async clients alike: the emulator's
coroutines never suspend, so each request is driven to completion without an event loop
(``run_without_loop`` raises ``RuntimeError`` if one ever did).
"""

from __future__ import annotations

import httpx
import respx

from emulator.core import Emulator
from emulator.server.envelope import ApiRequest
from emulator.server.rest import RestApi

__all__ = ["DEFAULT_BASE_URL", "RespxHandler", "mock_cloudflare_api"]

DEFAULT_BASE_URL = "https://api.cloudflare.com"


class RespxHandler:
    """A respx side effect: ``httpx.Request`` in, ``httpx.Response`` out, from a ``RestApi``.

    Use it on a route of your own router: ``router.route(host=...).mock(side_effect=h)``.
    """

    def __init__(self, api: RestApi) -> None:
        self.api = api

    def __call__(self, request: httpx.Request) -> httpx.Response:
        try:
            body = request.content
        except httpx.RequestNotRead:
            body = request.read()
        answer = self.api.handle_sync(
            ApiRequest(
                method=request.method,
                target=request.url.raw_path.decode("ascii"),
                headers=dict(request.headers),
                body=body,
            )
        )
        return httpx.Response(answer.status, headers=list(answer.headers), content=answer.body)


def mock_cloudflare_api(
    emulator: Emulator | RestApi,
    *,
    base_url: str = DEFAULT_BASE_URL,
    api_token: str | None = None,
    assert_all_mocked: bool = True,
) -> respx.MockRouter:
    """Return a respx router answering every request to ``base_url`` from ``emulator``.

    Enter it (``with``/``async with``) to patch httpx. Requests to other hosts raise
    respx's ``AllMockedAssertionError`` unless ``assert_all_mocked`` is false (they then
    get an empty 200). ``api_token`` is ignored when a ``RestApi`` is given (it has its
    own).
    """
    api = emulator if isinstance(emulator, RestApi) else RestApi(emulator, api_token=api_token)
    url = httpx.URL(base_url)
    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=assert_all_mocked)
    if url.port is None:
        route = router.route(scheme=url.scheme, host=url.host)
    else:
        route = router.route(scheme=url.scheme, host=url.host, port=url.port)
    route.mock(side_effect=RespxHandler(api))
    return router
