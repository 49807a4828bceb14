"""The API keys of `tmplkit serve`: made, listed and revoked by `tmplkit apikey`, checked on
every request; stored hashed in `.tmplkit/apikeys.json`.

A key is `tk_` and 43 characters of `secrets.token_urlsafe(32)`: 256 random bits. The file
keeps only its SHA-256. A slow, salted password hash (bcrypt, scrypt) is for secrets people
choose, which are guessable; a random 256-bit secret cannot be guessed, so one SHA-256 is as
safe (GitHub stores its tokens so) and lets a request find its key with one dict look-up.

The file is read by this module alone. `KeyStore.verify` keeps the keys in memory and reads the
file again only when its (mtime_ns, size, inode) changed: a `tmplkit apikey revoke` in another
process takes effect on the server's next request, and a request costs one stat. Writes are
atomic, under the project lock, to a file only its owner may read (0600).
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidName, NotFound, ProjectError, TmplkitError, storage_error
from ..model import new_id
from ..store import ProjectDirectory, atomic_write
from .watch import Watcher

KEYS_FILE = "apikeys.json"  # in the project's .tmplkit/ (git-ignored)
SECRET_PREFIX = "tk_"
MAX_LABEL = 100
TOUCH_EVERY = 60.0  # seconds: a key's last use is written at most this often
FORMAT = 1  # the file's "version"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

Signature = tuple[int, int, int]  # the file's (mtime_ns, size, inode)


@dataclass(frozen=True)
class ApiKey:
    """One API key as stored: never its secret, only the secret's SHA-256 (`digest`)."""

    id: str
    label: str
    created_at: str
    last_used_at: str | None
    digest: str

    def to_json(self) -> dict[str, Any]:
        """The key as `apikey list --json` shows it: without its digest."""
        return {
            "id": self.id,
            "label": self.label,
            "createdAt": self.created_at,
            "lastUsedAt": self.last_used_at,
        }

    def to_record(self) -> dict[str, Any]:
        return {**self.to_json(), "sha256": self.digest}


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def timestamp(seconds: float) -> str:
    """An ISO 8601 UTC time to the second, as model.now() writes them."""
    return datetime.fromtimestamp(seconds, UTC).strftime(TIME_FORMAT)


def seconds_of(stamp: str) -> float:
    """The epoch seconds of a `timestamp`; ValueError for a string of another form."""
    return datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=UTC).timestamp()


def validate_label(label: str) -> str:
    cleaned = label.strip()
    if not cleaned:
        raise InvalidName("API key label is empty", hint="say what the key is for: `ci`")
    if len(cleaned) > MAX_LABEL:
        raise InvalidName(f"API key label is longer than {MAX_LABEL} characters")
    if not cleaned.isprintable():
        raise InvalidName(f"API key label {label!r} is not one line of printable text")
    return cleaned


