"""The page tree: the home page, a series index with its listing and feeds, and talk pages."""

from __future__ import annotations

import hashlib
import json
import re
import zoneinfo
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Locale, Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from demos.blocks import DemoBlock, shared_runs
from demos.models import DemoRun

from . import structured_data
from .admin_panels import DemoRunsPanel
from .blocks import TalkBodyField
from .calendar import calendar_response, google_calendar_url
from .feeds import TalkAtomFeed
from .filters import TalkFilter
from .forms import TalkPageForm
from .mathtext import MATH_FEATURE
from .sitemap import with_alternates
from .snippets import BIO_FEATURES, Speaker, Venue
from .zones import zone_label

BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote)>|<br\s*/?>")
ABSTRACT_FEATURES = [
    *["bold", "italic", "link", "ol", "ul", "code", "superscript", "subscript"],
    MATH_FEATURE,  # "/" inside $…$ is text, not Draftail's command palette
]
MAX_RECORDING_MARGIN = 720  # minutes: half a day either side of the talk
MAX_ONLINE_MINUTES_BEFORE = 1440  # a day: earlier than that, "before the start" means little


class HomePage(Page):
    intro = RichTextField(features=BIO_FEATURES, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    # Translations keep the address: /zh-hans/ is the Chinese home.
    override_translatable_fields = [SynchronizedField("slug")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["talks.TalkIndexPage"]
    max_count = 1

    def get_sitemap_urls(self, request=None):
        return with_alternates(self, super().get_sitemap_urls(request), request)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The talks in the home page's language (a translation's home lists its translations).
        talks = TalkPage.objects.live().public().shown_in(self.locale.language_code).for_listing()
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
    # Translations keep the address: /zh-hans/talks/ is the Chinese series.
    override_translatable_fields = [SynchronizedField("slug")]

    parent_page_types = ["talks.HomePage", "wagtailcore.Page"]
    subpage_types = ["talks.TalkPage"]

    PAST_PER_PAGE = 10

    def get_sitemap_urls(self, request=None):
        return with_alternates(self, super().get_sitemap_urls(request), request)

    def talks(self) -> TalkPageQuerySet:
        """The series' talks in its language, and those not translated into it yet as they
        were written: the children of this series and of its translations."""
        children = Q()
        for series in TalkIndexPage.objects.filter(translation_key=self.translation_key):
            children |= Q(path__startswith=series.path, depth=series.depth + 1)
        talks = TalkPage.objects.live().public().filter(children)
        return talks.shown_in(self.locale.language_code).for_listing()

    @path("")
    def listing(self, request):
        talk_filter = TalkFilter(request.GET, queryset=self.talks())
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
            "is_filtered": bool(talk_filter.chosen_values()),
            "upcoming": talks.upcoming() if past_page.number == 1 else [],
            "past_page": past_page,
        }
        return self.render(request, context_overrides=context)

    @path("feed/", name="atom_feed")
    def atom_feed(self, request):
        return TalkAtomFeed()(request, series=self)

    @path("calendar/", name="calendar")
    def calendar(self, request):
        """The series' calendar; ``?topic=`` and ``?speaker=`` narrow it as they narrow the
        listing (an unknown value is a 404 there too)."""
        talk_filter = TalkFilter(request.GET, queryset=self.talks())
        if not talk_filter.is_valid():
            raise Http404("Unknown filter value.")
        chosen = talk_filter.chosen_values()
        name = f"{self.title}: {', '.join(map(str, chosen))}" if chosen else self.title
        filename = slugify("-".join([self.slug, *map(str, chosen)]))
        return calendar_response(request, talk_filter.qs, name=name, filename=filename)


