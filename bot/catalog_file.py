"""Reading an intent catalog file (config/intents.yaml): validated, or read back validated.

Validating a catalog imports pydantic (bot/catalog_schema.py), about 0.2 s of `cloudai ask`'s
start. What validation gives (the catalog as plain data, and its word list) is kept in the
user's cache folder under a hash of the file and of the schema's source, and read back while
neither changes: an edited file, or a new schema, is validated again. A cache that cannot be
read or written is no error: the file is validated as if there were none.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from .cache import cache_dir, remembered
from .text import content_words

_SCHEMA_SOURCE = Path(__file__).with_name("catalog_schema.py")


def validated_catalog(path: Path) -> dict[str, Any]:
    """The catalog file validated, as plain data: `bot_names`, `synonyms`, `intents` (each
    entry with every key of the schema) and `words` (every word it uses, for typo
    correction). Any problem is a ValueError of one line naming the file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read intent catalog {path}: {exc.strerror or exc}") from None
    return remembered(_kept(raw), _catalog_in, lambda: _validated(path, raw),
                      lambda catalog: json.dumps(catalog, ensure_ascii=False).encode("utf-8"))


def _catalog_in(kept: bytes) -> dict[str, Any] | None:
    """A kept catalog, or None when the file holds something else."""
    catalog = json.loads(kept)
    complete = isinstance(catalog, dict) and {"bot_names", "synonyms", "intents", "words"} <= catalog.keys()
    return catalog if complete else None


def _validated(path: Path, raw: bytes) -> dict[str, Any]:
    from .catalog_schema import validate_catalog  # imports pydantic: only for a file not seen before

    model, data = validate_catalog(path, raw)
    catalog = model.model_dump(mode="json")
    catalog["words"] = sorted({w for s in _strings_in(data) for w in content_words(s) if len(w) > 2})
    return catalog


def _kept(raw: bytes) -> Path | None:
    """Where the validated form of a catalog file holding `raw` is kept (None: nowhere)."""
    folder, schema = cache_dir(), _schema_source()
    if folder is None or schema is None:
        return None
    return folder / f"intents-{hashlib.sha256(raw + schema).hexdigest()[:40]}.json"


@functools.cache
def _schema_source() -> bytes | None:
    """The schema's source (read once a process: it changes only with the code)."""
    try:
        return _SCHEMA_SOURCE.read_bytes()
    except OSError:
        return None


def _strings_in(data: Any) -> list[str]:
    """All strings in a YAML tree except regular expressions (typo correction's word list)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() if k not in ("patterns", "role") for s in _strings_in(k) + _strings_in(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings_in(v)]
    return []
