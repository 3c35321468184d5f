"""The intent catalog's schema: a mistake in config/intents.yaml stops loading with one line
naming the file and the line of the entry, and the digest finds its intents by role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot import catalog_schema
from bot.assistant import DEFAULT_CATALOG, Assistant
from bot.digest import DigestComposer, History
from bot.intents import IntentCatalog

from .conftest import run_cloudai, write

CATALOG = """\
# a small catalog
bot_names: [cloudai]

synonyms:
  - [k8s, kubernetes]

intents:
  - id: help
    title: Help
    description: how to use cloudai
    examples: ["help"]
    patterns:
      - '^(help|usage)$'
    answer: help

  - id: trends
    title: Trends
    description: where things are heading
    examples: ["trends"]
    phrases: [trend, trends, future, emerging]
    sections: [trend, trends, emerging, outlook]
    role: trends

  - id: market_figures
    title: Market figures
    description: market size
    examples: ["market size"]
    phrases: [market, market size]
    sections: [market, figures]
    prefer: figures
    role: figures
"""

RADAR = ("---\ntitle: Tech radar\ntags: [notes]\n---\n# Tech radar\n\n## Emerging trends\n\n"
         "### Serverless GPUs\n\nServerless GPU offerings let teams pay per second for inference capacity.\n\n"
         "### Vector databases\n\nVector databases index embeddings for semantic search at scale.\n\n"
         "## Team lunch\n\nWe meet on Fridays at noon in the big room on the second floor.\n")


def catalog_file(tmp_path: Path, text: str) -> Path:
    return write(tmp_path, "intents.yaml", text)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the only line of `text` that is `needle` (stripped)."""
    [n] = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == needle]
    return n


def load_error(path: Path) -> str:
    with pytest.raises(ValueError) as caught:
        IntentCatalog.load(path)
    message = str(caught.value)
    assert "\n" not in message, message
    return message


# -- the bundled catalog ---------------------------------------------------------------------


def test_the_bundled_catalog_validates_and_names_its_roles() -> None:
    catalog = IntentCatalog.load(DEFAULT_CATALOG)
    assert len(catalog.by_id) == len(catalog.intents) >= 10
    assert catalog.with_role("trends") is catalog.by_id["trends"]
    assert catalog.with_role("figures") is catalog.by_id["market_figures"]
    assert {i.answer for i in catalog.intents} == {None, "help", "greeting", "topics"}
    assert {i.prefer for i in catalog.intents} == {None, "figures", "prices"}  # `intro` was never read: gone
    assert {i.requires for i in catalog.intents} == {None, "prices"}
    assert all(p.pattern for i in catalog.intents for p in i.patterns)


def test_the_small_catalog_loads(tmp_path: Path) -> None:
    catalog = IntentCatalog.load(catalog_file(tmp_path, CATALOG))
    assert [i.id for i in catalog.intents] == ["help", "trends", "market_figures"]
    assert catalog.by_id["trends"].role == "trends" and catalog.by_id["help"].role is None
    assert catalog.by_id["help"].answer == "help"


def test_empty_values_and_numbers_are_read_as_before(tmp_path: Path) -> None:
    text = CATALOG.replace("    phrases: [market, market size]", "    phrases:\n    expand:") + (
        "\n  - id: telecom\n    slots:\n      network:\n        g5: [5g, 5]\n        none:\n")
    catalog = IntentCatalog.load(catalog_file(tmp_path, text))
    assert catalog.by_id["market_figures"].phrases == ()
    assert catalog.by_id["telecom"].title == "telecom"
    assert catalog.by_id["telecom"].slots == {"network": {"g5": (("5g",), ("5",)), "none": ()}}


# -- a validated catalog is kept: read back while the file is unchanged --------------------


def not_validated(path: Path, raw: bytes) -> None:
    raise AssertionError(f"{path} was validated again")


def catalog_seen(catalog: IntentCatalog) -> tuple[object, ...]:
    """What a catalog is, as the assistant uses it."""
    return (catalog.intents, catalog.synonyms, catalog.words, catalog.strip_bot_name("cloudai trends"))


