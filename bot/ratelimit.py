"""How often one person (and one channel) may ask: the same limits on every platform.

The limits live in the core so Slack and Discord share one rule and one wording; the
counting is the `limits` library's moving window (the one behind Flask-Limiter), kept in
memory: a limit protects one process from a flood, it is not an account quota.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .wording import counted


def parse_limit(text: str, variable: str) -> RateLimitItem:
    """`"6/minute"` as a limit; a readable error naming `variable` otherwise."""
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"{variable}={text!r} is not a rate like '6/minute' or '30 per hour'") from None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a question was not answered now, and when asking again will work."""

    scope: str  # "user" or "channel"
    retry_after: float  # seconds

    @property
    def message(self) -> str:
        wait = max(1, math.ceil(self.retry_after))
        who = "You are" if self.scope == "user" else "This channel is"
        return (f"{who} asking faster than I can keep up with. "
                f"Please try again in {counted(wait, 'second')}.")


class QuestionLimiter:
    """Per-user and per-channel moving windows; `check` counts a question or refuses it."""

    def __init__(self, per_user: str | None = "6/minute", per_channel: str | None = "30/minute",
                 on_refusal: Callable[[str, Refusal], None] | None = None) -> None:
        self._user = parse_limit(per_user, "CLOUDAI_RATE_LIMIT_USER") if per_user else None
        self._channel = parse_limit(per_channel, "CLOUDAI_RATE_LIMIT_CHANNEL") if per_channel else None
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self._lock = threading.Lock()  # test-then-hit is one step: two threads must not both pass
        self.on_refusal = on_refusal  # (platform, refusal): counted in /metrics

    def check(self, platform: str, user: str, channel: str | None = None) -> Refusal | None:
        """None when the question may be answered (and it is counted); else the refusal."""
        with self._lock:
            return self._check(platform, user, channel)

    def _check(self, platform: str, user: str, channel: str | None) -> Refusal | None:
        for scope, limit, key in (("user", self._user, user), ("channel", self._channel, channel)):
            if limit is None or not key:
                continue
            if not self._window.test(limit, platform, scope, key):
                reset = self._window.get_window_stats(limit, platform, scope, key).reset_time
                refusal = Refusal(scope, max(0.0, reset - time.time()))
                if self.on_refusal is not None:
                    self.on_refusal(platform, refusal)
                return refusal
        for scope, limit, key in (("user", self._user, user), ("channel", self._channel, channel)):
            if limit is not None and key:
                self._window.hit(limit, platform, scope, key)
        return None
