"""The digest schedule is stated once (`Settings`: the time, the zone, `digest_days`): the due
check and the cron trigger read it alike, and the README and config/example.env state its
defaults."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from bot.delivery import DigestScheduler, DigestService
from bot.settings import Settings

from .conftest import ROOT

SCHEDULE = {"CLOUDAI_DIGEST_TIME": "digest_time", "CLOUDAI_DIGEST_TZ": "digest_tz",
            "CLOUDAI_DIGEST_SKIP_WEEKENDS": "digest_skip_weekends"}


@pytest.mark.parametrize("skip_weekends", [False, True])
def test_the_scheduler_fires_exactly_when_the_service_says_the_digest_is_due(skip_weekends: bool) -> None:
    settings = Settings(_env_file=None, digest_time="09:00:30.25", digest_tz="Europe/Paris",  # type: ignore[call-arg]
                        digest_skip_weekends=skip_weekends)
    service = DigestService(lambda: None, None, settings, [])  # type: ignore[arg-type,return-value]
    trigger = DigestScheduler(service).trigger
    first = dt.date(2026, 3, 23)  # a Monday; Paris moves to summer time on Sunday 29 March
    days = [first + dt.timedelta(days=n) for n in range(14)]
    expected = [service.slot(d) for d in days if service.posts_on(d)]
    fired: list[dt.datetime] = []
    now = dt.datetime.combine(first, dt.time(0), tzinfo=settings.zone)
    while len(fired) < len(expected):
        nxt = trigger.get_next_fire_time(fired[-1] if fired else None, now)
        fired.append(nxt)
        now = nxt + dt.timedelta(microseconds=1)
    assert fired == expected
    assert len(expected) == (10 if skip_weekends else 14)
    for at in fired:  # each firing finds the digest due, and a second earlier it is not
        assert service.due(at) == at.date() and service.due(at - dt.timedelta(seconds=1)) is None


def test_the_readme_and_example_env_state_the_schedule_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SCHEDULE:
        monkeypatch.delenv(name, raising=False)
    default = Settings(_env_file=None)  # type: ignore[call-arg]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "config" / "example.env").read_text(encoding="utf-8")
    for variable, field in SCHEDULE.items():
        row = re.search(rf"^\| `{variable}` \| `([^`]*)` \|", readme, re.M)
        line = re.search(rf"^#? ?{variable}=(.*)$", example, re.M)
        assert row and line, f"{variable} is not in the README's digest table or config/example.env"
        for where, text in (("README.md", row[1]), ("config/example.env", line[1].strip())):
            stated = getattr(Settings(_env_file=None, **{field: text}), field)  # type: ignore[call-arg]
            assert stated == getattr(default, field), f"{where} says {variable}={text}, the default is " \
                                                      f"{getattr(default, field)}"
