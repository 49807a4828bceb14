"""The route table: each endpoint module adds its functions with `@route(METHOD, PATH)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .common import Endpoint

# (method, path, endpoint), in the order the modules define them
ROUTES: list[tuple[str, str, Endpoint]] = []
# The endpoints that only read (every GET, and the renders): they run on the event loop, the
# others in worker threads (see app.py).
READS: set[Endpoint] = set()


def route(method: str, path: str, *, reads: bool | None = None) -> Callable[[Endpoint], Endpoint]:
    """Add the function to the table; `reads` (default: for GET) says it writes nothing."""

    def add(fn: Endpoint) -> Endpoint:
        ROUTES.append((method, path, fn))
        if reads if reads is not None else method == "GET":
            READS.add(fn)
        return fn

    return add
