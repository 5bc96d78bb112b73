"""Device sources by name: the one lookup that the camera and microphone registries share."""
from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def source_class(registry: dict[str, type[T]], name: str, error: type[Exception], what: str) -> type[T]:
    """``registry[name]``, or ``error`` naming the unknown ``what`` source and the known ones."""
    try:
        return registry[name]
    except KeyError:
        raise error(f"unknown {what} source {name!r}; choose one of {', '.join(sorted(registry))}") from None
