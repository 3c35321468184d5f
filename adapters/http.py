"""The HTTP server for Slack's HTTP mode (and the health port): waitress, with bounds.

waitress reads requests on one event loop and hands a request to its pool of threads only
once it has fully arrived, so a slow or half-sent request costs a socket, not a thread. On
top of waitress's own limits (body, headers, threads, connections), a request must arrive
whole within the timeout (waitress alone only counts silence, so a request trickled in a
byte at a time would never end), and when connections run short the longest-idle
connection that is not being answered is closed to make room. `shutdown` stops accepting,
lets the requests in flight finish, then closes every connection.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from bot.health import WSGIApp

log = logging.getLogger("cloudai.http")

MAX_BODY = 1 << 20  # bytes; a larger request is refused with 413 before its body is read (Slack's are a few KB)
MAX_HEADERS = 32 << 10  # bytes of request line and headers together; more is a 431
THREADS = 32  # requests being answered at once (a Slack request holds one only until its ack)
CONNECTIONS = 500  # open connections at most
ROOM = 0.9  # from this share of CONNECTIONS on, idle connections are closed (longest idle first)
DEFAULT_TIMEOUT = 30  # seconds: an idle connection is closed, and a request must have arrived whole
GRACE = 25.0  # seconds a stop waits for requests in flight (systemd's unit allows 30)


class _Channel(HTTPChannel):
    """A connection that also notes when the request it is reading began."""

    began = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None:
            self.began = time.time()
        return bool(super().received(data))


class _Listener(TcpWSGIServer):
    channel_class = _Channel
    _warned = 0.0  # when making room was last logged (once a minute at most)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections
        cutoff = now - self.adj.channel_timeout
        for channel in self.active_channels.values():
            if channel.request is not None and not channel.requests and channel.began < cutoff:
                channel.will_close = True  # a request still arriving after the timeout

    def readable(self) -> bool:
        if self.accepting and len(self._map) >= ROOM * self.adj.connection_limit:
            self._make_room()
        return bool(super().readable())

    def _make_room(self) -> None:
        channels = list(self.active_channels.values())
        closing = sum(1 for c in channels if c.will_close)
        wanted = max(1, self.adj.connection_limit // 20) - closing
        if wanted <= 0:
            return
        idle = sorted((c for c in channels if not c.requests and not c.total_outbufs_len and not c.will_close),
                      key=lambda c: c.last_activity)
        for channel in idle[:wanted]:
            channel.will_close = True
        if idle and time.monotonic() - self._warned > 60:
            self._warned = time.monotonic()
            log.warning("%d open HTTP connections (of %d allowed): closing the ones idle longest", len(channels),
                        self.adj.connection_limit)


class HTTPServer:
    """A bounded waitress server with the interface of `socketserver`'s: `server_port`,
    `serve_forever()`, `shutdown()` (graceful: requests in flight finish) and `server_close()`."""

    def __init__(self, app: WSGIApp, host: str, port: int, timeout: int = DEFAULT_TIMEOUT,
                 threads: int = THREADS) -> None:
        self.adj = Adjustments(host=host, port=port, threads=threads, channel_timeout=timeout, cleanup_interval=1,
                               max_request_body_size=MAX_BODY + 1, max_request_header_size=MAX_HEADERS,
                               connection_limit=CONNECTIONS, backlog=1024, ident="cloudai", log_socket_errors=False,
                               asyncore_use_poll=True)
        self._map: dict[int, Any] = {}
        self._dispatcher = ThreadedTaskDispatcher()
        self._listeners: list[_Listener] = []
        try:
            for sockinfo in self.adj.listen:
                self._listeners.append(_Listener(app, self._map, dispatcher=self._dispatcher, adj=self.adj,
                                                 sockinfo=sockinfo))
        except BaseException:
            self._close_all()
            raise
        self._dispatcher.set_thread_count(threads)
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._serving = False

    @property
    def server_port(self) -> int:
        return int(self._listeners[0].effective_port)

    def serve_forever(self) -> None:
        self._serving = True
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._map, use_poll=True, count=1)
            self._drain()
        finally:
            self._close_all()
            self._dispatcher.shutdown(timeout=GRACE)  # its threads are idle by now
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop accepting, let the requests in flight finish (up to GRACE), close everything;
        returns when that is done."""
        self._stopping.set()
        if not self._serving:
            return
        for listener in self._listeners:
            try:
                listener.pull_trigger()  # wake the loop
            except OSError:
                pass
        self._stopped.wait()

    def server_close(self) -> None:
        if not self._serving:
            self._close_all()
        self._dispatcher.shutdown(timeout=GRACE)

    def _drain(self) -> None:
        for listener in self._listeners:
            wasyncore.dispatcher.close(listener)  # the listening socket only; the wake-up trigger stays
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline:
            now = time.time()
            busy = False
            for channel in [c for c in self._map.values() if isinstance(c, HTTPChannel)]:
                if channel.requests or channel.total_outbufs_len or (
                        channel.request is not None and now - channel.last_activity < 1.0):
                    busy = True  # being answered, or a request still arriving
                else:
                    channel.will_close = True
            if not busy and not self._dispatcher.queue:
                break
            wasyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)

    def _close_all(self) -> None:
        for dispatcher in list(self._map.values()):
            try:
                (dispatcher.handle_close if isinstance(dispatcher, HTTPChannel) else dispatcher.close)()
            except OSError:
                pass
        self._map.clear()


def serve_in_background(server: HTTPServer, name: str) -> Callable[[], None]:
    """Serve on a thread; the returned function stops the server after the requests in flight."""
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop
