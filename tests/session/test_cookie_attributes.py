"""``SessionConfig...cookie(domain, path, secure, same_site, http_only)``: the seed's
attributes by default, others on request, and what browsers would drop refused when the
config is built.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from emulator import cf
from emulator.session import CfArgumentError, SessionConfig, SessionCookie
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, cookie_header, session_id_of, set_cookies


async def visit(request: web.Request) -> web.Response:
    session = await cf.session()
    if "logout" in request.query:
        session.destroy()
    else:
        session["user"] = "ada"
    return web.Response()


def test_the_default_cookie_is_the_seeds() -> None:
    cookie = SessionConfig.kv("SESSIONS").session_cookie
    assert cookie == SessionCookie("__session", None, "/", True, "Strict", True)
    assert cookie.set_header("abc", 60) == (
        "__session=abc; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=60"
    )


@pytest.mark.parametrize(
    ("options", "line"),
    [
        ({}, "sid=V; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=3600"),
        ({"same_site": "Lax"}, "sid=V; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=3600"),
        (
            {"same_site": "None"},
            "sid=V; HttpOnly; Secure; SameSite=None; Path=/; Max-Age=3600",
        ),
        (
            {"domain": "example.com", "path": "/app"},
            "sid=V; HttpOnly; Secure; SameSite=Strict; Path=/app; Domain=example.com; Max-Age=3600",
        ),
        (
            {"secure": False, "http_only": False, "same_site": "Lax"},
            "sid=V; SameSite=Lax; Path=/; Max-Age=3600",
        ),
    ],
)
async def test_the_session_cookie_carries_the_configured_attributes(
    make_client: ClientFactory, backend: Backend, options: dict[str, object], line: str
) -> None:
    config = backend.config.cookie_name("sid").max_age(3600).cookie(**options)  # type: ignore[arg-type]
    client = await make_client(visit, config=config)
    response = await client.get("/")
    session_id = session_id_of(response, "sid")
    assert set_cookies(response) == [line.replace("V", session_id, 1)]
    assert await backend.stored_json(session_id) == {"user": "ada"}
    cleared = await client.get("/?logout", headers=cookie_header(session_id, "sid"))
    assert set_cookies(cleared) == [line.replace("V", "", 1).replace("Max-Age=3600", "Max-Age=0")]


def test_cookie_keeps_the_name_and_cookie_name_keeps_the_attributes() -> None:
    config = SessionConfig.kv("SESSIONS").cookie_name("sid").cookie(same_site="Lax")
    assert (config.session_cookie.name, config.session_cookie.same_site) == ("sid", "Lax")
    renamed = config.cookie_name("other")
    assert (renamed.session_cookie.name, renamed.session_cookie.same_site) == ("other", "Lax")


def test_cf_set_cookie_keeps_the_seeds_attributes_whatever_the_session_cookie() -> None:
    # cf.set_cookie formats as the seed's helper does; only the session cookie is configured.
    from emulator.session.cookies import set_cookie_header

    assert set_cookie_header("theme", "dark", 60) == (
        "theme=dark; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=60"
    )


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        (
            "__Host-sid",
            {"secure": False},
            "cookie '__Host-sid' has the __Host- prefix, which browsers accept only with "
            "secure=True, path='/' and no domain: got secure=False",
        ),
        (
            "__Host-sid",
            {"path": "/app"},
            "cookie '__Host-sid' has the __Host- prefix, which browsers accept only with "
            "secure=True, path='/' and no domain: got path='/app'",
        ),
        (
            "__host-sid",
            {"domain": "example.com", "secure": False},
            "cookie '__host-sid' has the __Host- prefix, which browsers accept only with "
            "secure=True, path='/' and no domain: got secure=False, domain='example.com'",
        ),
        (
            "__Secure-sid",
            {"secure": False},
            "cookie '__Secure-sid' has the __Secure- prefix, which browsers accept only with "
            "secure=True",
        ),
        (
            "sid",
            {"same_site": "None", "secure": False},
            'cookie same_site="None" needs secure=True: browsers drop SameSite=None cookies '
            "that are not Secure",
        ),
        (
            "sid",
            {"same_site": "strict"},
            'cookie same_site must be "Strict", "Lax" or "None", got \'strict\'',
        ),
        (
            "sid",
            {"path": "app"},
            "invalid cookie path 'app': it must start with '/' and hold printable ASCII "
            "without ';' or spaces",
        ),
        (
            "sid",
            {"path": "/a; Domain=evil.com"},
            "invalid cookie path '/a; Domain=evil.com': it must start with '/' and hold "
            "printable ASCII without ';' or spaces",
        ),
        (
            "sid",
            {"domain": "evil.com; Secure"},
            "invalid cookie domain 'evil.com; Secure': use a host name such as 'example.com'",
        ),
        ("sid", {"secure": "yes"}, "cookie secure must be True or False, got 'yes'"),
        ("sid", {"http_only": 1}, "cookie http_only must be True or False, got 1"),
    ],
)
def test_cookies_browsers_would_drop_are_refused_when_the_config_is_built(
    name: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv("SESSIONS").cookie_name(name).cookie(**options)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_the_prefix_rules_hold_whichever_builder_comes_last() -> None:
    insecure = SessionConfig.kv("SESSIONS").cookie(secure=False, same_site="Lax")
    with pytest.raises(CfArgumentError) as caught:
        insecure.cookie_name("__Host-sid")
    assert str(caught.value) == (
        "cookie '__Host-sid' has the __Host- prefix, which browsers accept only with "
        "secure=True, path='/' and no domain: got secure=False"
    )