def test_an_unchanged_catalog_is_read_back_without_validating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = catalog_file(tmp_path, CATALOG)
    first = IntentCatalog.load(path)
    assert list((tmp_path / "cache" / "cloudai").glob("intents-*.json"))
    monkeypatch.setattr(catalog_schema, "validate_catalog", not_validated)
    assert catalog_seen(IntentCatalog.load(path)) == catalog_seen(first)


def test_an_edited_catalog_is_validated_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = catalog_file(tmp_path, CATALOG)
    IntentCatalog.load(path)
    text = CATALOG.replace("    role: trends\n", "    role: trends\n    prefers: figures\n")
    path.write_text(text, encoding="utf-8")
    assert load_error(path).startswith(f"{path}:{line_of(text, 'prefers: figures')}: intent 'trends': unknown key")
    path.write_text(CATALOG.replace("[trend, trends, future, emerging]", "[trend, trends, horizon]"), encoding="utf-8")
    assert IntentCatalog.load(path).by_id["trends"].phrases == (("trend",), ("trend",), ("horizon",))


def test_a_broken_or_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = catalog_file(tmp_path, CATALOG)
    expected = catalog_seen(IntentCatalog.load(path))
    [kept] = (tmp_path / "cache" / "cloudai").glob("intents-*.json")
    for broken in ('{"intents": [', "[]", '{"intents": []}', "\xff\xfe"):
        kept.write_bytes(broken.encode("latin-1"))
        assert catalog_seen(IntentCatalog.load(path)) == expected, broken
    blocker = write(tmp_path, "not-a-folder", "a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert catalog_seen(IntentCatalog.load(path)) == expected


# -- mistakes: one line, the file and the line -----------------------------------------------


def test_an_unknown_key_names_the_file_the_line_and_the_intent(tmp_path: Path) -> None:
    text = CATALOG.replace("    role: trends\n", "    role: trends\n    prefers: figures\n")
    path = catalog_file(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, 'prefers: figures')}: intent 'trends': unknown key 'prefers'")
    assert "did you mean 'prefer'?" in message


def test_an_unknown_top_level_key_names_its_line(tmp_path: Path) -> None:
    text = CATALOG.replace("synonyms:", "synonym:")
    path = catalog_file(tmp_path, text)
    assert load_error(path).startswith(f"{path}:{line_of(text, 'synonym:')}: unknown key 'synonym'")


def test_an_unknown_answer_value_is_an_error(tmp_path: Path) -> None:
    text = CATALOG.replace("    answer: help", "    answer: helpme")
    path = catalog_file(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, 'answer: helpme')}: intent 'help': answer: 'helpme'")
    assert "'help', 'greeting' or 'topics'" in message


@pytest.mark.parametrize("value", ["intro", "figure", "numbers"])
def test_a_prefer_value_nothing_reads_is_an_error(tmp_path: Path, value: str) -> None:
    text = CATALOG.replace("    prefer: figures", f"    prefer: {value}")
    path = catalog_file(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line_of(text, f'prefer: {value}')}: intent 'market_figures': prefer: "
                              f"'{value}' is not allowed")


def test_an_unknown_role_is_an_error(tmp_path: Path) -> None:
    text = CATALOG.replace("    role: trends", "    role: trend")
    path = catalog_file(tmp_path, text)
    assert load_error(path).startswith(f"{path}:{line_of(text, 'role: trend')}: intent 'trends': role: 'trend'")


def test_a_pattern_that_does_not_compile_names_its_line(tmp_path: Path) -> None:
    text = CATALOG.replace("      - '^(help|usage)$'", "      - '^(help|usage)$'\n      - '^(help'")
    path = catalog_file(tmp_path, text)
    message = load_error(path)
    line = line_of(text, "- '^(help'")
    assert message.startswith(f"{path}:{line}: intent 'help': patterns[1]: ")
    assert "does not compile" in message


def test_a_duplicate_id_is_an_error(tmp_path: Path) -> None:
    text = CATALOG + "\n  - id: help\n    title: Help again\n"
    path = catalog_file(tmp_path, text)
    first, second = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() == "- id: help"]
    assert load_error(path) == f"{path}:{second}: intent 'help': duplicate id 'help' (first at line {first})"


