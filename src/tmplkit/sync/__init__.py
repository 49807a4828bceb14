"""`tmplkit sync`: a project pulled from a Dyspatch-compatible API (a tmplkit server, or a
Dyspatch account), and the drift between the two.

- client.py: the HTTP client: the key, the API version, pages, retries, one-line errors;
- entries.py: what is compared: each object's digest, the project's own, the base of the
  last pull, an object's state;
- remote.py: the remotes behind one interface, and a tmplkit server's own endpoints;
- dyspatch.py: a Dyspatch account: the structure, the compiled code, the translations;
- pull.py: the pull, one object at a time, each atomic, parents first;
- status.py: the drift, both ways.
"""

from __future__ import annotations

from .client import KEY_VARIABLE, RemoteClient, RemoteError, remote_key
from .entries import Drift
from .pull import PullReport, pull
from .remote import Remote, open_remote
from .status import StatusReport, status

__all__ = [
    "KEY_VARIABLE",
    "Drift",
    "PullReport",
    "Remote",
    "RemoteClient",
    "RemoteError",
    "StatusReport",
    "open_remote",
    "pull",
    "remote_key",
    "status",
]
