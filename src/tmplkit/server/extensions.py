"""tmplkit's own endpoints (for `tmplkit sync pull`)."""

from __future__ import annotations

from starlette.routing import Route

ROUTES: list[Route] = []

# OpenAPI operations of these endpoints, as openapi.OPERATIONS lists them
OPERATIONS: list[tuple[str, str, str, str, list[str], object, str, object]] = []
