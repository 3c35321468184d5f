"""What a conversation asked last, so the next question can lean on it ("and in finance?").

One record per conversation (platform + channel + thread), holding only what a follow-up
needs: the question as it was read, its intent, its top sections and when. It lives in the
state store, so every instance behind a load balancer sees the same conversation; when no
store is configured, or the store is down, locked or slow (more than STORE_DEADLINE), it
lives in this process's memory (a follow-up may then lose its context after a restart or
on another instance: the question is simply read on its own). A record older than the
follow-up window is ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from .bounded import BoundedCalls, Recent, StoreUnavailable

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger("cloudai.context")
Clock = Callable[[], dt.datetime]
MEMORY_SIZE = 10_000  # conversations remembered in memory (the oldest are forgotten first)
STORE_PAUSE = 30.0  # seconds the store is left alone after it failed, so a dead store costs no latency
STORE_DEADLINE = 0.5  # seconds a question waits for the store (a locked SQLite file would hold it 30 s)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class ContextKey:
    """One conversation: a Slack thread (or DM), a Discord channel or thread, a chat session."""

    platform: str
    channel: str
    thread: str


@dataclass(frozen=True, slots=True)
class SectionRef:
    """A section by what survives a reload (ids do not): document path, heading path, anchor."""

    path: str
    heading_path: str
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Context:
    question: str  # as it was read (a follow-up's combined question), never who asked
    intent: str | None
    sections: tuple[SectionRef, ...]  # the answer's sections, best first
    at: dt.datetime


class ContextMemory:
    """Remembers each conversation's last question for `minutes`; store first, memory always."""

    def __init__(self, store: "Store | None" = None, minutes: float = 15, clock: Clock = utcnow,
                 size: int = MEMORY_SIZE) -> None:
        self.store = store
        self.window = dt.timedelta(minutes=minutes)
        self.clock = clock
        self._memory: Recent[ContextKey, Context] = Recent(size)
        self._calls = BoundedCalls(STORE_DEADLINE, pause=STORE_PAUSE, thread_name="cloudai-context") if store else None

    def recall(self, key: ContextKey) -> Context | None:
        """The conversation's last question, if it was asked within the window."""
        if self.window <= dt.timedelta(0):
            return None
        found = self._memory.get(key)
        if self.store is not None and self._calls is not None and not self._calls.paused():
            try:
                row = self._calls.call(self.store.load_context, key.platform, key.channel, key.thread)
                if row is not None and (found is None or row[3] >= found.at):  # ours, or another instance's
                    found = Context(row[0], row[1], tuple(SectionRef(*s) for s in row[2]), row[3])
            except StoreUnavailable as exc:  # the store is down, locked or slow: memory answers
                self._store_down(exc)
        if found is None or self.clock() - found.at > self.window:
            return None
        return found

    def remember(self, key: ContextKey, context: Context) -> None:
        if self.window <= dt.timedelta(0):
            return
        self._memory.put(key, context)
        if self.store is not None and self._calls is not None and not self._calls.paused():
            try:
                self._calls.call(self.store.save_context, key.platform, key.channel, key.thread, context.question,
                                 context.intent, [(s.path, s.heading_path, s.anchor) for s in context.sections],
                                 context.at)
            except StoreUnavailable as exc:
                self._store_down(exc)

    def _store_down(self, exc: StoreUnavailable) -> None:
        log.warning("state store %s for conversation context; keeping it in memory for %d s", exc, STORE_PAUSE)
