"""The admin's forms for talks and venues: times typed as the venue's wall clock, zones picked
from tzdata with a filter box, the site's words ("Topics") for the editors too."""

from __future__ import annotations

import json
import zoneinfo

from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.widgets import AdminDateTimeInput

# Talks start on the quarter hour; the picker's list of times steps by this many minutes (any
# minute can still be typed).
TIME_STEP_MINUTES = 15

VENUE_TIME_HELP = "In the venue's time zone ({zone}), 24-hour clock."
NO_VENUE_TIME_HELP = "In the venue's time zone (choose the venue first), 24-hour clock."
TOPICS_HELP = "Separated by commas, e.g. optimization, edge of stability; visitors filter by topic."


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone, after an empty choice: a new venue has none until an editor picks one."""
    # Read when a form is built, not at import: the zones come from tzdata, which updates.
    zones = [(name, name) for name in sorted(zoneinfo.available_timezones())]
    return [("", "Choose the venue's time zone"), *zones]


class TimeZoneSelect(forms.Select):
    """The zones as a select, with a box above it that filters them as one types
    (static/admin/js/filter_select.js); without the script it is a plain select."""

    def __init__(self, attrs=None):
        attrs = {"data-filter-placeholder": "Filter zones, e.g. Shanghai", **(attrs or {})}
        super().__init__(attrs=attrs, choices=time_zone_choices)

    class Media:
        js = ["admin/js/filter_select.js"]


class VenueForm(WagtailAdminModelForm):
    """A new venue starts with no zone chosen: the model's default (UTC) is never saved unseen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A copy of a venue keeps its zone: only a venue made from nothing starts without one.
        if self.instance._state.adding and "time_zone" in self.fields:
            self.initial["time_zone"] = ""


class VenueTimeInput(AdminDateTimeInput):
    """Wagtail's date-time picker with times every TIME_STEP_MINUTES; it carries each venue's
    zone so that static/admin/js/venue_zone.js names the chosen venue's zone beside it."""

    def __init__(self, venue_zones: dict[str, str], attrs=None):
        attrs = {
            "data-venue-zones": json.dumps(venue_zones),
            "data-zone-help": VENUE_TIME_HELP,
            "data-no-zone-help": NO_VENUE_TIME_HELP,
            **(attrs or {}),
        }
        super().__init__(attrs=attrs)

    def get_config(self):
        return {**super().get_config(), "step": TIME_STEP_MINUTES}

    @property
    def media(self):
        return super().media + forms.Media(js=["admin/js/venue_zone.js"])


class TalkPageForm(WagtailAdminPageForm):
    """Editors type start and end as the venue's wall-clock time, whatever their own zone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        talk = self.instance
        if talk.pk and talk.venue_id:
            for name in ("start", "end"):
                value = getattr(talk, name)
                if value:
                    self.initial[name] = value.astimezone(talk.venue.zone).replace(tzinfo=None)
        self._name_the_venue_zone()
        if "topics" in self.fields:
            # The site says "Topics" (the tag field's own label is "Tags"); no migration needed.
            self.fields["topics"].label = "Topics"
            self.fields["topics"].help_text = TOPICS_HELP

    def _name_the_venue_zone(self) -> None:
        if "venue" not in self.fields:
            return
        venues = self.fields["venue"].queryset
        zones = {str(pk): zone for pk, zone in venues.values_list("pk", "time_zone")}
        # The venue as submitted (a form shown again with errors), else as saved.
        if self.is_bound:
            chosen = self.data.get(self.add_prefix("venue"))
        else:
            chosen = self.instance.venue_id
        zone = zones.get(str(chosen)) if chosen else None
        help_text = VENUE_TIME_HELP.format(zone=zone) if zone else NO_VENUE_TIME_HELP
        for name in ("start", "end"):
            if name in self.fields:
                self.fields[name].widget = VenueTimeInput(zones)
                self.fields[name].widget.is_required = self.fields[name].required
                self.fields[name].help_text = help_text

    def clean(self):
        cleaned = super().clean()
        venue = cleaned.get("venue")
        for name in ("start", "end"):
            value = cleaned.get(name)
            if value and venue:
                # The form made the input aware in the editor's zone; reread it in the venue's.
                wall = timezone.make_naive(value, timezone.get_current_timezone())
                cleaned[name] = wall.replace(tzinfo=venue.zone)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "The talk must end after it starts.")
        return cleaned
