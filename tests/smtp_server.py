"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the hand-off tests: a handler that stores
what it accepts (and can answer DATA or RCPT TO with scripted replies, or take its time)."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.message
import email.policy
import socket
from collections import deque
from collections.abc import Iterator
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler: stores what it accepts; `replies` are answered to DATA first
    (e.g. a 451), `rcpt_replies` to RCPT TO."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # seconds to take before answering DATA (a busy server)
        self.received: list[Any] = []  # aiosmtpd Envelopes
        self.peers: list[Any] = []  # the client's (host, port) of each accepted message
        self.helo: list[str] = []
        self.replies: deque[str] = deque()
        self.rcpt_replies: deque[str] = deque()
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.rcpt_replies:
            return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.data_commands += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.replies:
            return self.replies.popleft()
        self.received.append(envelope)
        self.peers.append(session.peer)
        self.helo.append(session.host_name)
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def message(self, index: int = 0) -> email.message.EmailMessage:
        raw = self.received[index].content
        return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


@contextlib.contextmanager
def serve(handler: Mailbox, **settings: Any) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with `handler`; its port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **settings)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
