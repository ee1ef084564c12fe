"""DemoRun: the record of one run of a demo, from the request to its stored result."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from demos.registry import get_demo
from demos.sims.base import Demo, DemoParams

FINISHED_CACHE_SECONDS = 3600
MAX_ID = 2**63 - 1  # beyond the database's integer range an id names nothing


def run_key(demo: Demo, params: DemoParams) -> str:
    """The identity of a computation: same demo, parameters and code give the same numbers."""
    canonical = json.dumps(
        [demo.slug, params.model_dump(mode="json"), demo.code_version],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class DemoRunQuerySet(models.QuerySet):
    def unfinished(self) -> DemoRunQuerySet:
        return self.filter(status__in=[DemoRun.Status.QUEUED, DemoRun.Status.RUNNING])

    def stale(self, now=None) -> DemoRunQuerySet:
        """Running, but the worker has been silent for longer than a live one ever is."""
        cutoff = (now or timezone.now()) - timedelta(seconds=settings.DEMO_RUN_STALE_AFTER)
        return self.filter(status=DemoRun.Status.RUNNING, heartbeat_at__lt=cutoff)

    def with_id(self, run_id: int) -> DemoRun | None:
        """The run with this id, or None; any integer a visitor types is safe to ask about."""
        return self.filter(pk=run_id).first() if 0 < run_id <= MAX_ID else None

    def for_display(self) -> DemoRunQuerySet:
        """Without the big columns: a finished run's figure comes from the cache (figure_json)."""
        return self.defer("result", "replay", "figure")

    def recorded_at(self, talk) -> DemoRunQuerySet:
        return self.filter(talk=talk, recorded_at_talk=True).order_by("created_at")


class DemoRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Failure(models.TextChoices):
        NONE = "", "None"
        TIME_LIMIT = "time_limit", "Over the time limit"
        WORKER_LOST = "worker_lost", "Worker lost"
        ERROR = "error", "Error in the simulation"

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
    client = models.CharField(
        max_length=64, blank=True, help_text="Hash of the requesting address (rate limit)."
    )
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
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.demo_slug} run {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("demo_run", kwargs={"run_id": self.pk})

    @property
    def demo(self) -> Demo:
        return get_demo(self.demo_slug)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def api_url(self) -> str:
        return reverse("api:get_run", kwargs={"run_id": self.pk})
