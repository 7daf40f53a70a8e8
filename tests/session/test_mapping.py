"""``Session`` as a ``MutableMapping`` (aiohttp-session's API), ``changed()`` for values
changed in place, and the keyword-only typed ``get``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from emulator import cf
from emulator.session import Session, SessionError
from emulator.session.state import SessionState
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, RecordingEnv, cookie_header, session_id_of

EXISTING = "3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"


def loaded(**data: Any) -> tuple[Session, SessionState]:
    state = SessionState(EXISTING, dict(data), is_new=False)
    return Session(state), state


def test_item_access_reads_the_live_value_and_raises_key_error_when_absent() -> None:
    session, state = loaded(cart=[1])
    assert session["cart"] is state.data["cart"]
    with pytest.raises(KeyError):
        session["missing"]
    assert not state.dirty


def test_setting_an_item_validates_and_marks_dirty_like_set() -> None:
    session, state = loaded()
    session["pair"] = (1, 2)
    assert (session["pair"], state.dirty) == ([1, 2], True)
    with pytest.raises(SessionError) as caught:
        session["bad"] = {1, 2}
    assert str(caught.value) == (
        "session value 'bad' cannot be encoded as JSON: Object of type set is not JSON serializable"
    )
    assert "bad" not in session


def test_deleting_an_item_marks_dirty_and_raises_key_error_when_absent() -> None:
    session, state = loaded(a=1)
    with pytest.raises(KeyError):
        del session["missing"]
    assert not state.dirty
    del session["a"]
    assert (dict(session), state.dirty) == ({}, True)


def test_len_in_iteration_keys_values_items() -> None:
    session, state = loaded(a=1, b=[2])
    assert (len(session), "a" in session, "z" in session) == (2, True, False)
    assert (list(session), list(session.keys())) == (["a", "b"], ["a", "b"])
    assert (list(session.values()), list(session.items())) == ([1, [2]], [("a", 1), ("b", [2])])
    assert session == {"a": 1, "b": [2]}
    assert not state.dirty


@pytest.mark.parametrize(
    ("change", "result", "data", "dirty"),
    [
        (lambda s: s.pop("a"), 1, {"b": 2}, True),
        (lambda s: s.pop("z", None), None, {"a": 1, "b": 2}, False),
        (lambda s: s.setdefault("a", 9), 1, {"a": 1, "b": 2}, False),
        (lambda s: s.setdefault("c", (3,)), [3], {"a": 1, "b": 2, "c": [3]}, True),
        (lambda s: s.update({"b": 5}, c=6), None, {"a": 1, "b": 5, "c": 6}, True),
        (lambda s: s.clear(), None, {}, True),
        (lambda s: s.popitem(), ("a", 1), {"b": 2}, True),
    ],
    ids=["pop", "pop-default", "setdefault-hit", "setdefault-miss", "update", "clear", "popitem"],
)
def test_mutable_mapping_methods_track_changes(
    change: Any, result: Any, data: dict[str, Any], dirty: bool
) -> None:
    session, state = loaded(a=1, b=2)
    assert change(session) == result
    assert (state.data, state.dirty) == (data, dirty)


def test_clear_on_an_empty_session_changes_nothing() -> None:
    session, state = loaded()
    session.clear()
    assert not state.dirty


def test_get_takes_a_default_and_a_keyword_only_type() -> None:
    session, _ = loaded(n=3, s="x")
    assert session.get("missing") is None
    assert session.get("missing", 0) == 0
    assert session.get("n", 0, type=int) == 3
    assert session.get("missing", 7, type=int) == 7
    with pytest.raises(TypeError):
        session.get("n", 0, int)  # type: ignore[call-overload]
    with pytest.raises(SessionError) as caught:
        session.get("s", type=int)
    assert str(caught.value) == (
        "session value 's' cannot be read as int: invalid type: string \"x\", expected int"
    )


def test_get_returns_a_copy_and_item_access_the_live_value() -> None:
    session, state = loaded(cart=[1])
    session.get("cart").append(2)
    assert state.data["cart"] == [1]
    session["cart"].append(2)
    assert state.data["cart"] == [1, 2]
    assert not state.dirty


def test_changed_marks_dirty_and_refuses_what_an_in_place_change_made_unstorable() -> None:
    session, state = loaded(cart=[1])
    session.changed()
    assert state.dirty
    session["cart"].append({1, 2})
    with pytest.raises(SessionError) as caught:
        session.changed()
    assert str(caught.value) == (
        "session value 'cart' cannot be encoded as JSON: Object of type set is not JSON "
        "serializable"
    )


@pytest.mark.parametrize(
    "use",
    [
        lambda s: s["a"],
        lambda s: s.__setitem__("a", 1),
        lambda s: s.__delitem__("a"),
        lambda s: len(s),
        lambda s: list(s),
        lambda s: "a" in s,
        lambda s: s.changed(),
        lambda s: s.clear(),
    ],
)
def test_a_flushed_session_refuses_mapping_use(use: Any) -> None:
    session, state = loaded(a=1)
    state.flushed = True
    with pytest.raises(SessionError) as caught:
        use(session)
    assert str(caught.value) == (
        "session not loaded: this request's session was already flushed when its response "
        "was prepared"
    )


def test_mypy_infers_the_typed_get(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    source = tmp_path / "reveal.py"
    source.write_text(
        textwrap.dedent(
            """
            from emulator.session import Session

            def check(s: Session) -> None:
                reveal_type(s.get("n", type=int))
                reveal_type(s.get("n", 0, type=int))
                reveal_type(s.get("n", type=list[str]))
                reveal_type(s["n"])
            """
        )
    )
    root = Path(__file__).resolve().parents[2]
    out, err, _ = api.run(
        [str(source), "--strict", "--cache-dir", str(root / ".mypy_cache"), "--no-error-summary"]
    )
    assert "error:" not in out, out + err
    # Older mypy spells builtins in full ("builtins.int"); newer ones do not.
    revealed = [
        line.split("Revealed type is ", 1)[1].replace("builtins.", "") for line in out.splitlines()
    ]
    assert revealed == ['"int | None"', '"int"', '"list[str] | None"', '"Any"'], out


# -- through the app, on both backends ------------------------------------------------------------


async def test_mapping_changes_are_saved_on_both_backends(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        step = request.query["step"]
        if step == "1":
            session.update(user="ada", cart=["book"], tmp=1)
        elif step == "2":
            del session["tmp"]
            session.setdefault("visits", 0)
            session["visits"] += 1
            session.pop("missing", None)
        else:
            session.clear()
        return web.json_response(dict(session))

    client = await make_client(handler)
    session_id = session_id_of(await client.get("/?step=1"))
    assert await backend.stored_json(session_id) == {"user": "ada", "cart": ["book"], "tmp": 1}
    second = await client.get("/?step=2", headers=cookie_header(session_id))
    assert await second.json() == {"user": "ada", "cart": ["book"], "visits": 1}
    assert await backend.stored_json(session_id) == {"user": "ada", "cart": ["book"], "visits": 1}
    await client.get("/?step=3", headers=cookie_header(session_id))
    assert await backend.stored_json(session_id) == {}


async def test_an_in_place_change_is_saved_only_after_changed(
    make_client: ClientFactory, backend: Backend, recording_env: RecordingEnv
) -> None:
    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        if session.is_new():
            session["cart"] = []
        else:
            session["cart"].append(request.query["item"])
            if "changed" in request.query:
                session.changed()
        return web.Response()

    session_id = session_id_of(await (await make_client(handler)).get("/"))
    client = await make_client(handler, env=recording_env)
    await client.get("/?item=book", headers=cookie_header(session_id))
    writes = [name for name, _ in recording_env.recorder.calls if name in ("put", "run")]
    assert writes == []
    assert await backend.stored_json(session_id) == {"cart": []}
    await client.get("/?item=pen&changed", headers=cookie_header(session_id))
    assert await backend.stored_json(session_id) == {"cart": ["pen"]}


# -- a model: a Session behaves as a dict of JSON values, and is dirty iff it changed ------------

KEYS = st.sampled_from(["a", "b", "c"])
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(KEYS, inner, max_size=2),
    max_leaves=4,
)


class SessionAgainstADict(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = SessionState(EXISTING, {"a": 1}, is_new=False)
        self.session = Session(self.state)
        self.model: dict[str, Any] = {"a": 1}
        self.changed = False

    @rule(key=KEYS, value=VALUES)
    def set_item(self, key: str, value: Any) -> None:
        self.session[key] = value
        self.model[key] = value
        self.changed = True

    @rule(key=KEYS)
    def delete_item(self, key: str) -> None:
        if key in self.model:
            del self.session[key]
            del self.model[key]
            self.changed = True
        else:
            with pytest.raises(KeyError):
                del self.session[key]

    @rule(key=KEYS)
    def remove(self, key: str) -> None:
        self.session.remove(key)
        if key in self.model:
            del self.model[key]
            self.changed = True

    @rule(key=KEYS, value=VALUES)
    def setdefault(self, key: str, value: Any) -> None:
        if key not in self.model:
            self.changed = True
        assert self.session.setdefault(key, value) == self.model.setdefault(key, value)

    @rule(key=KEYS)
    def pop(self, key: str) -> None:
        if key in self.model:
            self.changed = True
        assert self.session.pop(key, "gone") == self.model.pop(key, "gone")

    @rule()
    def clear(self) -> None:
        if self.model:
            self.changed = True
        self.session.clear()
        self.model.clear()

    @invariant()
    def same_as_the_model(self) -> None:
        assert dict(self.session) == self.model
        assert (len(self.session), sorted(self.session)) == (len(self.model), sorted(self.model))
        assert self.state.dirty == self.changed


TestSessionAgainstADict = SessionAgainstADict.TestCase