class TalkPageQuerySet(PageQuerySet):
    """One definition of upcoming and past, used by views, feeds and tests alike."""

    def upcoming(self, now: datetime | None = None) -> TalkPageQuerySet:
        # A talk stays "upcoming" until it ends, so one in progress is still listed first.
        return self.filter(end__gte=now or timezone.now()).order_by("start")

    def past(self, now: datetime | None = None) -> TalkPageQuerySet:
        return self.filter(end__lt=now or timezone.now()).order_by("-start")

    def shown_in(self, language_code: str) -> TalkPageQuerySet:
        """Each talk once for a reader of ``language_code``: in that language where it is
        translated (and live), else as it was written (English first), so that a Chinese
        listing misses no talk that is still waiting for its translator."""
        mine = self.filter(locale__language_code=language_code).values("translation_key")
        default = Locale.get_default()
        in_default = self.filter(locale=default).values("translation_key")
        return self.filter(
            Q(locale__language_code=language_code)
            | (
                ~Q(translation_key__in=mine)
                & (Q(locale=default) | ~Q(translation_key__in=in_default))
            )
        )

    def in_default_language(self) -> TalkPageQuerySet:
        """Each talk once, in the site's default language (English): translations copy it."""
        return self.filter(locale=Locale.get_default())

    def for_listing(self) -> TalkPageQuerySet:
        return (
            self.select_related("venue", "locale")
            .prefetch_related("speaker_links__speaker", "topics__translated_names")
            .annotate(original_pk=original_pk())
        )


def original_pk() -> Subquery:
    """The id of a page's first translation, the original (one calendar UID for them all)."""
    first = Page.objects.filter(translation_key=OuterRef("translation_key")).order_by("pk")
    return Subquery(first.values("pk")[:1])


class TalkTopic(TaggedItemBase):
    content_object = ParentalKey(
        "talks.TalkPage", related_name="topic_items", on_delete=models.CASCADE
    )


