"""Who may run admin commands (`reload`): the user ids in CLOUDAI_ADMINS.

Slack user ids (`U0123ABCD`) and Discord user ids (numeric snowflakes) never look alike,
so a bare id is enough; `slack:U0123` or `discord:1234` pins an id to one platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLATFORMS = ("slack", "discord")
_ID = re.compile(r"^[A-Za-z0-9]{2,40}$")


@dataclass(frozen=True)
class Admins:
    ids: frozenset[tuple[str | None, str]] = frozenset()  # (platform or None for any, user id)

    @classmethod
    def parse(cls, text: str) -> "Admins":
        """`"U0123, discord:4567"`; a readable ValueError naming CLOUDAI_ADMINS otherwise."""
        ids = set()
        for item in (part.strip() for part in (text or "").replace(";", ",").split(",")):
            if not item:
                continue
            prefix, _, user = item.rpartition(":")
            platform = prefix.strip().lower() or None
            user = user.strip().removeprefix("<@").removesuffix(">")
            if (platform is not None and platform not in PLATFORMS) or not _ID.match(user):
                raise ValueError(f"CLOUDAI_ADMINS={text!r}: {item!r} is not a user id like U0123ABCD, "
                                 "slack:U0123ABCD or discord:123456789012345678")
            ids.add((platform, user))
        return cls(frozenset(ids))

    def allows(self, platform: str, user: str | None) -> bool:
        return bool(user) and ((platform, str(user)) in self.ids or (None, str(user)) in self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)
