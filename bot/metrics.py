"""Counters for `GET /metrics` (Prometheus text format), kept by prometheus_client.

Each process holds one `Metrics` with its own registry (not the library's global one), so
two bots in one test process, or a reload, never mix their figures.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """What operators chart: questions, no-matches, answer latency, digests, reloads, knowledge size."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.questions = Counter("cloudai_questions", "Questions answered", ["platform"], registry=self.registry)
        self.no_matches = Counter("cloudai_no_matches", "Questions answered with no confident match",
                                  ["platform"], registry=self.registry)
        self.latency = Histogram("cloudai_answer_latency_seconds", "Time to compute an answer", ["platform"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.refused = Counter("cloudai_questions_refused", "Questions refused by a rate limit",
                               ["platform", "scope"], registry=self.registry)
        self.digests = Counter("cloudai_digests_posted", "Daily digests posted", ["platform"], registry=self.registry)
        self.reloads = Counter("cloudai_knowledge_reloads", "Knowledge reloads", ["result"], registry=self.registry)
        self.documents = Gauge("cloudai_knowledge_documents", "Documents being served", registry=self.registry)
        self.sections = Gauge("cloudai_knowledge_sections", "Sections being served", registry=self.registry)

    def answered(self, platform: str, no_match: bool, seconds: float) -> None:
        self.questions.labels(platform).inc()
        if no_match:
            self.no_matches.labels(platform).inc()
        self.latency.labels(platform).observe(seconds)

    def serving(self, documents: int, sections: int) -> None:
        self.documents.set(documents)
        self.sections.set(sections)

    def render(self) -> bytes:
        return generate_latest(self.registry)
