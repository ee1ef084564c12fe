"""Talk times written for the active language: "Wed 25 Sep 2024, 16:00" in English,
"2024年9月25日 星期三 16:00" in Chinese. The layouts are Django date formats kept in the gettext
catalog (context "date format"), so a translator sets each language's order and separators;
the month and weekday names come from Django's own catalogs."""

from __future__ import annotations

from datetime import datetime

from django.utils import dateformat
from django.utils.translation import pgettext_lazy

# Named layouts, one per place a time is shown. A name says what the text is, not its English.
FORMATS = {
    # A talk's start, or an end on another day: "Wed 25 Sep 2024, 16:00".
    "day_time": pgettext_lazy("date format", "D j M Y, H:i"),
    # The day before an end's clock when the talk ends on another day: "Thu 26 Sep 2024, ".
    "day_then_time": pgettext_lazy("date format", "D j M Y, "),
    # A listing row's day column: "Wed 25 Sep 2024".
    "day": pgettext_lazy("date format", "D j M Y"),
    # An end on another day in a listing row, the year being the start's: "Thu 26 Sep, ".
    "short_day_then_time": pgettext_lazy("date format", "D j M, "),
    # A moment without its weekday (runs, recording windows): "25 Sep 2024, 16:00".
    "date_time": pgettext_lazy("date format", "j M Y, H:i"),
    # Emails spell names out: "Wednesday 25 September 2024, 16:00".
    # The Atom feed's items: the same with a two-digit day, "Wednesday 05 September 2024, 16:00".
    "feed_day_time": pgettext_lazy("date format", "l d F Y, H:i"),
    "long_day_time": pgettext_lazy("date format", "l j F Y, H:i"),
    # A clock time, the same in both languages.
    "time": "H:i",
}


def format_moment(moment: datetime, style: str) -> str:
    """`moment` (already in the zone to show) in the active language's layout for `style`."""
    return dateformat.format(moment, str(FORMATS[style]))
