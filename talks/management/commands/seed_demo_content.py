"""Loads the first real talk and a few sample talks; a second run changes nothing."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import polib
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from taggit.models import Tag
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site
from wagtail_localize.models import Translation, TranslationSource

from demos.registry import get_demo
from talks.models import HomePage, Speaker, TalkIndexPage, TalkPage, TalkSpeaker, TopicName, Venue

FIRST_TALK_SLUG = "theoretical-basis-of-deep-learning"
# The first talk (with its speaker and venue), the home page and the series in Chinese: the
# translations a translator would upload to wagtail-localize, by English string.
TRANSLATIONS = {"zh-hans": Path(__file__).resolve().parents[2] / "seed" / "zh_hans.po"}

SPEAKERS = {
    "jian-li": dict(
        name="Jian Li",
        position="Distinguished Professor, doctoral supervisor",
        affiliation="Institute for Interdisciplinary Information Sciences, Tsinghua University",
        bio=(
            "<p>Jian Li is a Distinguished Professor and doctoral supervisor at the Institute "
            "for Interdisciplinary Information Sciences, Tsinghua University. His research spans "
            "theoretical computer science, the foundations of artificial intelligence, databases "
            "and financial technology. He has published more than 100 papers in leading "
            "international conferences and journals, and has received best paper awards at VLDB "
            "and ESA and the best newcomer award at ICDT.</p>"
        ),
    ),
    # The speakers below are fictional sample content, so every listing has something to show.
    "sofia-marchetti": dict(
        name="Sofia Marchetti",
        position="Assistant Professor",
        affiliation="Department of Mathematics, Northlake University (sample speaker)",
        bio="<p>Sample speaker for the demo content. Works on optimization for learning.</p>",
    ),
    "daniel-okafor": dict(
        name="Daniel Okafor",
        position="Postdoctoral researcher",
        affiliation="Northlake University (sample speaker)",
        bio="<p>Sample speaker for the demo content. Studies training dynamics.</p>",
    ),
    "wen-zhao": dict(
        name="Wen Zhao",
        position="PhD student",
        affiliation="Sample Institute of Technology (sample speaker)",
        bio="<p>Sample speaker for the demo content. Works on generalization theory.</p>",
    ),
}

VENUES = {
    "Computer Building 313": dict(
        building="Computer Building",
        room="313",
        address="Tsinghua University, Haidian District, Beijing, China",
        time_zone="Asia/Shanghai",
    ),
    "Lecture Theatre B": dict(
        building="Northlake University Mathematics Building",
        room="B",
        address="Northlake University (sample venue)",
        time_zone="Europe/London",
    ),
}

FIRST_TALK_ABSTRACT = (
    "<p>Deep learning has achieved remarkable success, yet several basic questions about it "
    "remain open. Training a deep network means minimizing a highly non-convex loss, and "
    "stochastic gradient descent (SGD) and its variants still find solutions that generalize "
    "far better than classical learning theory predicts. Recent work also shows that gradient "
    "methods need not converge to stationary points at all: during full-batch training the "
    "sharpness, the largest eigenvalue of the Hessian of the loss, rises until it reaches "
    "$2/\\eta$ for step size $\\eta$ and then fluctuates around it, a regime known as the edge "
    "of stability.</p>"
    "<p>What implicit bias do gradient algorithms introduce, and how is that bias related to "
    "the existence of adversarial examples? This talk surveys recent progress on these "
    "questions and explains them by studying the trajectory of the gradient method itself.</p>"
)


# The speaker's own answer to the abstract's question about implicit bias and adversarial
# examples; talks migration 0008 adds the same block, with this caption, to a talk seeded before.
FEATURE_AVERAGING_CAPTION = (
    "Why GD's solutions are not robust, in the speaker's own work (Li, Pan, Lyu & Li, ICLR"
    " 2025): trained on ±1 labels, each neuron averages its class's features and a center flips"
    " at √(d/k); trained on the cluster labels, the same network keeps its answer to √(d/2)."
)


@dataclass
class SampleTalk:
    slug: str
    title: str
    speakers: list[str]
    venue: str
    day: date
    start: time
    minutes: int
    abstract: str
    topics: list[str]
    status: str = TalkPage.Status.SCHEDULED
    demos: list[tuple[str, str]] = field(default_factory=list)  # (demo slug, caption)


def sample_talks(today: date) -> list[SampleTalk]:
    """The first talk on its real date; sample talks in the past and (relative to today) ahead."""
    return [
        SampleTalk(
            slug=FIRST_TALK_SLUG,
            title=(
                "Theoretical basis of deep learning: optimization, generalization and implicit "
                "bias of gradient algorithms"
            ),
            speakers=["jian-li"],
            venue="Computer Building 313",
            day=date(2024, 9, 25),
            start=time(16, 0),
            minutes=90,
            abstract=FIRST_TALK_ABSTRACT,
            topics=["deep learning theory", "optimization", "edge of stability", "implicit bias"],
            demos=[
                (
                    "edge-of-stability",
                    "Full-batch GD on a small network over handwritten digits: the sharpness climbs"
                    " to 2/η (dotted lines) and hovers there, while the loss keeps falling in fits"
                    " and starts.",
                ),
                (
                    "quadratic-stability",
                    "Why 2/η: on a quadratic, GD converges exactly when η < 2/λ, λ its largest"
                    " curvature. Try a step size above 0.2.",
                ),
                (
                    "implicit-bias",
                    "GD on the logistic loss turns toward the max-margin separator, but only like"
                    " 1/log t: note the log axis.",
                ),
                (
                    "homogeneous-margin",
                    "Without biases the network is 2-homogeneous: once every point is fitted, its"
                    " normalized margin keeps rising (Lyu & Li, 2020). Drag the slider to watch"
                    " the decision regions settle.",
                ),
                (
                    "adversarial-vulnerability",
                    "The solutions GD prefers are not robust: on nearly orthogonal data a"
                    " perturbation far smaller than the points' separation flips every prediction,"
                    " though a classifier robust to it exists.",
                ),
                (
                    "feature-averaging",
                    FEATURE_AVERAGING_CAPTION,
                ),
                (
                    "gd-vs-sgd",
                    "Same network, same epochs: full-batch GD ends at about 2/η, smaller batches"
                    " in flatter places.",
                ),
            ],
        ),
        SampleTalk(
            slug="implicit-bias-on-separable-data",
            title="Gradient descent on separable data finds the max-margin separator",
            speakers=["sofia-marchetti"],
            venue="Computer Building 313",
            day=date(2024, 11, 6),
            start=time(16, 0),
            minutes=60,
            abstract=(
                "<p>On linearly separable data, gradient descent on the logistic loss "
                "$L(w) = \\sum_i \\log(1 + e^{-y_i w^\\top x_i})$ drives $\\|w(t)\\|$ to infinity "
                "like $\\log t$, while its direction converges to the hard-margin SVM solution</p>"
                "<p>$$\\hat w = \\mathrm{arg\\,min}_w \\|w\\|^2 \\quad \\text{s.t.} \\quad "
                "y_i w^\\top x_i \\ge 1,$$</p>"
                "<p>only at rate $O(1/\\log t)$. We prove this and discuss what it means for "
                "early stopping. (Sample talk for the demo content.)</p>"
            ),
            topics=["implicit bias", "optimization"],
            demos=[("implicit-bias", "The separator GD finds, and its angle to the SVM's.")],
        ),
        SampleTalk(
            slug="sharpness-and-generalization-revisited",
            title="Sharpness and generalization, revisited",
            speakers=["wen-zhao"],
            venue="Lecture Theatre B",
            day=date(2025, 4, 9),
            start=time(14, 0),
            minutes=60,
            abstract=(
                "<p>Flat minima are said to generalize better, but sharpness is not invariant "
                "under reparametrization. We survey what is known and what is folklore. "
                "(Sample talk for the demo content.)</p>"
            ),
            topics=["generalization", "edge of stability"],
        ),
        SampleTalk(
            slug="progressive-sharpening-in-practice",
            title="Progressive sharpening in practice",
            speakers=["daniel-okafor", "sofia-marchetti"],
            venue="Computer Building 313",
            day=today + timedelta(days=7),
            start=time(16, 0),
            minutes=90,
            abstract=(
                "<p>We measure the top Hessian eigenvalue along full-batch training of small "
                "networks and watch it climb to the stability threshold. "
                "(Sample talk for the demo content.)</p>"
            ),
            topics=["edge of stability", "optimization"],
        ),
        SampleTalk(
            slug="adversarial-examples-and-margins",
            title="Adversarial examples and the margins gradient descent prefers",
            speakers=["wen-zhao"],
            venue="Lecture Theatre B",
            day=today + timedelta(days=14),
            start=time(15, 0),
            minutes=60,
            abstract=(
                "<p>Why do networks trained by gradient descent have small adversarial "
                "perturbations? (Sample talk for the demo content; this one is cancelled.)</p>"
            ),
            topics=["implicit bias", "robustness"],
            status=TalkPage.Status.CANCELLED,
        ),
        SampleTalk(
            slug="sgd-noise-and-flat-minima",
            title="SGD noise and flat minima",
            speakers=["daniel-okafor"],
            venue="Computer Building 313",
            day=today + timedelta(days=28),
            start=time(16, 0),
            minutes=60,
            abstract=(
                "<p>Smaller batches end in flatter regions. We compare SGD and GD sharpness "
                "on small benchmarks. (Sample talk for the demo content.)</p>"
            ),
            topics=["optimization", "generalization"],
        ),
    ]


def demo_body(sample: SampleTalk) -> list[tuple[str, dict]]:
    """Demo blocks with each demo's own defaults; publishing the talk queues their runs."""
    return [
        (
            f"demo_{slug.replace('-', '_')}",
            {"caption": caption, "params": get_demo(slug).params().model_dump(mode="json")},
        )
        for slug, caption in sample.demos
    ]


