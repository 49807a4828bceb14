"""The exception hierarchy: every error knows what went wrong and where, in one line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def check_keywords(function: str, options: Mapping[str, object], known: Iterable[str]) -> None:
    """The TypeError Python raises for a keyword a function does not take: a function that
    takes its options as `**options: Unpack[SomeTypedDict]` would accept any name, and takes
    only its TypedDict's (`known`)."""
    allowed = frozenset(known)
    for name in options:
        if name not in allowed:
            raise TypeError(f"{function}() got an unexpected keyword argument {name!r}")


class TmplkitError(Exception):
    """Base of every error tmplkit raises on bad input; the CLI prints it as one line."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} (hint: {self.hint})"
        return self.message


class TemplateError(TmplkitError):
    """A template source that cannot be parsed, or uses a construct outside the portable subset."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
        construct: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.line = line
        self.col = col
        self.construct = construct

    @property
    def location(self) -> str:
        parts = [self.file or "<template>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {super().__str__()}"


class CompileError(TemplateError):
    """A construct that a target language cannot express."""


class RenderError(TmplkitError):
    """Rendering failed for the given data (bad data file, sandbox violation, ...)."""


class DataError(RenderError):
    """Recipient data that does not match the template's variable types (`strict`): every
    problem, each with its path (`order.lines[1].price: expected a number, got "abc"`)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


class ProjectError(TmplkitError):
    """No project found, a malformed project file, or an inconsistent store."""


class NotFound(TmplkitError):
    """An id, slug or path that names nothing in the project."""


class InvalidName(TmplkitError):
    """A name or slug that is empty, reserved, or would escape the project directory."""


class Conflict(TmplkitError):
    """The thing to create already exists (a slug taken, a folder not empty)."""


class ProhibitedAction(TmplkitError):
    """A change the resource's state forbids: Dyspatch's `prohibited_action`."""


class LocaleError(TmplkitError):
    """A language id that is not BCP 47, or that CLDR does not know."""


class HandoffError(TmplkitError):
    """A hand-off that cannot start: an unknown adapter, a bad `[handoff.NAME]` setting, a
    missing credential, an envelope the adapter cannot carry (an SMS without a phone number)."""


class DeliveryError(HandoffError):
    """A sending system refused or failed a message.

    `transient`: worth retrying later (a connection error, a timeout, a 5xx or 429 that outlived
    the retries); False for a refusal that would repeat (a 4xx, a documented error body).
    `status`: the HTTP status (or SMTP reply code), if there was one; `code`: the service's own
    error code (DAPI's `error-code`, LEKAB's `errormessage`), if it gave one.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        status: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.transient = transient
        self.status = status
        self.code = code


class StorageError(TmplkitError):
    """A file or the journal could not be written (or read): a full disk, a read-only file
    system, a permission problem. Nothing was half-written: the write it names did not land."""


def storage_error(
    exc: BaseException, what: str, verb: str = "writing", *, path: object = None
) -> StorageError:
    """One line for an I/O failure: `no space left on device writing locales/fr-FR/x.po`.

    `exc` is an OSError (its errno says why) or an sqlite3 error (the journal: "database or
    disk is full" is a full disk too); `what` names the file as the user knows it. With `path`
    (the file), a vague I/O error on a file system that has (almost) no space left is called
    what it is: SQLite says "disk I/O error" when it cannot grow its WAL or shared memory.
    """
    reason = _reason(exc)
    if path is not None and reason != _FULL and _nearly_full(path):
        reason = _FULL
    return StorageError(f"{reason} {verb} {what}")


def _nearly_full(path: object) -> bool:
    import os

    directory = os.path.dirname(os.fspath(path))  # type: ignore[call-overload]
    try:
        st = os.statvfs(directory or ".")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _NEARLY_FULL


_NEARLY_FULL = 1 << 20  # bytes free under which an unexplained I/O error means a full disk


def _reason(exc: BaseException) -> str:
    import errno
    import os

    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code:
        text = os.strerror(code)
    else:
        # sqlite3 reports a full disk as SQLITE_FULL (13) "database or disk is full".
        sqlite_code = getattr(exc, "sqlite_errorcode", None)
        text = os.strerror(errno.ENOSPC) if sqlite_code == 13 else str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


_FULL = _reason(OSError(28, "No space left on device"))  # errno.ENOSPC, the same everywhere
