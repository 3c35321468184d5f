"""Who may run admin commands (`reload`): the user ids in CLOUDAI_ADMINS.

The platforms' user ids (letters and digits, or numeric snowflakes) seldom look alike, so
a bare id is enough; `name:U0123` pins an id to the platform registered as `name`. Which
platform names exist is not known here (bot/ names no platform): whoever parses the ids passes
them in (the registry's names, from the app or the runner); None accepts any lower-case name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

_ID = re.compile(r"^[A-Za-z0-9]{2,40}$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")

@dataclass(frozen=True)
class Admins:
    ids: frozenset[tuple[str | None, str]] = frozenset()  # (platform or None for any, user id)

    @classmethod
    def parse(cls, text: str, platforms: Iterable[str] | None) -> "Admins":
        """`"U0123, name:4567"`; a readable ValueError naming CLOUDAI_ADMINS otherwise. A prefix
        must be one of `platforms`, the registered platform names (None: any lower-case name)."""
        known = list(platforms) if platforms is not None else None
        ids = set()
        for item in (part.strip() for part in (text or "").replace(";", ",").split(",")):
            if not item:
                continue
            prefix, _, user = item.rpartition(":")
            platform = prefix.strip().lower() or None
            user = user.strip().removeprefix("<@").removesuffix(">")
            if (platform is not None and (not _NAME.match(platform) or (known is not None and platform not in known))
                    or not _ID.match(user)):
                pinned = " or ".join(f"{name}:U0123ABCD" for name in known) if known else "platform:U0123ABCD"
                raise ValueError(f"CLOUDAI_ADMINS={text!r}: {item!r} is not a user id like U0123ABCD or {pinned}")
            ids.add((platform, user))
        return cls(frozenset(ids))

    def allows(self, platform: str, user: str | None) -> bool:
        return bool(user) and ((platform, str(user)) in self.ids or (None, str(user)) in self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)
