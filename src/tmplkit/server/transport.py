"""One write a response: uvicorn, as `tmplkit serve` runs it.

uvicorn writes a response's head (status line and headers) as soon as the application sends
`http.response.start`, and its body with `http.response.body`: two writes, so two TCP segments
(the server turns Nagle off, so that no answer waits for a delayed ACK), two wake-ups of the
client, and for a small answer twice the kernel's work. `Coalescing` stands between uvicorn's
HTTP protocol and the socket's transport: the first write of an event-loop pass is held, and
goes out with the next one, or by itself at the end of the pass (a HEAD, a 204, a `100
Continue`). Nothing is reordered, and nothing waits past the pass it was written in.

With the sample project's renders, 2 workers: 8 to 20 % more requests a second
(benchmarks/serve_load.py, docs/performance.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class Coalescing:
    """A transport that writes what it is given in one pass of the event loop as one write
    (at most two writes' worth: a head and a body); everything else is the transport's."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif data:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)

    def writelines(self, chunks: Any) -> None:
        self.write(b"".join(chunks))

    def flush(self) -> None:
        """Write what is held now."""
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        # get_extra_info, is_closing, pause_reading, resume_reading, set_write_buffer_limits…
        return getattr(self._transport, name)


class Protocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), writing through `Coalescing`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(Coalescing(transport, self.loop))  # type: ignore[arg-type]


def config(app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration of `app` with the coalescing protocol (`options`: uvicorn's).
    No access log unless asked for: uvicorn logs it at INFO, below the level tmplkit runs it
    at, yet builds each line's arguments (1 % of a request's time) unless it is off. No
    `server: uvicorn` header either: it tells clients nothing they need, and tells attackers
    what runs."""
    options.setdefault("access_log", False)
    options.setdefault("server_header", False)
    return uvicorn.Config(app, http=Protocol, **options)
