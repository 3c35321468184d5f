"""The English word counts (bot/english.py): built once a machine from pyspellchecker's list,
then read back from the user's cache folder without it, and rebuilt when the cache is broken."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import english
from bot.english import WordCounts


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A cache folder of the test's own, and the counts forgotten before and after."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    english._counts.cache_clear()
    yield tmp_path / "cache" / "cloudai"
    english._counts.cache_clear()


def built_again(counted: dict[str, int]) -> WordCounts:
    raise AssertionError("the counts were built again")


def seen(counts: WordCounts) -> tuple[int, ...]:
    return (counts.total, *(counts.get(w) for w in ("the", "tire", "instance", "practises", "zzzqx", "")))


def test_counts_round_trip_in_the_cache_form() -> None:
    counted = {"b": 2, "a": 1, "été": 3, "z": 4, "ab": 5}
    counts = WordCounts.of(counted)
    again = WordCounts.from_bytes(counts.to_bytes())
    assert again is not None
    for got in (counts, again):
        assert [got.get(w) for w in counted] == list(counted.values())
        assert (got.get("c"), got.get(""), got.get("zz"), got.total) == (0, 0, 0, 15)
    data = counts.to_bytes()
    for broken in (data[:-1], data[:40], b"", b"garbage" + data):
        assert WordCounts.from_bytes(broken) is None


def test_the_counts_are_read_back_without_building_them(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = seen(english._counts())
    assert built[2:4] == (16487, 3871) and built[5:] == (0, 0)  # "tire", "instance"; unlisted, empty
    [kept] = own_cache.glob("english-*.bin")
    english._counts.cache_clear()
    monkeypatch.setattr(WordCounts, "of", built_again)
    assert seen(english._counts()) == built
    assert kept.exists()
    assert english.is_common_word("tire") and not english.is_common_word("practises")


def test_a_broken_cache_is_rebuilt(own_cache: Path) -> None:
    built = seen(english._counts())
    [kept] = own_cache.glob("english-*.bin")
    for broken in (kept.read_bytes()[:1000], b"\x00" * 64):
        kept.write_bytes(broken)
        english._counts.cache_clear()
        assert seen(english._counts()) == built
        assert WordCounts.from_bytes(kept.read_bytes()) is not None  # written again, whole
