"""Talks: reusable speakers and venues (snippets), the home page, a series index and talk pages."""

from __future__ import annotations

import hashlib
import json
import re
import zoneinfo
from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from demos.blocks import DemoBlock, demo_blocks, shared_runs
from demos.models import DemoRun

from .blocks import TalkBodyBlock

# How long a visitor may see a talk page without an edit to a speaker or venue (snippets, not
# part of the page's version), or without a run status that its demo block looked up on its own.
RENDERED_PAGE_SECONDS = 60
BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote)>|<br\s*/?>")
TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
BIO_FEATURES = ["bold", "italic", "link", "ol", "ul"]
ABSTRACT_FEATURES = ["bold", "italic", "link", "ol", "ul", "code", "superscript", "subscript"]


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

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("affiliation"),
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
        choices=TIME_ZONE_CHOICES,
        default="UTC",
        help_text="IANA zone of the venue; talk times are entered and shown in it.",
    )
    map_url = models.URLField("map link", blank=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("building"), FieldPanel("room")]),
        FieldPanel("address"),
        FieldPanel("time_zone"),
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


class HomePage(Page):
    intro = RichTextField(features=BIO_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["talks.TalkIndexPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        talks = TalkPage.objects.live().public().for_listing()
        upcoming = list(talks.upcoming()[:7])
        next_talk = next((t for t in upcoming if t.status == TalkPage.Status.SCHEDULED), None)
        context["next_talk"] = next_talk
        context["upcoming"] = [t for t in upcoming if t is not next_talk][:6]
        context["recent"] = talks.past()[:6]
        context["series"] = TalkIndexPage.objects.live().public().child_of(self)
        return context


class TalkIndexPage(RoutablePageMixin, Page):
    """A series of talks (e.g. a department's seminar), with its listing, feeds and calendar."""

    intro = RichTextField(features=BIO_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["talks.HomePage", "wagtailcore.Page"]
    subpage_types = ["talks.TalkPage"]

    PAST_PER_PAGE = 10

    def talks(self) -> TalkPageQuerySet:
        return TalkPage.objects.live().public().child_of(self).for_listing()

    @path("")
    def listing(self, request):
        from .filters import TalkFilter

        talk_filter = TalkFilter(request.GET, queryset=self.talks(), series=self)
        if not talk_filter.is_valid():
            raise Http404("Unknown filter value.")
        talks = talk_filter.qs
        past = Paginator(talks.past(), self.PAST_PER_PAGE)
        try:
            past_page = past.page(request.GET.get("page", 1))
        except InvalidPage as exc:
            raise Http404("No such page of past talks.") from exc
        context = {
            "filter": talk_filter,
            "is_filtered": any(talk_filter.form.cleaned_data.values()),
            "upcoming": talks.upcoming() if past_page.number == 1 else [],
            "past_page": past_page,
        }
        return self.render(request, context_overrides=context)

    @path("feed/", name="atom_feed")
    def atom_feed(self, request):
        from .feeds import TalkAtomFeed

        return TalkAtomFeed()(request, series=self)

    @path("calendar/", name="calendar")
    def calendar(self, request):
        from .calendar import calendar_response

        return calendar_response(request, self.talks(), name=self.title, filename=self.slug)


class TalkPageQuerySet(PageQuerySet):
    """One definition of upcoming and past, used by views, feeds and tests alike."""

    def upcoming(self, now: datetime | None = None) -> TalkPageQuerySet:
        # A talk stays "upcoming" until it ends, so one in progress is still listed first.
        return self.filter(end__gte=now or timezone.now()).order_by("start")

    def past(self, now: datetime | None = None) -> TalkPageQuerySet:
        return self.filter(end__lt=now or timezone.now()).order_by("-start")

    def for_listing(self) -> TalkPageQuerySet:
        return self.select_related("venue").prefetch_related("speaker_links__speaker", "topics")


class TalkTopic(TaggedItemBase):
    content_object = ParentalKey(
        "talks.TalkPage", related_name="topic_items", on_delete=models.CASCADE
    )


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


class TalkPage(RoutablePageMixin, Page):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        POSTPONED = "postponed", "Postponed"

    start = models.DateTimeField(null=True, help_text="Local time at the venue (24-hour clock).")
    end = models.DateTimeField(null=True, help_text="Local time at the venue (24-hour clock).")
    venue = models.ForeignKey(
        Venue, null=True, blank=False, on_delete=models.PROTECT, related_name="talks"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    abstract = RichTextField(
        features=ABSTRACT_FEATURES,
        blank=True,
        help_text="Write math between $…$ (inline) or $$…$$ (display), in LaTeX.",
    )
    topics = ClusterTaggableManager(through=TalkTopic, blank=True)
    slides_url = models.URLField("slides link", blank=True)
    recording_url = models.URLField("recording link", blank=True)
    body = StreamField(
        TalkBodyBlock(demo_blocks()),
        blank=True,
        help_text="Extra material beside the abstract: text, images, videos and live demos.",
    )

    # Calendar bookkeeping, kept out of revisions (see with_content_json).
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    calendar_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                InlinePanel("speaker_links", label="Speaker", min_num=1),
            ],
            heading="Speakers",
        ),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("status"),
            ],
            heading="When and where",
        ),
        FieldPanel("abstract"),
        FieldPanel("topics"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("slides_url"), FieldPanel("recording_url")])],
            heading="Slides and recording",
        ),
        FieldPanel("body"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("abstract"),
        index.SearchField("speaker_names"),
        index.SearchField("topic_names"),
        index.FilterField("start"),
        index.FilterField("end"),
        index.FilterField("status"),
    ]

    parent_page_types = ["talks.TalkIndexPage"]
    subpage_types: list[str] = []

    base_form_class = TalkPageForm
    objects = PageManager.from_queryset(TalkPageQuerySet)()

    class Meta:
        indexes = [models.Index(fields=["start"]), models.Index(fields=["end"])]

    def clean(self):
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The talk must end after it starts."})

    def with_content_json(self, content):
        obj = super().with_content_json(content)
        # Publishing an older revision must never rewind the calendar SEQUENCE.
        obj.calendar_sequence = self.calendar_sequence
        obj.calendar_fingerprint = self.calendar_fingerprint
        return obj

    # --- what the templates, feeds and calendars show ---------------------------------------

    @cached_property
    def speakers(self) -> list[Speaker]:
        return [link.speaker for link in self.speaker_links.all()]

    def speaker_names(self) -> str:
        return ", ".join(s.name for s in self.speakers)

    def topic_names(self) -> str:
        return " ".join(t.name for t in self.topics.all())

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return self.venue.zone if self.venue else zoneinfo.ZoneInfo("UTC")

    @property
    def local_start(self) -> datetime | None:
        return self.start.astimezone(self.zone) if self.start else None

    @property
    def local_end(self) -> datetime | None:
        return self.end.astimezone(self.zone) if self.end else None

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_postponed(self) -> bool:
        return self.status == self.Status.POSTPONED

    @property
    def is_past(self) -> bool:
        return bool(self.end and self.end < timezone.now())

    @property
    def abstract_text(self) -> str:
        # Block ends become spaces so paragraphs don't run together once tags are stripped.
        spaced = BLOCK_END.sub(r"\g<0> ", self.abstract or "")
        return " ".join(strip_tags(spaced).split())

    def calendar_uid(self) -> str:
        return f"talk-{self.pk}@{settings.CALENDAR_UID_DOMAIN}"

    def calendar_state(self) -> str:
        """A digest of everything a subscribed calendar shows; a change bumps SEQUENCE."""
        shown = [
            self.title,
            self.start.isoformat() if self.start else "",
            self.end.isoformat() if self.end else "",
            self.status,
            self.venue.place if self.venue else "",
            self.venue.time_zone if self.venue else "",
            self.speaker_names(),
            self.abstract,
        ]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()

    def structured_data(self, request) -> dict:
        """schema.org Event for search engines."""
        statuses = {
            self.Status.SCHEDULED: "https://schema.org/EventScheduled",
            self.Status.CANCELLED: "https://schema.org/EventCancelled",
            self.Status.POSTPONED: "https://schema.org/EventPostponed",
        }
        data = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": self.title,
            "url": self.get_full_url(request),
            "description": self.abstract_text,
            "eventStatus": statuses[self.status],
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "performer": [
                {
                    "@type": "Person",
                    "name": s.name,
                    **({"jobTitle": s.position} if s.position else {}),
                    **(
                        {"affiliation": {"@type": "Organization", "name": s.affiliation}}
                        if s.affiliation
                        else {}
                    ),
                }
                for s in self.speakers
            ],
        }
        if self.start:
            data["startDate"] = self.local_start.isoformat()
        if self.end:
            data["endDate"] = self.local_end.isoformat()
        if self.venue:
            data["location"] = {
                "@type": "Place",
                "name": self.venue.name,
                "address": self.venue.place,
            }
        return data

    def demo_blocks(self) -> list:
        """The demo blocks in the body (each has .block, a DemoBlock, and .value)."""
        return [child for child in self.body if isinstance(child.block, DemoBlock)]

    def google_calendar_url(self) -> str:
        from .calendar import google_calendar_url

        return google_calendar_url(self)

    # --- routes -------------------------------------------------------------------------------

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["page_structured_data"] = self.structured_data(request)
        context.update(self.runs_shown)
        context["can_present"] = (
            request.user.is_authenticated
            and bool(self.demo_blocks())
            and self.permissions_for_user(request.user).can_edit()
        )
        return context

    @cached_property
    def runs_shown(self) -> dict:
        """The stored runs the page shows: its demo blocks' charts, the runs recorded at it.

        Looked up once per request (routing gives each request its own page object).
        """
        # A preview of a page never saved has no runs yet.
        recorded = DemoRun.objects.recorded_at(self) if self.pk else DemoRun.objects.none()
        return {
            # Listed by name and parameters only: their replays are megabytes of JSON.
            "recorded_runs": list(recorded.filter(status=DemoRun.Status.DONE).for_display()),
            "demo_runs": shared_runs(self.demo_blocks()),
        }

    @path("")
    def index_route(self, request, *args, **kwargs):
        """The talk page; a visitor who is not signed in gets HTML rendered once per version."""
        if request.user.is_authenticated or getattr(request, "is_preview", False):
            return super().index_route(request, *args, **kwargs)
        key = self.rendered_page_key(request)
        html = cache.get(key)
        if html is None:
            context = self.get_context(request, *args, **kwargs)
            html = render_to_string(self.get_template(request), context, request)
            cache.set(key, html, RENDERED_PAGE_SECONDS)
        return HttpResponse(html)

    def rendered_page_key(self, request) -> str:
        """Changes whenever the page is published, or a run it shows appears or changes status."""
        runs = self.runs_shown
        shown = [
            self.pk,
            self.last_published_at.isoformat() if self.last_published_at else None,
            request.scheme,
            request.get_host(),
            self.is_past,
            sorted((run.pk, run.status) for run in runs["demo_runs"].values()),
            [run.pk for run in runs["recorded_runs"]],
        ]
        digest = hashlib.sha256(json.dumps(shown).encode()).hexdigest()
        return f"talk-page-html:{digest}"

    @path("present/", name="present")
    def present(self, request):
        """Full-screen demos for the speaker; runs made here are recorded at the talk."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not self.permissions_for_user(request.user).can_edit():
            raise PermissionDenied("Only the talk's editors can present its demos.")
        context = {"recorded_runs": DemoRun.objects.recorded_at(self)}
        return self.render(request, context_overrides=context, template="talks/talk_present.html")

    @path("calendar/", name="ics")
    def ics(self, request) -> HttpResponse:
        from .calendar import calendar_response

        return calendar_response(request, [self], name=self.title, filename=self.slug)

    def get_sitemap_urls(self, request=None):
        return [{"location": self.get_full_url(request), "lastmod": self.last_published_at}]


class TalkSpeaker(Orderable):
    """The ordered speakers of one talk."""

    page = ParentalKey(TalkPage, on_delete=models.CASCADE, related_name="speaker_links")
    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="talk_links")

    panels = [FieldPanel("speaker")]

    def __str__(self) -> str:
        return str(self.speaker)
