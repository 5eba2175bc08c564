"""Request limits as pure ASGI middleware: body size (413) and a per-client rate limit (429)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict


async def _reject(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """413 for bodies over ``max_bytes`` (declared or streamed), before any parsing."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _reject(send, 413, f"Request body too large (limit {self.max_bytes} bytes).")
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _reject(send, 413, f"Request body too large (limit {self.max_bytes} bytes).")


class _TooLarge(Exception):
    pass


class RateLimit:
    """A token bucket per client address for POST requests: ``per_minute`` sustained, same burst."""

    def __init__(self, app, per_minute: int):
        self.app, self.per_minute = app, per_minute
        self.buckets: dict[str, tuple[float, float]] = defaultdict(lambda: (float(per_minute), time.monotonic()))
        self.lock = threading.Lock()

    def allow(self, client: str) -> bool:
        with self.lock:
            tokens, last = self.buckets[client]
            now = time.monotonic()
            tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)
            allowed = tokens >= 1.0
            self.buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            if len(self.buckets) > 100_000:  # forget idle clients
                self.buckets.clear()
            return allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.per_minute and scope["method"] == "POST":
            client = (scope.get("client") or ("unknown", 0))[0]
            if not self.allow(client):
                return await _reject(send, 429, f"Too many requests: at most {self.per_minute} per minute.",
                                     [(b"retry-after", str(max(1, 60 // self.per_minute)).encode())])
        return await self.app(scope, receive, send)
