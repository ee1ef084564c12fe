"""The talk editor's "Demo charts" panel: each demo block's default run and how it stands."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse
from wagtail.admin.panels import Panel

from demos.blocks import shared_runs
from demos.models import DemoRun

RUNS_ADMIN = "demo_runs"  # the URL namespace of the admin's list of runs (demos/wagtail_hooks.py)


@dataclass(frozen=True)
class DefaultChart:
    """One demo block of the page as the panel lists it."""

    title: str
    caption: str
    run: DemoRun | None

    @property
    def state(self) -> str:
        """The run's state in an editor's words."""
        run = self.run
        if run is None:
            return "Not computed yet: it is queued when the page is published."
        if run.hidden:
            return "Hidden from the public by an editor."
        if run.status == DemoRun.Status.DONE:
            return f"Done in {run.seconds:.1f} s." if run.seconds is not None else "Done."
        if run.status == DemoRun.Status.RUNNING:
            return f"Running ({run.progress:.0%} done)."
        if run.status == DemoRun.Status.FAILED:
            return f"Failed: {run.error_summary or run.get_failure_display()}"
        return "Queued: waiting for a demo worker."

    @property
    def admin_url(self) -> str:
        return reverse(f"{RUNS_ADMIN}:inspect", args=[self.run.pk]) if self.run else ""


def default_charts(talk) -> list[DefaultChart]:
    """Each demo block of the talk (as last saved, drafts included) with its default run."""
    children = talk.demo_blocks()
    runs = shared_runs(children)
    return [
        DefaultChart(
            title=child.block.demo.title,
            caption=child.value.get("caption") or "",
            run=runs.get(child.block.default_run_key(child.value)),
        )
        for child in children
    ]


class DemoRunsPanel(Panel):
    """Read-only: the editor sees whether each chart visitors will see is computed, and why not."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "talks/admin/demo_runs_panel.html"

        @cached_property
        def charts(self) -> list[DefaultChart]:
            # A talk being created has no saved body yet, so no charts to report.
            return default_charts(self.instance) if self.instance.pk else []

        def is_shown(self) -> bool:
            return bool(self.charts)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["charts"] = self.charts
            context["talk_runs_url"] = (
                f"{reverse(f'{RUNS_ADMIN}:index')}?talk={self.instance.pk}"
                if self.instance.pk
                else ""
            )
            return context
