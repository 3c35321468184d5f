"""Settings from the environment (and a `.env` file) through pydantic-settings.

Only what the core needs lives here; platform adapters add their own settings classes
with their own prefixes, so a missing Slack token never stops `cloudai ask`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class CoreSettings(BaseSettings):
    """`CLOUDAI_*` variables for the core."""

    model_config = SettingsConfigDict(env_prefix="CLOUDAI_", env_file=".env", extra="ignore")

    knowledge_dir: Path | None = None  # CLOUDAI_KNOWLEDGE_DIR: default is the bundled knowledge/
    intents_file: Path | None = None  # CLOUDAI_INTENTS_FILE: default is config/intents.yaml
