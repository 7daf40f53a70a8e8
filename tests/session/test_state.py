"""``Session``: the sync methods on the in-memory copy, as the seed defines them."""

from __future__ import annotations

import re

import pytest

from emulator.session import Session, SessionError
from emulator.session.state import SessionState, new_session_id
from tests.session.helpers import UUID4

EXISTING = "3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"


def loaded(data: dict[str, object] | None = None, *, is_new: bool = False) -> SessionState:
    return SessionState(EXISTING, dict(data or {}), is_new=is_new)  # type: ignore[arg-type]


def test_get_returns_none_for_a_missing_key() -> None:
    assert Session(loaded()).get("missing") is None
    assert Session(loaded()).get("missing", type=int) is None


def test_get_returns_the_stored_value() -> None:
    assert Session(loaded({"user": "ada"})).get("user") == "ada"
    assert Session(loaded({"n": 3})).get("n", type=int) == 3


def test_get_with_a_type_raises_when_the_value_does_not_match() -> None:
    with pytest.raises(SessionError) as caught:
        Session(loaded({"n": "three"})).get("n", type=int)
    assert str(caught.value) == (
        "session value 'n' cannot be read as int: invalid type: string \"three\", expected int"
    )


def test_get_returns_a_copy_so_mutating_it_does_not_change_the_session() -> None:
    state = loaded({"cart": [1]})
    session = Session(state)
    session.get("cart").append(2)
    assert session.get("cart") == [1]
    assert not state.dirty


def test_set_marks_the_session_dirty_and_stores_json() -> None:
    state = loaded()
    session = Session(state)
    session.set("pair", (1, 2))
    assert state.dirty
    assert session.get("pair") == [1, 2]


def test_set_raises_on_values_that_cannot_be_json_and_changes_nothing() -> None:
    state = loaded({"a": 1})
    with pytest.raises(SessionError) as caught:
        Session(state).set("a", {1, 2})
    assert str(caught.value) == (
        "session value 'a' cannot be encoded as JSON: Object of type set is not JSON serializable"
    )
    assert state.data == {"a": 1}
    assert not state.dirty


def test_set_refuses_keys_that_are_not_strings() -> None:
    with pytest.raises(TypeError) as caught:
        Session(loaded()).set(1, "x")  # type: ignore[arg-type]
    assert str(caught.value) == "session keys are strings, got int"


def test_remove_marks_dirty_only_when_the_key_existed() -> None:
    state = loaded({"a": 1})
    session = Session(state)
    session.remove("missing")
    assert not state.dirty
    session.remove("a")
    assert state.dirty
    assert session.get("a") is None


def test_destroy_marks_the_session_destroyed() -> None:
    state = loaded({"a": 1})
    Session(state).destroy()
    assert state.destroyed
    assert state.needs_flush(saves_new_empty=True)


def test_is_empty_and_is_new_report_the_in_memory_copy() -> None:
    assert Session(loaded()).is_empty()
    assert not Session(loaded({"a": 1})).is_empty()
    assert Session(loaded(is_new=True)).is_new()
    assert not Session(loaded()).is_new()


def test_a_clean_existing_session_needs_no_flush() -> None:
    assert not loaded({"a": 1}).needs_flush(saves_new_empty=True)
    assert loaded(is_new=True).needs_flush(saves_new_empty=True)


def test_a_new_empty_session_needs_no_flush_when_new_empty_ones_are_not_saved() -> None:
    assert not loaded(is_new=True).needs_flush(saves_new_empty=False)
    state = loaded(is_new=True)
    Session(state).set("a", 1)
    assert state.needs_flush(saves_new_empty=False)


def test_regenerate_gives_a_new_id_keeps_data_and_remembers_the_loaded_id() -> None:
    state = loaded({"user": "ada"})
    session = Session(state)
    session.regenerate()
    first = state.id
    session.regenerate()
    assert state.id not in (EXISTING, first)
    assert state.source_id == EXISTING  # only the stored record is moved
    assert session.get("user") == "ada"
    assert state.dirty


def test_regenerate_on_a_new_session_has_no_old_record_to_move() -> None:
    state = loaded(is_new=True)
    Session(state).regenerate()
    assert state.source_id is None


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.get("a"),
        lambda s: s.set("a", 1),
        lambda s: s.remove("a"),
        lambda s: s.destroy(),
        lambda s: s.regenerate(),
    ],
)
def test_a_flushed_session_refuses_use_instead_of_losing_changes(change: object) -> None:
    state = loaded({"a": 1})
    state.flushed = True
    with pytest.raises(SessionError) as caught:
        change(Session(state))  # type: ignore[operator]
    assert str(caught.value) == (
        "session not loaded: this request's session was already flushed when its response "
        "was prepared"
    )


def test_a_flushed_session_reads_empty_and_new_as_the_seed_does() -> None:
    state = loaded({"a": 1})
    state.flushed = True
    assert Session(state).is_empty()
    assert Session(state).is_new()


def test_new_ids_are_random_version_4_uuids() -> None:
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(UUID4.fullmatch(session_id) for session_id in ids)


def test_repr_never_shows_the_session_id() -> None:
    text = repr(Session(loaded({"b": 1, "a": 2})))
    assert EXISTING not in text
    assert re.fullmatch(r"<Session keys=\['a', 'b'\] clean>", text)
