"""`GET /healthz` and `GET /metrics` as a WSGI app (served by adapters/http.py, the bounded server).

Slack's HTTP mode mounts these beside `/slack/events` on its port; a bot that has no HTTP
port of its own (Socket Mode, Discord) serves them on CLOUDAI_HEALTH_PORT, so a load
balancer, a container healthcheck or Prometheus can look at any instance.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .metrics import Metrics

if TYPE_CHECKING:
    from .live import LiveAssistant
    from .store import Store

log = logging.getLogger("cloudai.http")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Health:
    """What /healthz checks (the knowledge is loaded, the store answers) and what /metrics shows."""

    live: "LiveAssistant"
    metrics: Metrics
    store: "Store | None" = None

    def check(self) -> tuple[bool, dict[str, Any]]:
        kb = self.live.current.kb
        report: dict[str, Any] = {"knowledge": {"documents": len(kb.documents), "sections": len(kb.sections)}}
        ok = bool(kb.documents)
        if self.store is not None:
            problem = self.store.reachable()
            report["store"] = "ok" if problem is None else f"unreachable ({problem})"
            ok = ok and problem is None
        report["status"] = "ok" if ok else "failing"
        return ok, report


def ops_app(health: Health | None, fallback: WSGIApp | None = None) -> WSGIApp:
    """/healthz (200 or 503, JSON) and /metrics (Prometheus text); anything else goes to
    `fallback` (Slack's /slack/events), or is a 404."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path in ("/healthz", "/metrics") and method in ("GET", "HEAD") and health is not None:
            if path == "/healthz":
                ok, report = health.check()
                start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")])
                return [json.dumps(report).encode() + b"\n"]
            start_response("200 OK", [("Content-Type", health.metrics.content_type)])
            return [health.metrics.render()]
        if fallback is not None:
            return fallback(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application
