"""HTTP/1.1 over a raw socket: any bytes in the request line, headers and body.

aiohttp's own client refuses some header values (CR, LF, NUL) and re-encodes others (non-ASCII,
percent-escapes): to send what a hostile client may send, tests write the bytes themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]
TIMEOUT = 30.0

Headers = Sequence[tuple[bytes, bytes | None]]


def short(data: bytes, limit: int = 160) -> str:
    if len(data) <= limit:
        return repr(data)
    return f"{data[: limit // 2]!r}…{data[-limit // 4 :]!r} ({len(data)} bytes)"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as bytes on the wire (a header whose value is None is not sent)."""

    method: str
    target: str
    headers: Headers = ()
    body: bytes = b""

    def __repr__(self) -> str:
        sent = [(name.decode(), value) for name, value in self.headers if value is not None]
        return f"Request({self.method} {self.target[:300]!r}, {sent!r}, body={short(self.body)})"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    def json(self) -> Any:
        return json.loads(self.body)


def _dechunked(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body, data = body + data[:size], data[size + 2 :]
    return body


async def send(client: Client, request: Request) -> Answer:
    """Send `request` on a fresh connection and read the whole answer."""
    assert client.host is not None
    reader, writer = await asyncio.open_connection(client.host, client.port)
    head = [
        f"{request.method} {request.target} HTTP/1.1".encode(),
        f"Host: {client.host}:{client.port}".encode(),
        b"Connection: close",
    ]
    if request.body or request.method == "POST":
        head.append(b"Content-Length: %d" % len(request.body))
    head += [name + b": " + value for name, value in request.headers if value is not None]
    try:
        writer.write(b"\r\n".join(head) + b"\r\n\r\n" + request.body)
        with contextlib.suppress(ConnectionError):  # answered (413) before the body was read
            await writer.drain()
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    status_and_headers, _, body = raw.partition(b"\r\n\r\n")
    lines = status_and_headers.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), f"no HTTP answer: {raw[:200]!r}"
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _dechunked(body)
    return Answer(int(lines[0].split()[1]), headers, body)
