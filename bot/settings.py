"""Every option, from the environment (and a `.env` file), in pydantic-settings classes.

`Settings` holds the core options (the `CLOUDAI_` prefix; Heroku's `PORT` and `DATABASE_URL`
too). Each chat platform declares its own settings model in its adapter module, read as a
section of `Settings` (`settings.section(Model)`) from the same environment and `.env` file;
a platform's secrets keep the names its own docs use, with a `CLOUDAI_` spelling accepted
too. Everything is optional at this level: each command checks only what it needs
(`missing`), so a missing platform token never stops `cloudai ask`.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, ValidationError, create_model, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .configured import ENV_FILE, ENV_PREFIX

if TYPE_CHECKING:
    from .admins import Admins
    from .ratelimit import QuestionLimiter
    from .store import Store

S = TypeVar("S", bound=BaseSettings)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as date.weekday() counts, and cron names them


def _env(*names: str) -> AliasChoices:
    """The variable names a field is read from, the documented one first."""
    return AliasChoices(*names)


class Settings(BaseSettings):
    """cloudai's core settings, and each platform's section (`section`); `cloudai config` prints
    them, secrets masked."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)
    _env_file: Any = PrivateAttr(default=ENV_FILE)
    _sections: dict[type[BaseSettings], BaseSettings] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        """As BaseSettings (`Settings(_env_file=None, port=80)`); the env file it read is kept so
        that each section reads the same one."""
        super().__init__(**values)
        self._env_file = values.get("_env_file", self.model_config.get("env_file"))

    # -- knowledge and answers
    knowledge_dir: Path | None = None  # CLOUDAI_KNOWLEDGE_DIR: default is the bundled knowledge/
    intents_file: Path | None = None  # CLOUDAI_INTENTS_FILE: default is config/intents.yaml
    reload: bool = True  # CLOUDAI_RELOAD: watch the knowledge folder and re-index on change
    admins: str = ""  # CLOUDAI_ADMINS: user ids allowed to `reload` ("U0123, name:U0456": pinned to a platform)
    rate_limit_user: str = "6/minute"  # CLOUDAI_RATE_LIMIT_USER: questions one person may ask ("" = no limit)
    rate_limit_channel: str = "30/minute"  # CLOUDAI_RATE_LIMIT_CHANNEL: questions per channel ("" = no limit)
    followup_minutes: float = Field(15, ge=0, le=1440)  # CLOUDAI_FOLLOWUP_MINUTES: follow-up context

    # -- operations
    log_format: Literal["text", "json"] = "text"  # CLOUDAI_LOG_FORMAT (or --log-format)
    health_port: int | None = Field(None, ge=0, le=65535)  # CLOUDAI_HEALTH_PORT: /healthz + /metrics off HTTP mode
    host: str = "0.0.0.0"  # CLOUDAI_HOST: the address HTTP mode and the health port listen on
    port: int = Field(3000, ge=1, le=65535, validation_alias=_env("PORT", "CLOUDAI_PORT", "port"))
    http_timeout: int = Field(30, ge=1, le=3600)  # CLOUDAI_HTTP_TIMEOUT: idle connection / slow request cut-off (s)

    # -- the daily digest and the state store
    digest_time: dt.time = dt.time(9, 0)  # CLOUDAI_DIGEST_TIME: "09:00", in CLOUDAI_DIGEST_TZ
    digest_tz: str = "UTC"  # CLOUDAI_DIGEST_TZ: an IANA zone, "Europe/Paris"
    digest_skip_weekends: bool = False  # CLOUDAI_DIGEST_SKIP_WEEKENDS
    digest_retry_minutes: int = Field(5, ge=1, le=720)  # CLOUDAI_DIGEST_RETRY_MINUTES: after a failed post
    digest_claim_timeout: int = Field(600, ge=10)  # CLOUDAI_DIGEST_CLAIM_TIMEOUT: seconds before a crashed claim expires
    database_url: SecretStr | None = Field(None, validation_alias=_env(  # default: SQLite in the data directory
        "CLOUDAI_DATABASE_URL", "DATABASE_URL", "database_url"))  # DATABASE_URL: what Heroku and Dokku set
    data_dir: Path | None = None  # CLOUDAI_DATA_DIR: default $XDG_DATA_HOME/cloudai or ~/.local/share/cloudai

    @field_validator("digest_tz")
    @classmethod
    def _a_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"CLOUDAI_DIGEST_TZ={value!r} is not an IANA time zone such as 'Europe/Paris'") from None
        return value

    @field_validator("digest_time")
    @classmethod
    def _whole_seconds(cls, value: dt.time) -> dt.time:
        return value.replace(microsecond=0)  # the cron trigger fires on whole seconds; the slot must match it

    @field_validator("rate_limit_user", "rate_limit_channel")
    @classmethod
    def _a_rate(cls, value: str, info: object) -> str:
        name = getattr(info, "field_name", "rate_limit")
        if value.strip() and value.strip() != cls.model_fields[name].default:
            # a rate someone set; the defaults parse (tests/test_ratelimit.py), and leaving them
            # unparsed keeps the limits library out of `cloudai ask`'s start-up
            from .ratelimit import parse_limit

            parse_limit(value, f"CLOUDAI_{name.upper()}")
        return value.strip()

    @field_validator("admins")
    @classmethod
    def _admin_ids(cls, value: str) -> str:
        from .admins import Admins

        Admins.parse(value, None)  # raises a readable ValueError naming CLOUDAI_ADMINS (any `name:` prefix here)
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.digest_tz)

    @property
    def digest_days(self) -> tuple[str, ...]:
        """The days a digest is posted ("mon"…"sun"): the schedule's one statement of its days, read
        by the due check (`DigestService.posts_on`) and the cron trigger (`DigestScheduler`) alike."""
        return WEEKDAYS[:5] if self.digest_skip_weekends else WEEKDAYS

    @property
    def store_url(self) -> str:
        """CLOUDAI_DATABASE_URL, else SQLite under the data directory."""
        from .store import default_database_url

        return self.database_url.get_secret_value() if self.database_url else default_database_url(self.data_dir)

    def open_store(self) -> "Store":
        """The store these settings name, with their claim timeout and data directory: what
        every command opens (SQLAlchemy loads only now)."""
        from .store import Store

        return Store(self.store_url, claim_timeout=dt.timedelta(seconds=self.digest_claim_timeout),
                     data_dir=self.data_dir)

    def limiter(self) -> "QuestionLimiter":
        from .ratelimit import QuestionLimiter

        return QuestionLimiter(self.rate_limit_user or None, self.rate_limit_channel or None)

    def admin_ids(self, platforms: Iterable[str]) -> "Admins":
        """CLOUDAI_ADMINS, a `name:` prefix naming one of `platforms`; ValueError naming the variable."""
        from .admins import Admins

        return Admins.parse(self.admins, platforms)

    def section(self, model: type[S]) -> S:
        """A platform's settings (its own pydantic-settings model) read from the same environment
        and env file as these, once; ValueError with one readable line per bad variable."""
        if model not in self._sections:
            try:
                self._sections[model] = model(_env_file=self._env_file)  # type: ignore[call-arg]
            except ValidationError as exc:
                raise ValueError(describe(exc, model)) from None
        found = self._sections[model]
        assert isinstance(found, model)
        return found

    def given(self, *sections: BaseSettings) -> "Settings":
        """These settings with sections given rather than read (tests, embedding); returns self."""
        for values in sections:
            self._sections[type(values)] = values
        return self

    def is_set(self, *variables: str) -> bool:
        """Is any of these variables set (not blank) in the environment or the env file, read as a
        section would read it? (Whether a platform has a token, without importing its module.)"""
        if not variables:
            return False
        return filled(getattr(_lookup(variables)(_env_file=self._env_file), "value", None))  # type: ignore[call-arg]