class TalkPage(RoutablePageMixin, Page):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        POSTPONED = "postponed", "Postponed"

    class OnlineVisibility(models.TextChoices):
        PUBLIC = "public", "Public: shown on the talk page and in calendars"
        BEFORE_START = "before_start", "Shown only shortly before the start, until the end"
        SUBSCRIBERS = "subscribers", "Sent only to confirmed email subscribers"

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
    body = TalkBodyField(
        blank=True,
        help_text="Extra material beside the abstract: text, images, videos and live demos.",
    )
    recording_margin = models.PositiveSmallIntegerField(
        "recording margin (minutes)",
        default=30,
        validators=[MaxValueValidator(MAX_RECORDING_MARGIN)],
        help_text="Runs from the presenter view count as recorded at the talk from this many"
        " minutes before it starts to this many after it ends; at other times they are"
        f" ordinary runs. 0 to {MAX_RECORDING_MARGIN}.",
    )

    online_url = models.URLField(
        "online link",
        max_length=500,
        blank=True,
        help_text="For an online or hybrid talk: the Zoom, Teams or stream address.",
    )
    online_visibility = models.CharField(
        "who sees the online link",
        max_length=16,
        choices=OnlineVisibility.choices,
        default=OnlineVisibility.PUBLIC,
        help_text="Public: everyone, always. Shortly before the start: the talk page shows it"
        " from the minutes below before the start until the end; public calendars and feeds"
        " never carry it, email subscribers get it. Subscribers only: it is in confirmed"
        " subscribers' emails and calendars, never on the public page. A cancelled talk never"
        " shows it.",
    )
    online_minutes_before = models.PositiveSmallIntegerField(
        "show the link this many minutes before the start",
        default=15,
        validators=[MaxValueValidator(MAX_ONLINE_MINUTES_BEFORE)],
        help_text=f"Used when the link is shown only shortly before the start. 0 to"
        f" {MAX_ONLINE_MINUTES_BEFORE}.",
    )

    # Calendar bookkeeping, kept out of revisions (see with_content_json).
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    calendar_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = Page.content_panels + [
        InlinePanel("speaker_links", heading="Speakers", label="Speaker", min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("venue"),
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("status"),
                FieldPanel("recording_margin"),
            ],
            heading="When and where",
        ),
        FieldPanel("abstract"),
        FieldPanel("topics"),
        MultiFieldPanel(
            [
                FieldPanel("online_url"),
                FieldRowPanel(
                    [FieldPanel("online_visibility"), FieldPanel("online_minutes_before")]
                ),
            ],
            heading="Online or hybrid",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("slides_url"), FieldPanel("recording_url")])],
            heading="Slides and recording",
        ),
        FieldPanel("body"),
        DemoRunsPanel(heading="Demo charts"),
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

    # wagtail-localize: a translator translates the words; what a visitor relies on to come
    # (when, where, who, status, links) is copied from the English page on every sync and cannot
    # differ. The body is translated block by block: wagtail-localize extracts its text and
    # captions but never the demo blocks' parameters (numbers and choices), which each sync copies
    # from the English page.
    override_translatable_fields = [
        TranslatableField("title"),
        TranslatableField("abstract"),
        TranslatableField("body"),
        SynchronizedField("slug"),  # one address per talk, /zh-hans/ before it; may be changed
        SynchronizedField("start", overridable=False),
        SynchronizedField("end", overridable=False),
        SynchronizedField("status", overridable=False),
        # The English venue and speakers themselves; pages show their translations (see
        # translated_venue and speakers), so a change of venue never waits for a translator.
        SynchronizedField("venue", overridable=False),
        SynchronizedField("speaker_links", overridable=False),
        SynchronizedField("topic_items", overridable=False),
        SynchronizedField("slides_url", overridable=False),
        SynchronizedField("recording_url", overridable=False),
        SynchronizedField("recording_margin", overridable=False),
        SynchronizedField("online_url", overridable=False),
        SynchronizedField("online_visibility", overridable=False),
        SynchronizedField("online_minutes_before", overridable=False),
    ]

    base_form_class = TalkPageForm
    objects = PageManager.from_queryset(TalkPageQuerySet)()
    # A copy is a new event (a new calendar UID): its SEQUENCE starts again at 0.
    exclude_fields_in_copy = ["calendar_sequence", "calendar_fingerprint"]

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
        """The speakers, each in the page's language where translated (links are synchronized
        from the English page, so they name the English speakers)."""
        return [in_language(link.speaker, self.locale_id) for link in self.speaker_links.all()]

    @cached_property
    def translated_venue(self) -> Venue | None:
        """The venue in the page's language where translated (``venue`` is the English one)."""
        return in_language(self.venue, self.locale_id) if self.venue else None

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

    def online_link(self, now: datetime | None = None, for_subscriber: bool = False) -> str:
        """The online link as this audience may see it now, or "" where it must not.

        Public pages, feeds and the public .ics ask with for_subscriber=False; only a
        confirmed subscriber's email or calendar passes True.
        """
        if not self.online_url or self.is_cancelled:
            return ""
        if self.online_visibility == self.OnlineVisibility.SUBSCRIBERS:
            return self.online_url if for_subscriber else ""
        if self.online_visibility == self.OnlineVisibility.BEFORE_START:
            # Subscribers are trusted with the link at any time; everyone else only in the window.
            if for_subscriber:
                return self.online_url
            window = self.online_link_window()
            moment = now or timezone.now()
            return self.online_url if window and window[0] <= moment <= window[1] else ""
        return self.online_url

    def calendar_online_link(self, for_subscriber: bool = False) -> str:
        """The link a copy kept beyond this moment (a calendar, a feed) may carry: a public one,
        or, for a subscriber, any; never a link shown publicly only shortly before the start."""
        if for_subscriber:
            return self.online_link(for_subscriber=True)
        if self.online_visibility == self.OnlineVisibility.PUBLIC:
            return self.online_link()
        return ""

    def online_link_window(self) -> tuple[datetime, datetime] | None:
        """When a before-the-start link is shown publicly; None for a talk without times."""
        if not (self.start and self.end):
            return None
        return self.start - timedelta(minutes=self.online_minutes_before), self.end

    @property
    def online_link_notice(self) -> str:
        """What the public page says in place of a link it does not show yet (or ever)."""
        if not self.online_url or self.is_cancelled:
            return ""
        if self.online_visibility == self.OnlineVisibility.SUBSCRIBERS:
            return "The online link is sent to email subscribers."
        if self.online_visibility == self.OnlineVisibility.BEFORE_START:
            minutes = self.online_minutes_before
            when = (
                f"{minutes} minute{pluralize(minutes)} before the start"
                if minutes
                else "at the start"
            )
            return f"The online link appears here {when}."
        return ""

    def recording_window(self) -> tuple[datetime, datetime] | None:
        """When the presenter's runs count as recorded at the talk: its time, with the margin
        either side; None for a talk without a start and an end."""
        if not (self.start and self.end):
            return None
        margin = timedelta(minutes=self.recording_margin)
        return self.start - margin, self.end + margin

    def is_recording(self, now: datetime | None = None) -> bool:
        window = self.recording_window()
        return window is not None and window[0] <= (now or timezone.now()) <= window[1]

    @property
    def abstract_text(self) -> str:
        # Block ends become spaces so paragraphs don't run together once tags are stripped.
        spaced = BLOCK_END.sub(r"\g<0> ", self.abstract or "")
        return " ".join(strip_tags(spaced).split())

    def calendar_uid(self) -> str:
        """One event for all the talk's languages: named after the first page of its
        translations, the original (so an English talk keeps the UID it had before translations)."""
        original = getattr(self, "original_pk", None)  # for_listing() annotates it
        if original is None and self.pk:
            original = TalkPage.objects.filter(pk=self.pk).values_list(original_pk(), flat=True)[0]
        return f"talk-{original or self.pk}@{settings.CALENDAR_UID_DOMAIN}"

    def is_public(self) -> bool:
        """Published and open to everyone: no password, login or group restriction."""
        return self.live and not self.get_view_restrictions().exists()

    def is_visible_to(self, request) -> bool:
        """Whether this request may see the talk (and what was recorded at it)."""
        if request.user.is_authenticated and self.permissions_for_user(request.user).can_edit():
            return True
        return self.live and all(r.accept_request(request) for r in self.get_view_restrictions())

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
        if self.online_url:
            # Added only when set, so the talks without one keep their digest (and SEQUENCE).
            shown += [self.online_url, self.online_visibility]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()

    def demo_blocks(self) -> list:
        """The demo blocks in the body (each has .block, a DemoBlock, and .value)."""
        return [child for child in self.body if isinstance(child.block, DemoBlock)]

    def google_calendar_url(self) -> str:
        return google_calendar_url(self)

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

    def get_cached_paths(self) -> list[str]:
        # What a CDN in front drops when the talk changes (seminar_site/page_cache.py).
        return ["/", "calendar/"]

    # --- routes -------------------------------------------------------------------------------

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["page_structured_data"] = structured_data.talk_event(self, request)
        context.update(self.runs_shown)
        context["can_present"] = (
            request.user.is_authenticated
            and bool(self.demo_blocks())
            and self.permissions_for_user(request.user).can_edit()
        )
        return context

    @path("present/", name="present")
    def present(self, request):
        """Full-screen demos for the speaker; runs made here are recorded at the talk."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not self.permissions_for_user(request.user).can_edit():
            raise PermissionDenied("Only the talk's editors can present its demos.")
        # Listed by name and status only: a recorded run's replay is megabytes of JSON.
        window = self.recording_window()
        context = {
            "recorded_runs": DemoRun.objects.recorded_at(self).for_display(),
            "recording": self.is_recording(),
            "recording_window": window,
            "recording_zone": zone_label(self.zone, window[0]) if window else "",
        }
        return self.render(request, context_overrides=context, template="talks/talk_present.html")

    @path("calendar/", name="ics")
    def ics(self, request) -> HttpResponse:
        return calendar_response(request, [self], name=self.title, filename=self.slug)

    def get_sitemap_urls(self, request=None):
        urls = [{"location": self.get_full_url(request), "lastmod": self.last_published_at}]
        return with_alternates(self, urls, request)


def live_translation(page: Page, language_code: str) -> Page:
    """A page's live translation into ``language_code``, or the page itself where it has none
    (an email to a Chinese subscriber about a talk not yet translated is about the English)."""
    if page.locale.language_code == language_code:
        return page
    translations = (
        type(page)
        .objects.live()
        .filter(translation_key=page.translation_key, locale__language_code=language_code)
    )
    return translations.first() or page


def in_language(item, locale_id: int):
    """A translatable snippet's translation into the locale, or the item itself where none."""
    if item.locale_id == locale_id:
        return item
    return (
        type(item).objects.filter(translation_key=item.translation_key, locale_id=locale_id).first()
        or item
    )


class TalkSpeaker(Orderable):
    """The ordered speakers of one talk."""

    page = ParentalKey(TalkPage, on_delete=models.CASCADE, related_name="speaker_links")
    speaker = models.ForeignKey(Speaker, on_delete=models.PROTECT, related_name="talk_links")

    panels = [FieldPanel("speaker")]

    def __str__(self) -> str:
        return str(self.speaker)
