"""Adversarial cases for scripts/adversarial.py, one module per area (issue 13).

EXTENSION POINT: to add an area (e.g. MQTT messages, TLS, ACL), drop a module in this folder that
defines

    AREA = "mqtt"                                   # the name printed in the table
    def cases() -> list[Case]: ...                  # every case of the area

A ``Case`` is a name, a function ``run(tmp: Path) -> None`` and ``fast`` (True: part of the quick
subset that tests/test_adversarial.py runs). ``run`` returns when the defence held; it raises
``NotHeld(reason)`` (or AssertionError) when it did not, ``Skip(reason)`` when it cannot run here
(no mount rights, no broker). Any other exception counts as not held: a crash is a failure.
Modules are found by name (pkgutil), so areas need no registration beyond their file.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


class NotHeld(AssertionError):
    """The defence did not hold: the message says what happened instead."""


class Skip(Exception):
    """The case cannot run on this machine (the reason is printed)."""


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Path], None]
    fast: bool = False


def check(condition: bool, reason: str) -> None:
    """Raise NotHeld(reason) unless ``condition``."""
    if not condition:
        raise NotHeld(reason)


def refused(fn: Callable[[], object], error: type[BaseException], needle: str = "") -> str:
    """Call ``fn``; held when it raises ``error`` whose message contains ``needle`` (returned)."""
    try:
        fn()
    except error as e:
        check(needle in str(e), f"refused, but without '{needle}': {e}")
        return str(e)
    raise NotHeld(f"accepted (no {error.__name__})")


def area_modules() -> list[ModuleType]:
    """Every area module in this package, by name."""
    return [importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__),
                                                                             key=lambda m: m.name)
            if not m.name.startswith("_")]
