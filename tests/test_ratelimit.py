"""Question limits shared by every platform, and how their settings are read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.ratelimit import QuestionLimiter
from bot.settings import Settings


def test_each_user_has_their_own_window_and_the_refusal_says_when_to_retry() -> None:
    limiter = QuestionLimiter(per_user="2/minute", per_channel=None)
    assert limiter.check("slack", "U1") is None
    assert limiter.check("slack", "U1") is None
    refusal = limiter.check("slack", "U1")
    assert refusal is not None and refusal.scope == "user"
    assert 0 < refusal.retry_after <= 60
    assert "try again in" in refusal.message and "You are asking" in refusal.message
    assert limiter.check("slack", "U2") is None  # someone else is not held up
    assert limiter.check("discord", "U1") is None  # nor the same id on another platform


def test_a_busy_channel_is_limited_as_a_whole() -> None:
    limiter = QuestionLimiter(per_user=None, per_channel="3/minute")
    for user in ("a", "b", "c"):
        assert limiter.check("discord", user, "C1") is None
    refusal = limiter.check("discord", "d", "C1")
    assert refusal is not None and refusal.scope == "channel" and "This channel is" in refusal.message
    assert limiter.check("discord", "d", "C2") is None


def test_a_refused_question_is_not_counted() -> None:
    limiter = QuestionLimiter(per_user="1/minute", per_channel="2/minute")
    assert limiter.check("slack", "a", "C1") is None
    assert limiter.check("slack", "a", "C1") is not None  # refused for the user...
    assert limiter.check("slack", "b", "C1") is None  # ...so the channel still has room for b


def test_rate_settings_are_validated_with_the_variable_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDAI_RATE_LIMIT_USER", "lots")
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert "CLOUDAI_RATE_LIMIT_USER='lots' is not a rate like '6/minute'" in str(info.value)
    monkeypatch.setenv("CLOUDAI_RATE_LIMIT_USER", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    limiter = settings.limiter()
    assert all(limiter.check("slack", "U1") is None for _ in range(100))  # "" = no per-user limit


def test_the_default_rates_are_rates() -> None:
    """Settings leave their own defaults unparsed (the limits library stays out of start-up),
    so they are checked here: each parses, and a limiter built on them refuses in time."""
    from bot.ratelimit import parse_limit

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    for name in ("rate_limit_user", "rate_limit_channel"):
        default = Settings.model_fields[name].default
        assert getattr(settings, name) == default and parse_limit(default, name).amount > 0
    limiter = settings.limiter()
    assert any(limiter.check("slack", "U1") is not None for _ in range(100))


def test_questions_arriving_at_once_are_counted_one_by_one() -> None:
    """Adapters check the limit from several threads: a burst must not slip past it."""
    import threading

    def burst() -> int:
        limiter = QuestionLimiter(per_user="5/minute", per_channel=None)
        start = threading.Barrier(20)
        passed: list[bool] = []

        def ask() -> None:
            start.wait()
            passed.append(limiter.check("discord", "U1", "C1") is None)

        threads = [threading.Thread(target=ask) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return passed.count(True)

    assert [burst() for _ in range(20)] == [5] * 20
