"""ASGI middleware for the access token and the request body size limit."""

from __future__ import annotations

import hmac
import json
import logging
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

TOKEN_HEADER = b"x-labeling-token"
TOKEN_COOKIE = "labeling_token"
TOKEN_QUERY = "token"


async def send_json(send: Send, status: int, detail: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def presented_tokens(scope: Scope) -> list[str]:
    """Return the tokens a request carries in the header, a Bearer header or the cookie."""
    tokens = []
    for name, value in scope.get("headers", []):
        if name == TOKEN_HEADER:
            tokens.append(value.decode("latin-1"))
        elif name == b"authorization" and value.lower().startswith(b"bearer "):
            tokens.append(value[7:].decode("latin-1"))
        elif name == b"cookie":
            cookie = SimpleCookie(value.decode("latin-1"))
            if TOKEN_COOKIE in cookie:
                tokens.append(cookie[TOKEN_COOKIE].value)
    return tokens


class TokenMiddleware:
    """Reject requests without the access token, and turn ``?token=`` into a cookie.

    The cookie lets the browser load images and call the API without putting the token in every
    URL. The redirect then drops the token from the address bar.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.rejected = 0

    def _matches(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        from_query = [value for key, value in query if key == TOKEN_QUERY]
        if from_query and self._matches(from_query[-1]):
            rest = urlencode([(key, value) for key, value in query if key != TOKEN_QUERY])
            location = scope["path"] + (f"?{rest}" if rest else "")
            cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [(b"location", location.encode()), (b"set-cookie", cookie.encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if any(self._matches(token) for token in presented_tokens(scope)):
            await self.app(scope, receive, send)
            return
        self.rejected += 1
        # The first rejections are logged one by one and later ones only every 100th, so a client
        # that keeps retrying cannot flood the log.
        if self.rejected <= 10 or self.rejected % 100 == 0:
            client = scope.get("client") or ("?", 0)
            logger.warning(
                "rejected %s %s from %s: missing or wrong token (%d rejections so far)",
                scope["method"],
                scope["path"],
                client[0],
                self.rejected,
            )
        await send_json(
            send,
            401,
            "missing or wrong access token: open the page as /?token=<token> or send the "
            "X-Labeling-Token header",
        )


class BodySizeLimitMiddleware:
    """Reject request bodies larger than ``max_bytes`` with HTTP 413.

    A body sent without Content-Length (chunked) is read here up to the limit and then passed on,
    because an error raised while the app reads it would turn into a generic HTTP 400.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send) -> None:
        detail = f"request body larger than {self.max_bytes} bytes; send fewer crops per request"
        await send_json(send, 413, detail)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                await self._reject(send)
                return
            await self.app(scope, receive, send)
            return
        chunks = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client disconnected before sending the whole body
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await self.app(scope, replay_body(b"".join(chunks), receive), send)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """Return a receive callable that yields ``body`` once, then defers to ``receive``."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class RedactTokenFilter(logging.Filter):
    """Replace the value of ``token=`` in access-log lines, so the secret never reaches a log."""

    PATTERN = re.compile(r"([?&]token=)[^&\s]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.PATTERN.sub(r"\1<redacted>", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True
