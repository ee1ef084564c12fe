"""Speakers and venues: snippets that editors keep once and pick on any number of talks."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField
from wagtail.search import index

BIO_FEATURES = ["bold", "italic", "link", "ol", "ul"]


def time_zone_choices() -> list[tuple[str, str]]:
    # Read when a form is built, not at import: the zones come from tzdata, which updates.
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(value: str) -> None:
    """Refuse a name that is not an IANA zone known to this server's tzdata."""
    # Checked at run time rather than frozen into the field's choices (and so into migrations).
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a known IANA time zone; pick one such as Europe/London.",
            code="unknown_time_zone",
            params={"value": value},
        )


class Speaker(index.Indexed, models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text="Used in the speaker's page address; filled from the name if left blank.",
    )
    position = models.CharField(
        max_length=200, blank=True, help_text="Title or position, e.g. Distinguished Professor."
    )
    affiliation = models.CharField(max_length=300, blank=True)
    bio = RichTextField(features=BIO_FEATURES, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    homepage = models.URLField(blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("position"), FieldPanel("affiliation")]),
        FieldPanel("photo"),
        FieldPanel("bio"),
        FieldPanel("homepage"),
    ]

    # The admin's speaker list and chooser search these (as you type: the autocomplete ones).
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("affiliation"),
        index.AutocompleteField("affiliation"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("speaker_detail", kwargs={"slug": self.slug})

    def _unique_slug(self) -> str:
        base = slugify(self.name)[:190] or "speaker"
        slug, n = base, 2
        while Speaker.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()


class Venue(models.Model):
    name = models.CharField(max_length=200, help_text="As shown on talk pages, e.g. Room 313.")
    building = models.CharField(max_length=200, blank=True)
    room = models.CharField(max_length=100, blank=True)
    address = models.CharField(max_length=400, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA zone of the venue; talk times are entered and shown in it.",
    )
    map_url = models.URLField("map link", blank=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("building"), FieldPanel("room")]),
        FieldPanel("address"),
        # A callable: the list is read from tzdata each time the form is shown.
        FieldPanel("time_zone", widget=forms.Select(choices=time_zone_choices)),
        FieldPanel("map_url"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def place(self) -> str:
        """One line a visitor (or a calendar) can find the room by."""
        parts = [self.room and f"Room {self.room}", self.building, self.address]
        line = ", ".join(p for p in parts if p)
        return line or self.name
