"""DemoRun: the record of one run of a demo, from the request to its stored result."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from demos.languages import run_error
from demos.registry import get_demo
from demos.sims.base import Demo, DemoParams
from seminar_site import page_cache

FINISHED_CACHE_SECONDS = 3600
MAX_ID = 2**63 - 1  # beyond the database's integer range an id names nothing
PUBLIC_ID_LENGTH = 16  # 96 random bits in URL-safe base64: not guessable, not enumerable

# Which runs go first: a visitor's never delays the presenter's or a publish-time default run.
VISITOR_PRIORITY = 0
DEFAULT_RUN_PRIORITY = 20  # a talk's charts, queued when it is published or the code changes
PRESENTER_PRIORITY = 50  # a run at the talk (the Tasks API's range is ±100)


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_LENGTH * 3 // 4)


def run_key(demo: Demo, params: DemoParams) -> str:
    """The identity of a computation: same demo, parameters and code give the same numbers."""
    canonical = json.dumps(
        [demo.slug, params.model_dump(mode="json"), demo.code_version],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# Fields that pages show: a change to one starts a new generation of visitors' pages.
SHOWN_FIELDS = frozenset({"status", "hidden"})
ERROR_SUMMARY_LENGTH = 80  # characters of an error shown in a list of runs


class DemoRunQuerySet(models.QuerySet):
    def update(self, **fields) -> int:
        # Pages show runs' statuses (a talk's charts, the runs recorded at it, a run's own page)
        # and leave hidden runs out, so a change to either starts a new generation of pages.
        if not SHOWN_FIELDS & fields.keys():
            return super().update(**fields)
        talks = Page.objects.none()
        if settings.WAGTAILFRONTENDCACHE:  # and a CDN in front is told which talks changed
            talks = Page.objects.filter(pk__in=list(self.values_list("talk_id", flat=True)))
        changed = super().update(**fields)
        if changed:
            page_cache.invalidate(*talks)
        return changed

    def delete(self):
        deleted = super().delete()
        if deleted[0]:
            page_cache.invalidate()  # a deleted run leaves its talk's list and its page
        return deleted

    def unfinished(self) -> DemoRunQuerySet:
        return self.filter(status__in=[DemoRun.Status.QUEUED, DemoRun.Status.RUNNING])

    def stale(self, now=None) -> DemoRunQuerySet:
        """Running, but the worker has been silent for longer than a live one ever is."""
        cutoff = (now or timezone.now()) - timedelta(seconds=settings.DEMO_RUN_STALE_AFTER)
        return self.filter(status=DemoRun.Status.RUNNING, heartbeat_at__lt=cutoff)

    def with_public_id(self, public_id: str) -> DemoRun | None:
        """The run with this public id, or None; any string a visitor types is safe to ask."""
        if len(public_id) != PUBLIC_ID_LENGTH:
            return None
        return self.filter(public_id=public_id).first()

    def lost_in_queue(self) -> list[DemoRun]:
        """Queued, but the task that was to run them is gone (it failed before claiming)."""
        from django_tasks_db.models import DBTaskResult

        # The queued runs first: a run queued after this read is not looked at, where read
        # second it would be, without its task (read before it), and be given another.
        queued = list(self.filter(status=DemoRun.Status.QUEUED))
        # Task ids are UUIDs, stored differently by each database: compared here, as text.
        tasks = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
        waiting = {str(task_id) for task_id in tasks.values_list("id", flat=True)}
        return [run for run in queued if run.task_id not in waiting]

    def for_display(self) -> DemoRunQuerySet:
        """Without the big columns: a finished run's figure comes from the cache (figure_json)."""
        return self.defer(
            "result", "replay", "figure", "figure_translations", "replay_translations"
        )

    def recorded_at(self, talk) -> DemoRunQuerySet:
        """The talk's record: the runs made at it, less those an editor hid."""
        return self.filter(talk=talk, recorded_at_talk=True, hidden=False).order_by("created_at")

    def queue_summary(self) -> dict[str, int]:
        """How many runs wait and how many are being computed now: {"queued": n, "running": m}."""
        counts = dict(
            self.unfinished().order_by().values_list("status").annotate(models.Count("pk"))
        )
        return {status: counts.get(status, 0) for status in ("queued", "running")}


class DemoRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        NONE = "", "None"
        TIME_LIMIT = "time_limit", "Over the time limit"
        WORKER_LOST = "worker_lost", "Worker lost"
        INFRASTRUCTURE = "infrastructure", "Database or machine fault"
        ERROR = "error", "Error in the simulation"

    # Faults of the machine, not of the parameters: asking again may well succeed.
    RETRYABLE_FAILURES = (Failure.WORKER_LOST, Failure.INFRASTRUCTURE)

    public_id = models.CharField(
        max_length=PUBLIC_ID_LENGTH,
        unique=True,
        default=new_public_id,
        editable=False,
        help_text="The id in public URLs; the primary key is never shown.",
    )
    demo_slug = models.CharField(max_length=64, db_index=True)
    params = models.JSONField(help_text="Canonical parameters, every field filled in.")
    key = models.CharField(max_length=64, help_text="sha256 of demo, parameters and code version.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    figure = models.JSONField(
        null=True, blank=True, help_text="Plotly figure, compact; partial while running."
    )
    result = models.JSONField(null=True, blank=True, help_text="The demo's result, compact.")
    replay = models.JSONField(
        null=True, blank=True, help_text="For runs recorded at a talk: the run as an animation."
    )
    # Drawn from the same result in each other language (settings.LANGUAGES): {"zh-hans": {...}}.
    figure_translations = models.JSONField(
        default=dict, blank=True, help_text="The figure in each other language, by code."
    )
    replay_translations = models.JSONField(
        default=dict, blank=True, help_text="The replay in each other language, by code."
    )
    failure = models.CharField(max_length=16, choices=Failure.choices, blank=True, default="")
    error = models.TextField(blank=True, help_text="Why it failed, in words a visitor can read.")
    seconds = models.FloatField(null=True, blank=True, help_text="Computation time.")
    seed = models.BigIntegerField(null=True, blank=True)
    versions = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    talk = models.ForeignKey(
        "talks.TalkPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demo_runs",
        help_text="The talk it was requested from.",
    )
    recorded_at_talk = models.BooleanField(
        default=False, help_text="Run by the presenter during the talk."
    )
    hidden = models.BooleanField(
        default=False,
        help_text="Hidden by an editor: left out of the talk's page, its own page gone (404)."
        " The run itself is kept.",
    )
    client = models.CharField(
        max_length=64, blank=True, help_text="Hash of the requesting address (rate limit)."
    )
    priority = models.SmallIntegerField(
        default=VISITOR_PRIORITY, help_text="Higher runs first and pre-empts visitors' runs."
    )
    task_id = models.CharField(max_length=64, blank=True, help_text="The queued task's id.")
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DemoRunQuerySet.as_manager()

    class Meta:
        constraints = [
            # One shared computation per key; the presenter's runs are a talk's own record.
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(recorded_at_talk=False),
                name="demorun_one_shared_run_per_key",
            ),
            models.UniqueConstraint(
                fields=["key", "talk"],
                condition=models.Q(recorded_at_talk=True),
                name="demorun_one_recorded_run_per_key_and_talk",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["client", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.demo_slug} run {self.pk} ({self.status})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # A new default run shows on its talk's page as being computed (see update()).
        page_cache.invalidate()

    def get_absolute_url(self) -> str:
        return reverse("demo_run", kwargs={"public_id": self.public_id})

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        page_cache.invalidate()  # it leaves its talk's page, and its own page goes
        return deleted

    @property
    def demo(self) -> Demo:
        return get_demo(self.demo_slug)

    @property
    def demo_title(self) -> str:
        """The demo's title, or its slug where the demo has been removed since."""
        try:
            return self.demo.title
        except KeyError:
            return self.demo_slug

    @property
    def error_summary(self) -> str:
        first_line = self.error.strip().split("\n", 1)[0]
        if len(first_line) <= ERROR_SUMMARY_LENGTH:
            return first_line
        return first_line[: ERROR_SUMMARY_LENGTH - 1].rstrip() + "…"

    @property
    def shown_error(self) -> str:
        """Why it failed, in the active language."""
        return run_error(self.error)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_retryable(self) -> bool:
        return self.status == self.Status.FAILED and self.failure in self.RETRYABLE_FAILURES

    def figure_in(self, language: str) -> dict | None:
        """The figure with its words in ``language``: English where it was not drawn in it
        (the default language, or a run stored before it was)."""
        return self.figure_translations.get(language) or self.figure

    def replay_in(self, language: str) -> dict | None:
        return self.replay_translations.get(language) or self.replay

    def api_url(self) -> str:
        return reverse("api:get_run", kwargs={"public_id": self.public_id})


class WorkerBeat(models.Model):
    """A demo worker's sign of life: the site can tell a queued run that no worker is there."""

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id}"
