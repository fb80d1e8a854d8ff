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
    """Reject request bodies larger than ``max_bytes`` with HTTP 413."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> str:
        return f"request body larger than {self.max_bytes} bytes; send fewer crops per request"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await send_json(send, 413, self._too_large())
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started |= message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not response_started:
                await send_json(send, 413, self._too_large())


class BodyTooLargeError(Exception):
    """Raised while streaming a request body (without Content-Length) past the limit."""


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
