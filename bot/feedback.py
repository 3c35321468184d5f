"""👍 / 👎 on answers: one record type and one interface for every platform.

Adapters call `FeedbackSink.record`; until the state store exists the default sink
writes a log line, and the store will implement the same interface to persist votes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("cloudai.feedback")


@dataclass(frozen=True, slots=True)
class Feedback:
    question: str
    source: str  # the answer's top source: "Document › Heading"
    vote: int  # +1 helpful, -1 not helpful
    platform: str
    user: str
    intent: str | None = None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


class FeedbackSink(Protocol):
    def record(self, feedback: Feedback) -> None: ...


class LogFeedback:
    """Keeps votes in the log (and in memory, for whoever asks) until a store persists them."""

    def __init__(self) -> None:
        self.recorded: list[Feedback] = []

    def record(self, feedback: Feedback) -> None:
        self.recorded.append(feedback)
        log.info("feedback vote=%+d platform=%s intent=%s source=%r question=%r", feedback.vote,
                 feedback.platform, feedback.intent, feedback.source, feedback.question)