def filled(value: SecretStr | str | None) -> bool:
    """Is a setting given, not blank (a token set to spaces is not a token)?"""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return bool(text and text.strip())


class _Lookup(BaseSettings):
    model_config = SettingsConfigDict(env_file_encoding="utf-8", extra="ignore")


@functools.lru_cache(maxsize=64)
def _lookup(variables: tuple[str, ...]) -> type[BaseSettings]:
    """A one-field settings model reading the first of `variables` that is set."""
    return create_model("Lookup", __base__=_Lookup,
                        value=(str | None, Field(None, validation_alias=AliasChoices(*variables))))


def load_settings() -> Settings:
    """Settings, or ValueError with one readable line per bad variable (no pydantic dump)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ValueError(describe(exc)) from None


def load_or_explain(prog: str, missing: Callable[[Settings], list[str]], context: str = "") -> Settings | None:
    """Settings for a command, or None after printing to stderr what is invalid (one line naming
    each variable) or missing (each variable with where to find it)."""
    import sys

    try:
        settings = load_settings()
    except ValueError as exc:
        print(f"{prog}: invalid settings: {exc}", file=sys.stderr)
        return None
    try:
        lines = missing(settings)  # may read a platform's section, whose values may be invalid
    except ValueError as exc:
        print(f"{prog}: invalid settings: {exc}", file=sys.stderr)
        return None
    if lines:
        print(f"{prog}{context}: missing settings; set them in the environment or .env:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
        return None
    return settings


def describe(exc: ValidationError, model: type[BaseSettings] | None = None) -> str:
    """'CLOUDAI_DIGEST_TIME='9am': input should be in a valid time format' for each error."""
    lines = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        variable = variable_name(name, model)
        message = str(err["msg"]).removeprefix("Value error, ")
        if message.startswith(f"{variable}="):
            lines.append(message)
        else:
            lines.append(f"{variable}={err.get('input')!r}: {message[:1].lower() + message[1:]}")
    return "; ".join(lines)


def variable_name(field: str, model: type[BaseSettings] | None = None) -> str:
    """The environment variable a field of `model` (default: Settings) is read from: its first
    alias, else the model's prefix and the field's name (CLOUDAI_NAME)."""
    model = model or Settings
    info = model.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    if field.isupper():
        return field
    return f"{model.model_config.get('env_prefix') or ''}{field}".upper()


def shown(settings: BaseSettings) -> list[str]:
    """Every setting of `settings` (the core Settings or a platform's section) as NAME=value for
    `cloudai config`: secrets masked, a database password hidden."""
    lines = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if name == "database_url" and value is not None:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                text = make_url(value.get_secret_value()).render_as_string(hide_password=True)
            except ArgumentError:
                text = "(not a database URL)"
        elif isinstance(value, SecretStr):
            text = "********" if value.get_secret_value() else "(not set)"
        elif value is None or value == "":
            text = "(not set)"
        else:
            text = str(value)
        lines.append(f"{variable_name(name, type(settings))}={text}")
    return lines
