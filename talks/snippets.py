"""Speakers and venues: snippets that editors keep once and pick on any number of talks."""

from __future__ import annotations

import re
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, pgettext
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField
from wagtail.models import TranslatableMixin
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from .forms import TimeZoneSelect, VenueForm
from .mathtext import MATH_FEATURE

# Bios are shown with their math rendered (richtext_math), so "/" is typed as text.
BIO_FEATURES = ["bold", "italic", "link", "ol", "ul", MATH_FEATURE]
# The site shows a speaker's photo with Wagtail's fill-WxH (square) filters: say so where it is
# chosen, so that an editor sets the focal point rather than cropping the file by hand.
PHOTO_HELP = (
    "Shown as a square: the image is cropped to a centred square around its focal point (set"
    " one on the image's edit page if the face is off-centre). At least 400 × 400 pixels."
)


def validate_time_zone(value: str) -> None:
    """Refuse a name that is not an IANA zone known to this server's tzdata."""
    # Checked at run time rather than frozen into the field's choices (and so into migrations).
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a known IANA time zone; pick one such as Europe/London.",
            code="unknown_time_zone",
            params={"value": value},
        )


# ASCII digits only: \d would also take Arabic-Indic and other scripts' digits.
ORCID_FORMAT = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")
ORCID_HELP = "The speaker's ORCID iD, e.g. 0000-0002-1825-0097 (without https://orcid.org/)."


def orcid_check_digit(base_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an ORCID iD's first 15 digits."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    """Refuse anything but an ORCID iD whose check digit is right (a mistyped digit fails it)."""
    if not ORCID_FORMAT.fullmatch(value):
        raise ValidationError(
            "Enter an ORCID iD as four groups of four characters, e.g. 0000-0002-1825-0097.",
            code="orcid_format",
        )
    digits = value.replace("-", "")
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise ValidationError(
            "“%(value)s” is not a valid ORCID iD: its last character does not match the others"
            " (check for a mistyped digit).",
            code="orcid_checksum",
            params={"value": value},
        )


class Speaker(TranslatableMixin, index.Indexed, models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
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
    homepage = models.URLField(blank=True, help_text="Shown as a link on the speaker's page.")
    orcid = models.CharField(
        "ORCID iD", max_length=19, blank=True, validators=[validate_orcid], help_text=ORCID_HELP
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("position"), FieldPanel("affiliation")]),
        FieldPanel("photo", help_text=PHOTO_HELP),
        FieldPanel("bio"),
        FieldRowPanel([FieldPanel("homepage"), FieldPanel("orcid")]),
    ]

    # wagtail-localize: what a translator translates, and what every translation copies from
    # the English speaker on each sync (the slug too: one address per speaker, /zh-hans/ before).
    override_translatable_fields = [
        TranslatableField("name"),
        TranslatableField("position"),
        TranslatableField("affiliation"),
        TranslatableField("bio"),
        SynchronizedField("slug", overridable=False),
        SynchronizedField("photo"),
        SynchronizedField("homepage"),
        SynchronizedField("orcid", overridable=False),
    ]

    # The admin's speaker list and chooser search these (as you type: the autocomplete ones).
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("affiliation"),
        index.AutocompleteField("affiliation"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["name"]
        constraints = [
            # A speaker's translations share its slug; within a language it names one speaker.
            models.UniqueConstraint(fields=["slug", "locale"], name="unique_speaker_slug_locale"),
        ]

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
        # Unique across languages, so a translation can take the English speaker's slug.
        while (
            Speaker.objects.filter(slug=slug).exclude(translation_key=self.translation_key).exists()
        ):
            slug, n = f"{base}-{n}", n + 1
        return slug

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()


class Venue(TranslatableMixin, models.Model):
    # A new venue starts with no zone chosen, whatever the column's default (no migration).
    base_form_class = VenueForm

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
        # The list is read from tzdata each time the form is shown, and filtered as one types.
        FieldPanel("time_zone", widget=TimeZoneSelect),
        FieldPanel("map_url"),
    ]

    # wagtail-localize: the words are translated; where and when are the English venue's.
    override_translatable_fields = [
        TranslatableField("name"),
        TranslatableField("building"),
        TranslatableField("address"),
        SynchronizedField("room", overridable=False),
        SynchronizedField("time_zone", overridable=False),
        SynchronizedField("map_url"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def place(self) -> str:
        """One line a visitor (or a calendar) can find the room by, in the active language:
        "Room 313, Computer Building, Beijing"; "中国北京市 计算机楼 313 室" (Chinese writes a
        place from the largest part to the smallest)."""
        room = self.room and gettext("Room %(room)s") % {"room": self.room}
        parts = [part for part in (room, self.building, self.address) if part]
        if pgettext("order of an address's parts", "smallest first") == "largest first":
            return " ".join(reversed(parts)) or self.name
        return ", ".join(parts) or self.name


class TopicName(models.Model):
    """A topic's name in another language. Topics are tags, shared by a talk and its
    translations (one filter, one address per topic); where a topic has no name in the reader's
    language it shows as it was written."""

    tag = models.ForeignKey(
        "taggit.Tag",
        on_delete=models.CASCADE,
        related_name="translated_names",
        verbose_name="topic",
    )
    language = models.CharField(
        max_length=16,
        choices=[
            (code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
        ],
    )
    name = models.CharField(max_length=100)

    panels = [FieldPanel("tag"), FieldPanel("language"), FieldPanel("name")]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "language"], name="one_name_per_topic_language")
        ]
        verbose_name = "topic name in another language"

    def __str__(self) -> str:
        return f"{self.tag.name} ({self.language}): {self.name}"


def topic_name(tag) -> str:
    """A topic's name in the active language (as written where it has none in it)."""
    language = get_language()
    if language == settings.LANGUAGE_CODE:
        return tag.name
    # From the prefetched names where a listing prefetched them (for_listing), else one query.
    names = (name.name for name in tag.translated_names.all() if name.language == language)
    return next(names, tag.name)
