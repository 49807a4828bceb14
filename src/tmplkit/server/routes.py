"""The route table: each endpoint module adds its functions with `@route(METHOD, PATH)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .common import Endpoint

# (method, path, endpoint), in the order the modules define them
ROUTES: list[tuple[str, str, Endpoint]] = []


def route(method: str, path: str) -> Callable[[Endpoint], Endpoint]:
    def add(fn: Endpoint) -> Endpoint:
        ROUTES.append((method, path, fn))
        return fn

    return add
