"""Time zones named so that no visitor can mistake them: "Asia/Shanghai, UTC+8", not "CST"
(which names China's, the US Central and Cuba's)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.utils import timezone

UTC_NAMES = {"UTC", "Etc/UTC", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu"}


def utc_offset(moment: datetime) -> str:
    """A moment's offset from UTC as people write it: UTC+8, UTC-3, UTC+5:30, UTC+0."""
    minutes = int(moment.utcoffset().total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(zone: zoneinfo.ZoneInfo, moment: datetime | None = None) -> str:
    """A zone no visitor can mistake: "Asia/Shanghai, UTC+8" ("CST" names three zones).

    The offset is the one at `moment` (summer time changes it), by default now.
    """
    if zone.key in UTC_NAMES:
        return "UTC"
    return f"{zone.key}, {utc_offset((moment or timezone.now()).astimezone(zone))}"
