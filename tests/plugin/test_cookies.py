"""``cf_cookies`` / ``EmulatorCookieJar``: Secure cookies on test servers, test-clock expiry,
readable attributes.

The jar is fed ``Set-Cookie`` lines as a client session would (``update_cookies_from_headers``)
and asked what it sends (``filter_cookies``), so each rule is checked without a server;
``test_client.py`` checks the same jar end to end.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from yarl import URL

from pytest_plugin import (
    AmbiguousCookieError,
    EmulatorCookieJar,
    StoredCookie,
    TimeTravel,
)

SERVER = URL("http://127.0.0.1:8123")
SESSION_LINE = "__session=abc; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=60"


def sent(jar: EmulatorCookieJar, url: URL) -> dict[str, str]:
    return {name: morsel.value for name, morsel in jar.filter_cookies(url).items()}


async def test_cf_cookies_is_an_empty_emulator_jar(cf_cookies: EmulatorCookieJar) -> None:
    assert isinstance(cf_cookies, EmulatorCookieJar)
    assert len(cf_cookies) == 0
    assert cf_cookies.get("__session") is None


async def test_jar_factory_makes_independent_jars(
    cf_cookies: EmulatorCookieJar, cf_cookie_jar_factory: Callable[[], EmulatorCookieJar]
) -> None:
    other = cf_cookie_jar_factory()
    assert other is not cf_cookies
    other.update_cookies_from_headers(["a=1"], SERVER)
    assert "a" in other
    assert "a" not in cf_cookies


async def test_cookies_from_an_ip_host_are_stored(cf_cookies: EmulatorCookieJar) -> None:
    # aiohttp's default jar drops cookies from IP hosts, where test servers listen.
    cf_cookies.update_cookies_from_headers(["plain=1; Path=/"], SERVER / "login")
    assert sent(cf_cookies, SERVER / "home") == {"plain": "1"}


async def test_secure_cookies_go_only_to_trusted_http_origins(
    cf_cookies: EmulatorCookieJar,
) -> None:
    cf_cookies.update_cookies_from_headers([SESSION_LINE, "plain=1; Path=/"], SERVER)
    assert sent(cf_cookies, SERVER / "page") == {"plain": "1"}

    cf_cookies.trust_origin(SERVER)
    assert sent(cf_cookies, SERVER / "page") == {"__session": "abc", "plain": "1"}
    assert SERVER in cf_cookies.treat_as_secure_origin
    # The origin includes the port: another server on the same host is not trusted.
    assert sent(cf_cookies, URL("http://127.0.0.1:9999/page")) == {"plain": "1"}
    # Over TLS a Secure cookie always goes.
    assert sent(cf_cookies, URL("https://127.0.0.1:8123/page")) == {
        "__session": "abc",
        "plain": "1",
    }


async def test_origins_can_be_trusted_when_the_jar_is_made() -> None:
    jar = EmulatorCookieJar(treat_as_secure_origin="http://127.0.0.1:8123/any/path")
    jar.update_cookies_from_headers([SESSION_LINE], SERVER)
    assert sent(jar, SERVER) == {"__session": "abc"}


@pytest.mark.parametrize("origin", ["https://example.com", "/relative", "ftp://host"])
async def test_trust_origin_takes_only_http_origins(
    cf_cookies: EmulatorCookieJar, origin: str
) -> None:
    with pytest.raises(ValueError, match="expected an absolute") as caught:
        cf_cookies.trust_origin(origin)
    assert str(caught.value) == (f"expected an absolute http:// or ws:// origin, got {origin!r}")


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_max_age_runs_out_on_the_test_clock(
    cf_time: TimeTravel, cf_cookies: EmulatorCookieJar
) -> None:
    cf_cookies.trust_origin(SERVER)
    cf_cookies.update_cookies_from_headers([SESSION_LINE], SERVER)
    cookie = cf_cookies.get("__session")
    assert cookie is not None
    assert cookie.expires_at == cf_time.now() + 60

    cf_time.shift(59)
    assert sent(cf_cookies, SERVER) == {"__session": "abc"}
    cf_time.shift(1)
    assert sent(cf_cookies, SERVER) == {}
    assert cf_cookies.get("__session") is None
    assert len(cf_cookies) == 0


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_expires_runs_out_on_the_test_clock(
    cf_time: TimeTravel, cf_cookies: EmulatorCookieJar
) -> None:
    cf_cookies.update_cookies_from_headers(
        ["theme=dark; Path=/; Expires=Tue, 01 Jan 2030 00:10:00 GMT"], SERVER
    )
    cf_time.move_to("2030-01-01T00:09:59Z")
    assert sent(cf_cookies, SERVER) == {"theme": "dark"}
    cf_time.move_to("2030-01-01T00:10:00Z")
    assert sent(cf_cookies, SERVER) == {}


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_a_resent_cookie_gets_a_fresh_max_age(
    cf_time: TimeTravel, cf_cookies: EmulatorCookieJar
) -> None:
    cf_cookies.update_cookies_from_headers(["n=1; Path=/; Max-Age=60"], SERVER)
    cf_time.shift(50)
    cf_cookies.update_cookies_from_headers(["n=1; Path=/; Max-Age=60"], SERVER)
    cf_time.shift(50)
    assert sent(cf_cookies, SERVER) == {"n": "1"}


async def test_max_age_zero_deletes_the_cookie(cf_cookies: EmulatorCookieJar) -> None:
    cf_cookies.update_cookies_from_headers([SESSION_LINE], SERVER)
    cf_cookies.update_cookies_from_headers(
        ["__session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"], SERVER
    )
    assert cf_cookies.get("__session") is None


@pytest.mark.cf_time("2030-01-01T00:00:00Z")
async def test_get_returns_the_value_and_every_attribute(
    cf_time: TimeTravel, cf_cookies: EmulatorCookieJar
) -> None:
    cf_cookies.update_cookies_from_headers(
        [
            SESSION_LINE,
            "theme=dark; Domain=example.com; Path=/app; Expires=Wed, 01 Jan 2031 00:00:00 GMT",
        ],
        URL("http://example.com/app/login"),
    )
    assert cf_cookies.get("__session") == StoredCookie(
        name="__session",
        value="abc",
        domain="example.com",
        path="/",
        secure=True,
        http_only=True,
        same_site="Strict",
        max_age=60,
        expires=None,
        expires_at=cf_time.now() + 60,
        host_only=True,
    )
    theme = cf_cookies.get("theme")
    assert theme is not None
    assert (theme.domain, theme.path, theme.host_only) == ("example.com", "/app", False)
    assert (theme.secure, theme.http_only, theme.same_site, theme.max_age) == (
        False,
        False,
        None,
        None,
    )
    assert theme.expires == "Wed, 01 Jan 2031 00:00:00 GMT"
    assert theme.expires_at == 1924992000
    assert cf_cookies.values() == {"__session": "abc", "theme": "dark"}


async def test_get_needs_domain_or_path_when_a_name_is_shared(
    cf_cookies: EmulatorCookieJar,
) -> None:
    cf_cookies.update_cookies_from_headers(["id=1; Path=/"], URL("http://a.test/"))
    cf_cookies.update_cookies_from_headers(["id=2; Path=/"], URL("http://b.test/"))
    with pytest.raises(AmbiguousCookieError) as caught:
        cf_cookies.get("id")
    assert str(caught.value) == "2 cookies are named 'id' (a.test/, b.test/): pass domain= or path="
    cookie = cf_cookies.get("id", domain="b.test")
    assert cookie is not None
    assert cookie.value == "2"


def test_a_jar_needs_a_running_event_loop() -> None:
    with pytest.raises(RuntimeError) as caught:
        EmulatorCookieJar()
    assert str(caught.value) == (
        "an EmulatorCookieJar needs a running event loop, as aiohttp's CookieJar does: "
        "create it in an async test or fixture (call cf_cookie_jar_factory() from an "
        "async test)"
    )
