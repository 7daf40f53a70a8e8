"""``cf_seed``: seed KV and D1 once per session or module, restore the seed for every test.

(Imported by ``cf_emulator`` only when ``cf_seed`` is overridden.) A downstream project
overrides the ``cf_seed`` fixture, at the scope it wants, to return a
function that writes the seed into an ``Emulator`` (sync or ``async``)::

    @pytest.fixture(scope="session")
    def cf_seed() -> Seed:
        async def seed(emulator: Emulator) -> None:
            emulator.kv("SESSIONS").seed_many((f"user:{i}", "{}") for i in range(10_000))
            await emulator.d1("DB").exec("CREATE TABLE products (id INTEGER PRIMARY KEY);")
        return seed

The first test that needs it runs the function on an emulator built as ``cf_emulator``
builds one (wrangler config, migrations), takes its image (``Emulator.image()``:
``sqlite3_serialize`` per namespace and database) and closes it. Every test's fresh
``cf_emulator`` then restores that image (``sqlite3_deserialize``: one copy of the bytes)
instead of seeding again. Images are kept per seed function, as long as pytest keeps the
fixture's value: a module-scoped ``cf_seed`` seeds once per module.
"""

from __future__ import annotations

import asyncio
import inspect
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeAlias
from weakref import WeakKeyDictionary

import pytest

from emulator import Emulator
from pytest_plugin.environment import build_emulator
from pytest_plugin.options import Settings

if TYPE_CHECKING:
    from emulator.image import EmulatorImage

__all__ = ["Seed", "seeded_emulator"]

#: What an overridden ``cf_seed`` returns: writes the seed into the emulator it is given.
Seed: TypeAlias = Callable[[Emulator], Awaitable[None] | None]

_IMAGES = pytest.StashKey["WeakKeyDictionary[Seed, EmulatorImage]"]()


def seeded_emulator(config: pytest.Config, settings: Settings, seed: Seed) -> Emulator:
    """Return a fresh emulator holding ``seed``'s state, seeding only on first use.

    Raises ``TypeError`` when ``seed`` is not a function, and whatever the seed raises.
    """
    image = _image(config, settings, seed)
    emulator = build_emulator(settings, migrate=False)  # the image holds the migrations
    try:
        emulator.restore(image)
    except BaseException:
        emulator.close()
        raise
    return emulator


def _image(config: pytest.Config, settings: Settings, seed: Seed) -> EmulatorImage:
    if not callable(seed):
        raise TypeError(
            f"cf_seed must return a function that seeds an Emulator, not {type(seed).__name__}"
        )
    try:
        weakref.ref(seed)  # the image is kept as long as the seed, through a weak reference
    except TypeError:
        raise TypeError(
            f"cf_seed must return a function (or an object that can be weakly referenced), "
            f"not {type(seed).__name__}"
        ) from None
    images = config.stash.setdefault(_IMAGES, WeakKeyDictionary())
    found = images.get(seed)
    if found is not None:
        return found
    template = build_emulator(settings)
    try:
        _run(seed, template)
        image = template.image()
    finally:
        template.close()
    images[seed] = image
    return image


def _run(seed: Seed, emulator: Emulator) -> None:
    result = seed(emulator)
    if inspect.isawaitable(result):
        # On a thread of its own: a loop may already run here (pytest-asyncio's), and
        # asyncio.run would replace the thread's current loop.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cf_seed") as pool:
            pool.submit(asyncio.run, _wait(result)).result()


async def _wait(awaitable: Awaitable[None]) -> None:
    await awaitable
