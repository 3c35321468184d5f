"""Whether anything configures cloudai, answered without reading the settings.

`cloudai ask` (and `search`, `check`) read three core settings: the knowledge folder, the
intent catalog, and the admins they check. Reading them imports pydantic-settings, about
0.15 s of a start-up that should stay under half a second. When neither the environment nor
the `.env` file names a cloudai variable, every setting is its default and a command that
needs nothing else may skip reading them. `Settings` takes its prefix and file name from
here, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_PREFIX = "CLOUDAI_"  # every core setting's variable starts with it (any case, as pydantic-settings reads)
ENV_FILE = ".env"  # read from the working folder, as pydantic-settings reads it


def anything_configured(environ: Mapping[str, str] | None = None, env_file: Path = Path(ENV_FILE)) -> bool:
    """True when a `CLOUDAI_` variable is set in the environment or appears in the `.env`
    file (a mention in a comment counts too: the full read is only slower, never wrong)."""
    names = os.environ if environ is None else environ
    if any(name.upper().startswith(ENV_PREFIX) for name in names):
        return True
    try:
        text = env_file.read_text(encoding="utf-8", errors="replace")
    except OSError:  # no .env (the usual case), or one that pydantic-settings could not read either
        return False
    return ENV_PREFIX in text.upper()
