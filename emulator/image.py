"""``EmulatorImage``: every binding, resource and byte of an in-memory emulator, to restore.

``Emulator.image()`` takes one (``sqlite3_serialize`` of each KV namespace and D1
database); ``Emulator.restore(image)`` puts it back into another in-memory emulator, or the
same one later, with one ``sqlite3_deserialize`` per resource: far cheaper than seeding
again. The pytest plugin's ``cf_seed`` builds on it (docs/testing.md#seeded-state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.registry import Binding, BindingKind, BindingRecord, ResourceKey, ResourceRecord

if TYPE_CHECKING:
    from emulator.core import Emulator

__all__ = ["EmulatorImage", "restore_image", "take_image"]

_KINDS: tuple[BindingKind, ...] = ("kv", "d1")


@dataclass(frozen=True)
class EmulatorImage:
    """Bindings, resources and each resource's database bytes, taken at one moment."""

    bindings: tuple[BindingRecord, ...]
    resources: tuple[ResourceRecord, ...]
    data: Mapping[ResourceKey, bytes]

    @property
    def size(self) -> int:
        """Bytes held, over every resource."""
        return sum(len(data) for data in self.data.values())


def take_image(emulator: Emulator) -> EmulatorImage:
    """Return an image of ``emulator``'s bindings, resources and data."""
    resources = tuple(record for kind in _KINDS for record in emulator.resources(kind))
    data = {
        (record.kind, record.id): _resource(emulator, record.kind, record.id).image()
        for record in resources
    }
    return EmulatorImage(tuple(emulator.records()), resources, data)


def restore_image(emulator: Emulator, image: EmulatorImage) -> None:
    """Make ``emulator`` hold what ``image`` holds: its bindings and resources are added
    where missing, each resource's data is replaced, and other resources are emptied.

    Raises ``ValueError`` for an emulator persisted to a folder (an image lives in memory)
    or a binding the image points elsewhere than ``emulator`` does.
    """
    if emulator.persist_to is not None:
        raise ValueError("an image can only be restored into an in-memory Emulator")
    known = {r.name: r for r in emulator.records()}
    for record in image.bindings:
        current = known.get(record.name)
        if current is not None and current != record:
            raise ValueError(
                f"binding {record.name!r} is {current.kind.upper()} {current.id!r} here but "
                f"{record.kind.upper()} {record.id!r} in the image"
            )
    for resource in image.resources:
        if emulator.resource(resource.kind, resource.id) is None:
            emulator.create_resource(resource.kind, resource.title, id=resource.id)
    for record in image.bindings:
        emulator.bind(record.kind, record.name, record.id)
    for kind in _KINDS:
        for resource in emulator.resources(kind):
            binding = _resource(emulator, kind, resource.id)
            data = image.data.get((kind, resource.id))
            if data is None:
                binding.reset()
            else:
                binding.restore(data)


def _resource(emulator: Emulator, kind: BindingKind, resource_id: str) -> Binding:
    if kind == "kv":
        return emulator.kv_namespace(resource_id)
    return emulator.d1_database(resource_id)
