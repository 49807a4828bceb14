"""Lazy registries: names mapped to "module:attribute" in one package, imported on first use.

The targets (`tmplkit.targets`) and the hand-off adapters (`tmplkit.handoff`) each look a class
up by the name a user types; a registry lists the names without importing anything, and imports
a name's module only when that name is loaded, so a target or an adapter costs nothing until it
is asked for.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """`entries` maps each name to "module:attribute", the module relative to `package`;
    `unknown(name, available)` builds the error raised for a name that has no module."""

    def __init__(
        self,
        package: str,
        entries: Mapping[str, str],
        unknown: Callable[[str, list[str]], Exception],
    ) -> None:
        self.package = package
        self.entries = entries
        self.unknown = unknown

    def available(self) -> list[str]:
        """The names whose module exists, sorted."""
        return sorted(name for name in self.entries if self._exists(name))

    def _exists(self, name: str) -> bool:
        module = self.entries[name].split(":")[0]
        return importlib.util.find_spec(f"{self.package}.{module}") is not None

    def load(self, name: str) -> T:
        """The attribute `name` stands for, its module imported now if it was not yet."""
        spec = self.entries.get(name)
        if spec is None or not self._exists(name):
            raise self.unknown(name, self.available())
        module_name, attribute = spec.split(":")
        value: T = getattr(importlib.import_module(f"{self.package}.{module_name}"), attribute)
        return value
