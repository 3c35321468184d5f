"""Settings from the environment (and a `.env` file) through pydantic-settings.

Only what the core needs lives here; platform adapters add their own settings classes
with their own prefixes, so a missing Slack token never stops `cloudai ask`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .ratelimit import QuestionLimiter, parse_limit


class CoreSettings(BaseSettings):
    """`CLOUDAI_*` variables for the core."""

    model_config = SettingsConfigDict(env_prefix="CLOUDAI_", env_file=".env", extra="ignore")

    knowledge_dir: Path | None = None  # CLOUDAI_KNOWLEDGE_DIR: default is the bundled knowledge/
    intents_file: Path | None = None  # CLOUDAI_INTENTS_FILE: default is config/intents.yaml
    rate_limit_user: str = "6/minute"  # CLOUDAI_RATE_LIMIT_USER: questions one person may ask ("" = no limit)
    rate_limit_channel: str = "30/minute"  # CLOUDAI_RATE_LIMIT_CHANNEL: questions per channel ("" = no limit)

    @field_validator("rate_limit_user", "rate_limit_channel")
    @classmethod
    def _a_rate(cls, value: str, info: object) -> str:
        if value.strip():
            parse_limit(value, f"CLOUDAI_{getattr(info, 'field_name', 'rate_limit').upper()}")
        return value.strip()

    def limiter(self) -> QuestionLimiter:
        return QuestionLimiter(self.rate_limit_user or None, self.rate_limit_channel or None)
