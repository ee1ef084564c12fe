"""The talk page's admin form: start and end are typed and shown as the venue's wall clock."""

from django.utils import timezone
from wagtail.admin.forms import WagtailAdminPageForm


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