def test_two_intents_with_one_role_is_an_error(tmp_path: Path) -> None:
    text = CATALOG + "\n  - id: outlook\n    role: trends\n"
    path = catalog_file(tmp_path, text)
    last = len(text.splitlines())
    assert load_error(path).startswith(f"{path}:{last}: intent 'outlook': role 'trends' is also intent 'trends''s")


def test_a_key_given_twice_in_one_intent_is_an_error(tmp_path: Path) -> None:
    text = CATALOG.replace("    role: trends\n", "    role: trends\n    title: Outlook\n")
    path = catalog_file(tmp_path, text)
    assert load_error(path) == f"{path}:{line_of(text, 'title: Outlook')}: intent 'trends': key 'title' is given twice"


def test_an_intent_without_an_id_and_broken_yaml_are_one_line(tmp_path: Path) -> None:
    text = CATALOG + "\n  - title: Nameless\n"
    path = catalog_file(tmp_path, text)
    assert load_error(path) == f"{path}:{line_of(text, '- title: Nameless')}: intent #4: missing key 'id'"
    path.write_text(CATALOG.replace("bot_names: [cloudai]", "bot_names: [cloudai"), encoding="utf-8")
    assert load_error(path).startswith(f"{path}:")


# -- the digest finds its intents by role ------------------------------------------------------


def test_a_renamed_trends_intent_with_its_role_still_feeds_the_digest(tmp_path: Path) -> None:
    write(tmp_path / "kb", "radar.md", RADAR)
    renamed = CATALOG.replace("  - id: trends\n    title: Trends", "  - id: whats_coming\n    title: What's coming")
    composer = DigestComposer(Assistant.load(tmp_path / "kb", catalog_file(tmp_path, renamed)))
    assert [t.title for t in composer.trends] == ["Serverless GPUs", "Vector databases"]
    digest = composer.compose(dt.date(2026, 11, 24), History())
    assert digest.trend is not None and digest.trend.title == "Serverless GPUs"
    assert "📈 Trend spotlight" in digest.to_markdown()

    without_role = renamed.replace("    role: trends\n", "")
    composer = DigestComposer(Assistant.load(tmp_path / "kb", catalog_file(tmp_path, without_role)))
    assert composer.trends == []  # found by role, not by id


def test_the_bundled_knowledge_keeps_its_digest_with_renamed_intents(tmp_path: Path) -> None:
    text = DEFAULT_CATALOG.read_text(encoding="utf-8")
    text = text.replace("  - id: trends\n", "  - id: outlook\n").replace("  - id: market_figures\n", "  - id: numbers\n")
    digest = DigestComposer(Assistant.load(None, catalog_file(tmp_path, text))).compose(dt.date(2026, 11, 24),
                                                                                       History())
    assert digest.trend is not None and digest.trend.source.startswith("Key Trends in Cloud and AI › ")
    assert digest.figure is not None and any(c.isdigit() for c in digest.figure.title + digest.figure.text)


# -- the command line --------------------------------------------------------------------------


def test_cloudai_check_reports_a_broken_catalog_in_one_line(tmp_path: Path) -> None:
    text = CATALOG.replace("    role: trends\n", "    role: trends\n    prefers: figures\n")
    path = catalog_file(tmp_path, text)
    expected = f"cloudai: error: {path}:{line_of(text, 'prefers: figures')}: intent 'trends': unknown key 'prefers'"
    proc = run_cloudai(["check"], {"CLOUDAI_INTENTS_FILE": str(path)})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(expected), line
    assert proc.stdout == ""


def test_a_broken_catalog_stops_start_up_in_one_line(tmp_path: Path) -> None:
    path = catalog_file(tmp_path, CATALOG.replace("    answer: help", "    answer: helpme"))
    proc = run_cloudai(["ask", "help"], {"CLOUDAI_INTENTS_FILE": str(path)})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"cloudai: error: {path}:") and "answer: 'helpme' is not allowed" in line
    assert "Traceback" not in proc.stderr


def test_cloudai_check_names_the_catalog_it_validated(tmp_path: Path) -> None:
    path = catalog_file(tmp_path, CATALOG)
    proc = run_cloudai(["check"], {"CLOUDAI_INTENTS_FILE": str(path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"intent catalog {path}: 3 intents" in proc.stdout
