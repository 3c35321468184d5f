"""Store calls that a latency-sensitive path must never wait on for long.

Slack wants an ack within 3 seconds and a follow-up should not stall a reply, so both the
event dedupe and the conversation context ask the shared store through `BoundedCalls`:
each call gets at most `deadline` seconds on a small pool of threads (a late call still
completes in the background, for the instances that ask later); with `backlog` calls still
unanswered, or for `pause` seconds after a failure, the store is not asked at all. The
caller keeps its answer in memory (`Recent`) and falls back on it when `StoreUnavailable` is
raised.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class StoreUnavailable(Exception):
    """The store was not asked, or did not answer in time; the message says which."""


class BoundedCalls:
    def __init__(self, deadline: float, backlog: int = 20, pause: float = 0.0,
                 thread_name: str = "cloudai-store") -> None:
        self.deadline = deadline  # seconds a call is waited for
        self.backlog = backlog  # unanswered calls beyond which the store is not asked
        self.pause = pause  # seconds the store is left alone after it failed (0: never)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=thread_name)
        self._lock = threading.Lock()
        self._pending = 0
        self._failed_at: float | None = None  # time.monotonic() of the last failure

    def paused(self) -> bool:
        """Is the store being left alone after a failure?"""
        return self._failed_at is not None and time.monotonic() - self._failed_at < self.pause

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)`, or StoreUnavailable when the store is paused, swamped, slow or down."""
        if self.paused():
            raise StoreUnavailable(f"left alone for {self.pause:.0f} s after a failure")
        with self._lock:
            if self._pending >= self.backlog:
                raise StoreUnavailable(f"not answering ({self._pending} calls waiting)")
            self._pending += 1
        try:
            return self._pool.submit(self._run, fn, args).result(timeout=self.deadline)
        except FutureTimeout:
            self._failed_at = time.monotonic()
            raise StoreUnavailable(f"slower than {self.deadline * 1000:.0f} ms") from None
        except Exception as exc:
            self._failed_at = time.monotonic()
            raise StoreUnavailable(f"unreachable ({type(exc).__name__})") from exc

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        try:
            return fn(*args)
        finally:
            with self._lock:
                self._pending -= 1


class Recent(Generic[K, V]):
    """What the memory a caller falls back on holds: the last `size` keys put, with their
    values, the oldest dropped first; safe to use from several threads."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[K, V] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: K, value: V, replace: bool = True) -> bool:
        """Keep `value` for `key` (unless it is there and not `replace`); True if `key` was new."""
        with self._lock:
            new = key not in self._items
            if new or replace:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
            return new
