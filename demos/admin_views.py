"""The admin's views of demo runs: the list with the queue at a glance, and an editor's
corrections (hide a mistaken recorded run, show it again, re-queue a failed run)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.views.generic import TemplateView
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import (
    BooleanColumn,
    ButtonsColumnMixin,
    Column,
    DateColumn,
    StatusFlagColumn,
    TitleColumn,
)
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from demos.models import DemoRun
from demos.runs import ONLY_RECORDED_RUNS_HIDE, requeue_failed, set_hidden, worker_alive

# --- the list -----------------------------------------------------------------------------------


def correction_buttons(view, run: DemoRun) -> list[MenuItem]:
    """What an editor may correct on this run, as the list's and the run's menus offer it."""
    buttons = []
    if run.recorded_at_talk and run.hidden:
        url = reverse(view.show_url_name, args=[run.pk])
        buttons.append(MenuItem("Show to the public again", url, icon_name="view", priority=25))
    elif run.recorded_at_talk:
        url = reverse(view.hide_url_name, args=[run.pk])
        buttons.append(MenuItem("Hide from the public", url, icon_name="no-view", priority=25))
    if run.status == DemoRun.Status.FAILED:
        url = reverse(view.requeue_url_name, args=[run.pk])
        buttons.append(MenuItem("Re-queue", url, icon_name="rotate", priority=26))
    return buttons


class RunTitleColumn(ButtonsColumnMixin, TitleColumn):
    """A run's name, linked to its details, with the row's menu of actions."""

    def __init__(self, *args, view: IndexView, **kwargs):
        super().__init__(*args, **kwargs)
        self.view = view

    def get_buttons(self, instance, parent_context):
        return self.view.get_list_buttons(instance)


def short_talk_title(run: DemoRun) -> str:
    """The run's talk, cut to a few words: the list is about runs."""
    return Truncator(run.talk.title).words(6) if run.talk else ""


class SecondsColumn(Column):
    def get_value(self, instance):
        return "" if instance.seconds is None else f"{instance.seconds:.2f}"


class DemoRunIndexView(IndexView):
    template_name = "demos/admin/run_index.html"
    hide_url_name = show_url_name = requeue_url_name = None  # given by the viewset

    def get_base_queryset(self):
        # The big columns (result, replay, figure) are never shown here.
        return DemoRun.objects.for_display().select_related("talk")

    @cached_property
    def columns(self):
        return [
            RunTitleColumn(
                "public_id",
                label="Run",
                accessor=lambda run: f"Run {run.public_id}",
                get_url=self.get_inspect_url,
                view=self,
                width="13em",  # a run's id on one line, not a letter per line
            ),
            Column("status", label="Status", accessor="get_status_display", sort_key="status"),
            StatusFlagColumn("hidden", label="Public", true_label="Hidden", sort_key="hidden"),
            Column("demo", label="Demo", accessor="demo_title", sort_key="demo_slug"),
            Column("talk", label="Talk", accessor=short_talk_title, sort_key="talk__title"),
            BooleanColumn(
                "recorded_at_talk", label="Recorded at the talk", sort_key="recorded_at_talk"
            ),
            DateColumn("created_at", label="Created", sort_key="created_at"),
            DateColumn("finished_at", label="Finished", sort_key="finished_at"),
            SecondsColumn("seconds", label="Seconds", sort_key="seconds"),
            Column("error", label="Error", accessor="error_summary"),
        ]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change"):
            buttons += correction_buttons(self, instance)
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["queue"] = DemoRun.objects.queue_summary()
        context["worker_alive"] = worker_alive()
        return context


class DemoRunInspectView(InspectView):
    hide_url_name = show_url_name = requeue_url_name = None  # given by the viewset

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        if self.user_has_permission("change"):
            buttons += [
                Button(item.label, url=item.url, icon_name=item.icon_name, priority=item.priority)
                for item in correction_buttons(self, self.object)
            ]
        return buttons


# --- corrections: each asks on GET, acts on POST --------------------------------------------------


class RunActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Confirm, then change one run; the change is logged in the run's history."""

    model = DemoRun
    permission_required = "change"
    template_name = "demos/admin/confirm_run_action.html"
    header_icon = "tasks"
    index_url_name = None  # given by the viewset, as is the view's own URL name
    action_url_name = None

    page_title = ""
    question = ""
    button_label = ""
    log_action = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.run = get_object_or_404(DemoRun.objects.for_display(), pk=kwargs["pk"])

    def get_page_subtitle(self) -> str:
        return f"{self.run.demo_title}, run {self.run.public_id}"

    def refusal(self) -> str:
        """Why this action does not apply to this run; empty when it does."""
        return ""

    def act(self) -> str:
        """Do it; what to tell the editor."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            run=self.run,
            question=self.question,
            button_label=self.button_label,
            refusal=self.refusal(),
            action_url=reverse(self.action_url_name, args=[self.run.pk]),
            cancel_url=self.next_url(),
        )
        return context

    def next_url(self) -> str:
        return get_valid_next_url_from_request(self.request) or reverse(self.index_url_name)

    def post(self, request, *args, **kwargs):
        refusal = self.refusal()
        if refusal:
            messages.error(request, refusal)
        else:
            messages.success(request, self.act())
            log(instance=self.run, action=self.log_action, user=request.user)
        return HttpResponseRedirect(self.next_url())


class HideRunView(RunActionView):
    page_title = "Hide a run from the public"
    question = (
        "Hide this run from the public? It leaves the list of runs on the talk's page and its own"
        " page answers “not found”. Nothing is deleted: you can show it again here."
    )
    button_label = "Yes, hide it"
    log_action = "demos.run.hide"

    def refusal(self) -> str:
        if not self.run.recorded_at_talk:
            return ONLY_RECORDED_RUNS_HIDE
        return "This run is already hidden." if self.run.hidden else ""

    def act(self) -> str:
        set_hidden(self.run, True)
        return f"Run {self.run.public_id} is hidden from the public."


class ShowRunView(RunActionView):
    page_title = "Show a run to the public again"
    question = "Show this run again on the talk's page and at its own address?"
    button_label = "Yes, show it"
    log_action = "demos.run.show"

    def refusal(self) -> str:
        return "" if self.run.hidden else "This run is not hidden."

    def act(self) -> str:
        set_hidden(self.run, False)
        return f"Run {self.run.public_id} is shown to the public again."


class RequeueRunView(RunActionView):
    page_title = "Re-queue a failed run"
    question = (
        "Put this run back in the queue? A demo worker computes it again from the start, with"
        " the same parameters and seed."
    )
    button_label = "Yes, re-queue it"
    log_action = "demos.run.requeue"

    def refusal(self) -> str:
        if self.run.status != DemoRun.Status.FAILED:
            return f"Only a failed run can be re-queued; this one is {self.run.status}."
        return ""

    def act(self) -> str:
        if not requeue_failed(self.run):
            return f"Run {self.run.public_id} had already left the failed state."
        return f"Run {self.run.public_id} is queued again."