class KeyStore:
    """The project's API keys (`.tmplkit/apikeys.json`).

    `clock` (seconds since the epoch) dates new keys and their last use. Safe to share
    between a server's threads.
    """

    def __init__(
        self, project: ProjectDirectory, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.project = project
        self.path = project.state_dir / KEYS_FILE
        self.clock = clock
        self._mutex = threading.Lock()
        self._signature: Signature | None = None
        self._by_digest: dict[str, ApiKey] = {}
        self._used: dict[str, float] = {}  # key id -> its last use, written or not
        self._written: dict[str, float] = {}  # key id -> when its last use was last written
        # inotify on .tmplkit/, started by the first request: while it saw no change there,
        # the file is not even stat'ed (see _refresh)
        self._watcher: Watcher | None = None
        self._watch_started = False
        self._checked_at: int | None = None  # the watcher's generation when last checked

    @property
    def name(self) -> str:
        return self.project.relpath(self.path)

    # --- reading ---------------------------------------------------------------------------

    def list(self) -> builtins.list[ApiKey]:
        """The keys, oldest first."""
        return self._read()[0]

    def _read(self) -> tuple[builtins.list[ApiKey], Signature | None]:
        """The keys in the file and the file's signature, from one open file; none, and no
        signature, when there is no file."""
        path = self.project.confine(self.path)
        try:
            with path.open("rb") as fh:
                st = os.fstat(fh.fileno())
                data = fh.read()
        except FileNotFoundError:
            return [], None
        except OSError as exc:
            raise storage_error(exc, self.name, "reading") from None
        return self._parse(data), (st.st_mtime_ns, st.st_size, st.st_ino)

    def _parse(self, data: bytes) -> builtins.list[ApiKey]:
        if not data.strip():
            return []  # made empty (0600) before its first write: see _write
        try:
            document = json.loads(data)
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise ValueError('not an object with a "keys" list')
            keys = [
                ApiKey(
                    id=str(r["id"]),
                    label=str(r["label"]),
                    created_at=str(r["createdAt"]),
                    last_used_at=None if r.get("lastUsedAt") is None else str(r["lastUsedAt"]),
                    digest=str(r["sha256"]),
                )
                for r in document["keys"]
            ]
            for key in keys:  # the times are read back (`apikey list`): each must be one
                seconds_of(key.created_at)
                if key.last_used_at is not None:
                    seconds_of(key.last_used_at)
        except (ValueError, KeyError, TypeError) as exc:
            reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ProjectError(
                f"{self.name}: not a valid API key file: {reason}",
                hint="fix it, or delete it to revoke every key",
            ) from None
        return keys

    # --- changing --------------------------------------------------------------------------

    def create(self, label: str) -> tuple[ApiKey, str]:
        """A new key labelled `label`, and its secret: shown once, stored only hashed."""
        label = validate_label(label)
        secret = new_secret()
        key = ApiKey(
            id=new_id("apikey", self.clock),
            label=label,
            created_at=timestamp(self.clock()),
            last_used_at=None,
            digest=digest_of(secret),
        )
        with self._changing() as keys:
            keys.append(key)
        return key, secret

    def revoke(self, key_id: str) -> ApiKey:
        """Delete the key `key_id`: the server refuses it from its next request on."""
        with self._changing() as keys:
            for i, key in enumerate(keys):
                if key.id == key_id:
                    return keys.pop(i)
            raise NotFound(f"no API key {key_id!r}", hint="`tmplkit apikey list` shows them")

    @contextlib.contextmanager
    def _changing(self) -> Iterator[builtins.list[ApiKey]]:
        """The keys as the file holds them now, to change in place: written back (unless the
        block raises) under the project lock, which is held from the read to the write."""
        with self.project.lock():
            keys = self._read()[0]
            yield keys
            self._write(keys)

    def _write(self, keys: builtins.list[ApiKey]) -> None:
        """Write the file (the project lock held), owner-only: a new file is made empty with
        mode 0600 first, so that atomic_write, which keeps a file's mode, never makes it
        readable by others, even for a moment."""
        path = self.project.confine(self.path, writing=True)
        document = {"version": FORMAT, "keys": [k.to_record() for k in keys]}
        try:
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                os.chmod(path, 0o600)
            atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise storage_error(exc, self.name) from None

    # --- on every request ------------------------------------------------------------------

    def verify(self, secret: str) -> ApiKey | None:
        """The key whose secret this is; None for an unknown or revoked one.

        One stat per call; the file is read again only when it changed. A file that became
        malformed raises ProjectError: every request is refused until it is fixed.
        """
        if not secret.startswith(SECRET_PREFIX):
            return None
        digest = digest_of(secret)
        with self._mutex:
            self._refresh()
            key = self._by_digest.get(digest)
        if key is None or not hmac.compare_digest(key.digest, digest):
            return None
        return key

    def _refresh(self) -> None:
        """Read the file again if its signature changed since it was last read (mutex held).
        Where inotify watches .tmplkit/ (Linux, a local disk), the signature is looked at only
        after something in that directory changed: the kernel queues the event before the
        write or rename that causes it returns, so a key revoked before a request arrived is
        refused by that request."""
        if not self._watch_started:
            self._watch_started = True
            self._watcher = Watcher.start(str(self.path.parent), ())
        generation = self._watcher.generation() if self._watcher is not None else None
        if generation is not None and generation == self._checked_at:
            return
        try:
            st = os.stat(self.path)
            signature: Signature | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            signature = None
        if signature != self._signature:  # (no signature: no file, and no keys in memory)
            keys, self._signature = self._read()  # a malformed file raises: checked again
            self._by_digest = {k.digest: k for k in keys}
        self._checked_at = generation

    def touch(self, key_id: str) -> None:
        """Record that `key_id` was used now. The file is written at most once a minute per
        key (never on every request), and never fails a request: a write that fails (a full
        disk, the lock held too long) is given up, and tried again a minute later."""
        now = self.clock()
        with self._mutex:
            self._used[key_id] = now
            last = self._written.get(key_id)
            if last is not None and last <= now < last + TOUCH_EVERY:
                return
            self._written[key_id] = now
        self._save_used({key_id: now})

    def flush(self) -> None:
        """Write every last use recorded and not written yet (when the server stops)."""
        with self._mutex:
            pending = {
                k: t for k, t in self._used.items() if self._written.get(k, float("-inf")) < t
            }
            self._written.update(pending)
        if pending:
            self._save_used(pending)

    def _save_used(self, used: dict[str, float]) -> None:
        with contextlib.suppress(OSError, TmplkitError), self.project.lock(timeout=2.0):
            keys = self.list()
            if any(k.id in used for k in keys):  # else revoked meanwhile: nothing to record
                self._write(
                    [
                        replace(k, last_used_at=timestamp(used[k.id])) if k.id in used else k
                        for k in keys
                    ]
                )