def add_missing_demos(talk: TalkPage, sample: SampleTalk) -> bool:
    """Adds the sample's demo blocks that the talk's body lacks, each right after the sample's
    demo before it (where a fresh seed puts it), else at the end; whether any was added."""
    wanted = demo_body(sample)
    added = False
    for index, block in enumerate(wanted):
        kinds = [child.block_type for child in talk.body]
        if block[0] in kinds:
            continue
        earlier = {kind for kind, _ in wanted[:index]}
        after = [position for position, kind in enumerate(kinds) if kind in earlier]
        talk.body.insert(after[-1] + 1 if after else len(kinds), block)
        added = True
    return added


class Command(BaseCommand):
    help = "Load the first talk (Jian Li, 25 Sep 2024) and sample talks. Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.home_page()
        series = self.series(home)
        english = home.locale
        speakers = {
            slug: Speaker.objects.get_or_create(slug=slug, locale=english, defaults=fields)[0]
            for slug, fields in SPEAKERS.items()
        }
        venues = {
            name: Venue.objects.get_or_create(name=name, locale=english, defaults=fields)[0]
            for name, fields in VENUES.items()
        }
        created = 0
        for sample in sample_talks(date.today()):
            talk = TalkPage.objects.child_of(series).filter(slug=sample.slug).first()
            if talk is None:
                self.create_talk(series, sample, speakers, venues)
                created += 1
            elif add_missing_demos(talk, sample):
                # Seeded before these demos existed: add them once.
                talk.save_revision().publish()
        first_talk = TalkPage.objects.child_of(series).get(slug=FIRST_TALK_SLUG)
        for language_code, catalog in TRANSLATIONS.items():
            self.translate(
                [home, series, first_talk, speakers["jian-li"], venues["Computer Building 313"]],
                language_code,
                catalog,
            )
            self.name_topics(language_code, catalog)
        self.stdout.write(f"Seed content ready: {created} talk(s) created under {series.url}.")

    def translate(self, objects, language_code: str, catalog: Path) -> None:
        """Translates the objects with wagtail-localize (parents before children), its strings
        from the catalog, and publishes them; one translated already is left as it is, so an
        editor's work is never overwritten."""
        locale, _ = Locale.objects.get_or_create(language_code=language_code)
        strings = {entry.msgid: entry.msgstr for entry in polib.pofile(str(catalog))}
        for item in objects:
            if item.has_translation(locale):
                continue
            # As the admin's "Translate" does (TranslationCreator), without first saving a copy
            # in English: the source, its translation, the strings, then one publication.
            source, created = TranslationSource.get_or_create_from_instance(item)
            if not created:
                source.update_from_db()
            translation, _ = Translation.objects.update_or_create(
                source=source, target_locale=locale, defaults={"enabled": True}
            )
            po = translation.export_po()
            for entry in po:
                entry.msgstr = strings.get(entry.msgid, "")
            translation.import_po(po, tool_name="seed_demo_content")
            if isinstance(item, Page):
                # Published now, from the database: wagtail-localize would publish when the
                # transaction commits, from a copy of the page saved before its children were
                # added (a stale child count that hides them from routing).
                translation.save_target(publish=False)
                target = translation.get_target_instance()
                Page.objects.get(pk=target.pk).get_latest_revision().publish()
            else:
                translation.save_target()  # snippets have no drafts: saved as they are

    def name_topics(self, language_code: str, catalog: Path) -> None:
        """The seeded topics' names in the language, from the catalog (an editor's kept)."""
        strings = {entry.msgid: entry.msgstr for entry in polib.pofile(str(catalog))}
        for tag in Tag.objects.filter(name__in=strings):
            TopicName.objects.get_or_create(
                tag=tag, language=language_code, defaults={"name": strings[tag.name]}
            )

    def home_page(self) -> HomePage:
        # The English home (the site's root); its translations are its copies.
        home = HomePage.objects.filter(
            locale__language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        ).first()
        if home:
            return home
        # Wagtail's migrations make the locale and the tree's root; a flushed database has none.
        Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        # Wagtail's initial migration leaves a placeholder "Welcome" page; ours replaces it.
        for placeholder in root.get_children().filter(slug="home"):
            if placeholder.specific_class is Page:
                placeholder.delete()
        home = HomePage(
            title="Seminar on the theory of deep learning",
            slug="home",
            intro="<p>Talks on the foundations of deep learning, with live demos beside the "
            "abstracts.</p>",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.root_page = home
        # Full URLs (calendars, feeds, sitemap) point where `make run` serves the site.
        base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        site.hostname = base.hostname or "localhost"
        site.port = base.port or (443 if base.scheme == "https" else 80)
        site.site_name = "Seminar"
        site.save()
        return home

    def series(self, home: HomePage) -> TalkIndexPage:
        series = TalkIndexPage.objects.child_of(home).filter(slug="talks").first()
        if series:
            return series
        series = TalkIndexPage(
            title="Talks",
            slug="talks",
            intro="<p>Upcoming talks first, then the archive. Subscribe by calendar or feed.</p>",
        )
        home.add_child(instance=series)
        series.save_revision().publish()
        return series

    def create_talk(self, series, sample: SampleTalk, speakers, venues) -> TalkPage:
        venue = venues[sample.venue]
        start = datetime.combine(sample.day, sample.start, tzinfo=ZoneInfo(venue.time_zone))
        talk = TalkPage(
            title=sample.title,
            slug=sample.slug,
            start=start,
            end=start + timedelta(minutes=sample.minutes),
            venue=venue,
            status=sample.status,
            abstract=sample.abstract,
            body=demo_body(sample),
        )
        for order, slug in enumerate(sample.speakers):
            talk.speaker_links.add(TalkSpeaker(speaker=speakers[slug], sort_order=order))
        talk.topics.add(*sample.topics)
        series.add_child(instance=talk)
        talk.save_revision().publish()
        return talk
