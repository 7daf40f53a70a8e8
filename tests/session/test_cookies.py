"""Cookie headers: reading every value sent, writing the seed's byte-exact lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.session import CfArgumentError
from emulator.session.cookies import clear_cookie_header, cookie_values, set_cookie_header


@pytest.mark.parametrize(
    ("headers", "values"),
    [
        ([], []),
        (["other=1"], []),
        (["__session=abc"], ["abc"]),
        (["a=1; __session=abc; b=2"], ["abc"]),
        (["  __session  =  abc  "], ["abc"]),
        (['__session="abc"'], ["abc"]),
        (['__session="'], ['"']),
        (["__session="], [""]),
        (["__session=a=b"], ["a=b"]),
        (["__session=a; __session=b"], ["a", "b"]),
        (["__session=a", "__session=b"], ["a", "b"]),
        (["__session"], []),
        (["__SESSION=x; __session_x=y; x__session=z"], []),
        ([";;; = ; __session=ok ;"], ["ok"]),
        (["__session=é€"], ["é€"]),
    ],
)
def test_cookie_values_returns_every_value_in_order(headers: list[str], values: list[str]) -> None:
    assert cookie_values(headers, "__session") == values


def test_set_cookie_header_is_byte_exact_as_the_seed_formats_it() -> None:
    assert set_cookie_header("__session", "abc", 86400) == (
        "__session=abc; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=86400"
    )


def test_clear_cookie_header_is_byte_exact_as_the_seed_formats_it() -> None:
    assert clear_cookie_header("__session") == (
        "__session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    )


@pytest.mark.parametrize("value", ["a b", "a;b", "a,b", 'a"b', "a\\b", "é", "a\r\nSet-Cookie: x=1"])
def test_set_cookie_header_refuses_values_that_could_inject(value: str) -> None:
    with pytest.raises(CfArgumentError) as caught:
        set_cookie_header("n", value, 60)
    assert str(caught.value) == (
        f"invalid cookie value {value!r}: use printable ASCII without spaces, '\"', ',', ';' "
        "or '\\' (RFC 6265 cookie-octets)"
    )


@pytest.mark.parametrize("name", ["a b", "a;b", "", "n\r\nX: y"])
def test_cookie_headers_refuse_names_that_are_not_tokens(name: str) -> None:
    for build in (lambda: set_cookie_header(name, "v", 60), lambda: clear_cookie_header(name)):
        with pytest.raises(CfArgumentError) as caught:
            build()
        assert str(caught.value) == (
            f"invalid cookie name {name!r}: use letters, digits and !#$%&'*+-.^_`|~ "
            "(an RFC 6265 token)"
        )


@pytest.mark.parametrize("max_age", [-1, 1.5, True, "60", None])
def test_set_cookie_header_needs_a_non_negative_int_max_age(max_age: object) -> None:
    with pytest.raises(CfArgumentError) as caught:
        set_cookie_header("n", "v", max_age)  # type: ignore[arg-type]
    assert str(caught.value) == f"cookie max_age must be an int >= 0, got {max_age!r}"


def test_set_cookie_header_accepts_an_empty_value_and_max_age_zero() -> None:
    assert set_cookie_header("n", "", 0) == (
        "n=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    )


@given(st.lists(st.text()), st.text())
def test_cookie_values_never_fails_on_any_header_text(headers: list[str], name: str) -> None:
    values = cookie_values(headers, name)
    assert all(isinstance(value, str) for value in values)
