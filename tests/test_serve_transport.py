"""server/transport.py: `Coalescing` writes a response's head and body, given in one pass of
the event loop, as one write; a lone write goes out at the end of its pass; nothing is
reordered. A real server's answers each cross loopback as one TCP segment."""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import live_server
from tmplkit.server.transport import Coalescing
from tmplkit.store import Project

WELCOME = "tem_01m2tk2hrwq2n4kgkyppv1bnkx"


class Recording:
    """A transport that records what is done to it."""

    def __init__(self) -> None:
        self.done: list[Any] = []

    def write(self, data: bytes) -> None:
        self.done.append(bytes(data))

    def close(self) -> None:
        self.done.append("close")

    def abort(self) -> None:
        self.done.append("abort")

    def write_eof(self) -> None:
        self.done.append("eof")

    def get_write_buffer_size(self) -> int:
        return 7

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


def coalescing() -> tuple[Coalescing, Recording]:
    recording = Recording()
    return Coalescing(recording, asyncio.get_running_loop()), recording  # type: ignore[arg-type]


def test_a_head_and_a_body_are_one_write() -> None:
    async def run() -> list[Any]:
        transport, recording = coalescing()
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        assert recording.done == []
        assert transport.get_write_buffer_size() == 7 + 38
        transport.write(b"{}")
        await asyncio.sleep(0)
        return recording.done

    assert asyncio.run(run()) == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]


def test_a_lone_write_goes_out_at_the_end_of_its_pass() -> None:
    async def run() -> list[Any]:
        transport, recording = coalescing()
        transport.write(bytearray(b"HTTP/1.1 100 Continue\r\n\r\n"))
        transport.write(b"")  # an empty body (a HEAD's): joined, nothing more
        await asyncio.sleep(0)
        first = list(recording.done)
        transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        assert recording.done == first  # held until the pass ends
        await asyncio.sleep(0)
        return recording.done

    assert asyncio.run(run()) == [
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]


def test_writes_keep_their_order() -> None:
    async def run() -> list[Any]:
        transport, recording = coalescing()
        for chunk in (b"1", b"2", b"3", b"4", b"5"):
            transport.write(chunk)
        transport.writelines([b"6", b"7"])
        await asyncio.sleep(0)
        return recording.done

    assert asyncio.run(run()) == [b"12", b"34", b"5" + b"67"]


def test_close_writes_what_is_held_first_and_abort_drops_it() -> None:
    async def run() -> list[Any]:
        transport, recording = coalescing()
        transport.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        transport.close()
        transport.write(b"late")
        transport.write_eof()
        transport.write(b"dropped")
        transport.abort()
        assert transport.get_extra_info("peername") == "info peername"
        await asyncio.sleep(0)
        return recording.done

    assert asyncio.run(run()) == [
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        "close",
        b"late",
        "eof",
        "abort",
    ]


def data_segments_in(sock: socket.socket) -> int:
    """tcp_info's tcpi_data_segs_in (Linux 4.6+): the segments with data this socket got."""
    return int(
        struct.unpack_from("I", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256), 152)[0]
    )


def answer(sock: socket.socket) -> tuple[bytes, bytes]:
    """One HTTP/1.1 answer with a Content-Length: its head and its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head, body


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tcp_info is Linux's")
def test_each_answer_crosses_loopback_as_one_segment(sample_project: Path) -> None:
    with live_server(Project(sample_project)) as live:
        port = int(live.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            requests = [
                f"GET /templates/{WELCOME}?targetLanguage=jinja HTTP/1.1",
                f"POST /render/template/{WELCOME}/fr-FR HTTP/1.1",
                "GET /workspaces HTTP/1.1",
                f"GET /templates/{WELCOME}?targetLanguage=nope HTTP/1.1",  # a 400
            ]
            for n, line in enumerate(requests, 1):
                body = b'{"first_name": "Ada"}' if line.startswith("POST") else b""
                head = (
                    f"{line}\r\nHost: t\r\nAuthorization: Bearer {live.key}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                )
                sock.sendall(head.encode() + body)
                status, answer_body = answer(sock)
                assert status.split(b" ")[1] in (b"200", b"400"), status
                assert 0 < len(status) + len(answer_body) < 60_000  # one segment's worth
                assert data_segments_in(sock) == n  # uvicorn alone: 2 a response


def test_a_100_continue_is_written_before_the_body_is_sent(sample_project: Path) -> None:
    """curl sends `Expect: 100-continue` with a larger body and waits for the interim answer:
    held by `Coalescing` for its pass of the event loop, it must still go out at once."""
    with live_server(Project(sample_project)) as live:
        port = int(live.url.rsplit(":", 1)[1])
        body = b'{"first_name": "Ada"}'
        head = (
            f"POST /render/template/{WELCOME}/fr-FR HTTP/1.1\r\nHost: t\r\n"
            f"Authorization: Bearer {live.key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(head.encode())
            interim = b""
            while not interim.endswith(b"\r\n\r\n"):
                interim += sock.recv(1)  # (no body sent yet: a timeout fails the test)
            assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(body)
            status, answer_body = answer(sock)
            assert status.startswith(b"HTTP/1.1 200 OK"), status
            assert b'"subject":' in answer_body
