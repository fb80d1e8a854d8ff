"""A real threaded HTTP server on 127.0.0.1 that serves a small web site with faults, for crawler tests.

Every request is recorded (path, start and end time, requests in flight), so tests can check
politeness (spacing, concurrency, robots.txt) and resumption (what was fetched twice).
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from PIL import Image, ImageDraw


@dataclass
class Reply:
    """What the server sends for one request; ``stream`` omits Content-Length and closes instead."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stream: bool = False


# A handler gets the 1-based number of this request to its path, so faults can depend on it.
Handler = Callable[[int], Reply]


@dataclass(frozen=True)
class RequestLog:
    path: str
    start: float
    end: float
    user_agent: str


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # Clients that time out or abort a large body reset their connection; that is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """Serve registered paths on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.log: list[RequestLog] = []
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, handler: Handler | Reply) -> None:
        """Serve ``path`` with a handler, or with the same Reply every time."""
        self.routes[path] = handler if callable(handler) else (lambda _n, reply=handler: reply)

    def count(self, path: str) -> int:
        """Return how many requests reached ``path`` (query included)."""
        with self.lock:
            return self.counts.get(path, 0)

    def total_requests(self) -> int:
        """Return how many requests arrived, including ones whose response is still being sent."""
        with self.lock:
            return sum(self.counts.values())

    def starts(self, path_prefix: str = "/") -> list[float]:
        """Return the sorted start times of requests whose path starts with ``path_prefix``."""
        with self.lock:
            return sorted(entry.start for entry in self.log if entry.path.startswith(path_prefix))

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()
            self.counts.clear()
            self.max_in_flight = 0

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _begin(self, path: str) -> int:
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.counts[path]

    def _end(self, path: str, start: float, user_agent: str) -> None:
        with self.lock:
            self.in_flight -= 1
            self.log.append(RequestLog(path, start, time.monotonic(), user_agent))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm
            # and delayed ACKs add about 40 ms to every keep-alive response.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                path = urlsplit(self.path).path + (
                    f"?{urlsplit(self.path).query}" if urlsplit(self.path).query else ""
                )
                start = time.monotonic()
                attempt = server._begin(path)
                try:
                    handler = server.routes.get(path)
                    reply = handler(attempt) if handler else Reply(404, b"not found", "text/plain")
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up, e.g. after its timeout
                finally:
                    server._end(path, start, self.headers.get("User-Agent", ""))

            def _send(self, reply: Reply) -> None:
                time.sleep(reply.delay)
                self.send_response(reply.status)
                if reply.content_type:
                    self.send_header("Content-Type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.stream:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                for offset in range(0, len(reply.body), 64 * 1024):
                    self.wfile.write(reply.body[offset : offset + 64 * 1024])

            def log_message(self, format: str, *args) -> None:
                pass  # keep test output quiet; the server records requests itself

        return RequestHandler


def image_bytes(seed: int, fmt: str = "PNG", size: tuple[int, int] = (48, 32)) -> bytes:
    """Render a small image whose pixels depend on ``seed``, encoded as ``fmt``."""
    image = Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    draw = ImageDraw.Draw(image)
    draw.rectangle((seed % 10, 4, seed % 10 + 12, 20), fill=(255 - seed % 256, 0, 0))
    # The seed itself in the top-left pixel keeps the bytes of different seeds distinct.
    image.putpixel((0, 0), ((seed >> 16) & 255, (seed >> 8) & 255, seed & 255))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def html_page(links: list[str] = (), images: list[str] = (), extra: str = "") -> bytes:
    """Build an HTML page with `<a href>` links and `<img src>` images."""
    anchors = "".join(f'<a href="{href}">link</a>\n' for href in links)
    imgs = "".join(f'<img src="{src}" alt="">\n' for src in images)
    return f"<!doctype html><html><body>{anchors}{imgs}{extra}</body></html>".encode()


def png_reply(seed: int, size: tuple[int, int] = (48, 32), **kwargs) -> Reply:
    return Reply(200, image_bytes(seed, "PNG", size), "image/png", **kwargs)


def jpeg_reply(seed: int, size: tuple[int, int] = (48, 32), **kwargs) -> Reply:
    return Reply(200, image_bytes(seed, "JPEG", size), "image/jpeg", **kwargs)


def fail_then(first: Reply, then: Reply, failures: int = 1) -> Handler:
    """Reply with ``first`` to the first ``failures`` requests, then with ``then``."""
    return lambda attempt: first if attempt <= failures else then


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", None, {"Location": location})


def build_gallery(
    server: LoopbackServer, pages: int, images_per_page: int, delay: float = 0.0
) -> None:
    """Serve /index.html linking /page-N.html pages that each show distinct PNG images.

    The index links every page, so max_depth = 1 reaches them all. Each page also links the next
    one, which the crawler must not fetch twice. ``delay`` slows each image response, which makes
    concurrent requests observable.
    """
    server.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow:\n", "text/plain"))
    page_paths = [f"/page-{index}.html" for index in range(pages)]
    server.add("/index.html", Reply(200, html_page(page_paths)))
    for index, path in enumerate(page_paths):
        images = [f"/img/{index}-{number}.png" for number in range(images_per_page)]
        server.add(path, Reply(200, html_page(page_paths[index + 1 : index + 2], images)))
        for number, image_path in enumerate(images):
            server.add(image_path, png_reply(index * 1000 + number + 1, delay=delay))
