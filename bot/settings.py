"""Settings from the environment (and a `.env` file) through pydantic-settings.

Only what the core needs lives here; platform adapters add their own settings classes
with their own prefixes, so a missing Slack token never stops `cloudai ask`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .ratelimit import QuestionLimiter, parse_limit


class CoreSettings(BaseSettings):
    """`CLOUDAI_*` variables for the core."""

    model_config = SettingsConfigDict(env_prefix="CLOUDAI_", env_file=".env", extra="ignore", populate_by_name=True)

    knowledge_dir: Path | None = None  # CLOUDAI_KNOWLEDGE_DIR: default is the bundled knowledge/
    intents_file: Path | None = None  # CLOUDAI_INTENTS_FILE: default is config/intents.yaml
    rate_limit_user: str = "6/minute"  # CLOUDAI_RATE_LIMIT_USER: questions one person may ask ("" = no limit)
    rate_limit_channel: str = "30/minute"  # CLOUDAI_RATE_LIMIT_CHANNEL: questions per channel ("" = no limit)

    # the daily digest and the state store
    digest_time: dt.time = dt.time(9, 0)  # CLOUDAI_DIGEST_TIME: "09:00", in CLOUDAI_DIGEST_TZ
    digest_tz: str = "UTC"  # CLOUDAI_DIGEST_TZ: an IANA zone, "Europe/Paris"
    digest_skip_weekends: bool = False  # CLOUDAI_DIGEST_SKIP_WEEKENDS
    digest_retry_minutes: int = Field(5, ge=1, le=720)  # CLOUDAI_DIGEST_RETRY_MINUTES: after a failed post
    digest_claim_timeout: int = Field(600, ge=10)  # CLOUDAI_DIGEST_CLAIM_TIMEOUT: seconds before a crashed claim expires
    slack_digest_channel: str = Field("", validation_alias=AliasChoices("SLACK_DIGEST_CHANNEL",
                                                                         "CLOUDAI_SLACK_DIGEST_CHANNEL"))
    discord_digest_channel_id: str = Field("", validation_alias=AliasChoices("DISCORD_DIGEST_CHANNEL_ID",
                                                                              "CLOUDAI_DISCORD_DIGEST_CHANNEL_ID"))
    database_url: str | None = None  # CLOUDAI_DATABASE_URL: default SQLite under the data directory

    @field_validator("digest_tz")
    @classmethod
    def _a_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"CLOUDAI_DIGEST_TZ={value!r} is not an IANA time zone such as 'Europe/Paris'") from None
        return value

    @field_validator("discord_digest_channel_id")
    @classmethod
    def _a_snowflake(cls, value: str) -> str:
        if value.strip() and not value.strip().isdigit():
            raise ValueError(f"DISCORD_DIGEST_CHANNEL_ID={value!r} is not a channel id (Developer Mode → right-click "
                             "the channel → Copy Channel ID)")
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.digest_tz)

    @field_validator("rate_limit_user", "rate_limit_channel")
    @classmethod
    def _a_rate(cls, value: str, info: object) -> str:
        if value.strip():
            parse_limit(value, f"CLOUDAI_{getattr(info, 'field_name', 'rate_limit').upper()}")
        return value.strip()

    def limiter(self) -> QuestionLimiter:
        return QuestionLimiter(self.rate_limit_user or None, self.rate_limit_channel or None)


def load_core_settings() -> CoreSettings:
    """CoreSettings, or ValueError with one readable line per bad variable (no pydantic dump)."""
    from pydantic import ValidationError

    try:
        return CoreSettings()
    except ValidationError as exc:
        raise ValueError(describe(exc, CoreSettings)) from None


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_or_explain(model: type[SettingsT], prog: str, missing: Callable[[SettingsT], list[str]],
                    context: str = "") -> SettingsT | None:
    """Settings for a command, or None after printing to stderr what is invalid (one line naming
    each variable) or missing (each variable with where to find it)."""
    import sys

    from pydantic import ValidationError

    try:
        settings = model()
    except ValidationError as exc:
        print(f"{prog}: invalid settings: {describe(exc, model)}", file=sys.stderr)
        return None
    lines = missing(settings)
    if lines:
        print(f"{prog}{context}: missing settings; set them in the environment or .env:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
        return None
    return settings


def describe(exc: "ValidationError", model: type[BaseSettings]) -> str:  # noqa: F821
    """'CLOUDAI_DIGEST_TIME='9am': input should be in a valid time format' for each error."""
    lines = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        variable = variable_name(model, name)
        message = str(err["msg"]).removeprefix("Value error, ")
        if message.startswith(f"{variable}="):
            lines.append(message)
        else:
            lines.append(f"{variable}={err.get('input')!r}: {message[:1].lower() + message[1:]}")
    return "; ".join(lines)


def variable_name(model: type[BaseSettings], field: str) -> str:
    """The environment variable a settings field is read from (its first alias, else prefix+NAME)."""
    info = model.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if field.isupper():
        return field
    return (str(model.model_config.get("env_prefix") or "") + field).upper()
