"""Dyspatch's error bodies: `{"code", "message", "parameter"}` with its status codes, and
tmplkit's errors mapped to them."""

from __future__ import annotations

from typing import Any

from ..errors import (
    CompileError,
    Conflict,
    DataError,
    InvalidName,
    LocaleError,
    NotFound,
    ProhibitedAction,
    ProjectError,
    StorageError,
    TmplkitError,
)

# Dyspatch's codes (APIError.code in its OpenAPI document).
CODES = (
    "server_error",
    "invalid_parameter",
    "invalid_body",
    "invalid_request",
    "unauthorized",
    "unauthenticated",
    "not_found",
    "rate_limited",
    "prohibited_action",
)


class ApiError(Exception):
    """An answer other than success: raised anywhere below a route, written by the app."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        assert code in CODES, code
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out


def not_found(message: str, parameter: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message, parameter)


def invalid_parameter(parameter: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, parameter)


def invalid_body(message: str) -> ApiError:
    return ApiError(400, "invalid_body", message)


def from_tmplkit(exc: TmplkitError, parameter: str | None = None) -> ApiError:
    """A library error as the API answers it: the same one-line message, Dyspatch's code."""
    message = str(exc)  # with its hint, as the command line prints it
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", message, parameter)
    if isinstance(exc, ProhibitedAction | Conflict):
        return ApiError(403, "prohibited_action", message, parameter)
    if isinstance(exc, DataError | CompileError):
        return ApiError(400, "invalid_body", message, parameter)
    if isinstance(exc, InvalidName | LocaleError):
        return ApiError(400, "invalid_parameter", message, parameter)
    if isinstance(exc, ProjectError | StorageError):
        # the project on disk, not the request: a broken record, a full disk
        return ApiError(500, "server_error", message, parameter)
    return ApiError(400, "invalid_request", message, parameter)
