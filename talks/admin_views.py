"""Admin views for talks: the flat "Talks" listing, and "Duplicate for a later date", which makes
a draft copy of a talk with its start and end moved by the same amount."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.ui.tables.pages import (
    BulkActionsColumn,
    PageStatusColumn,
    PageTitleColumn,
    ParentPageColumn,
)
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.pages.listing import IndexView
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.coreutils import find_available_slug

from .pages import TalkPage
from .zones import zone_label

SLUG_BASE_LENGTH = 240  # room for the date and find_available_slug's "-2" within 255

# --- the "Talks" listing ------------------------------------------------------------------------


class TalkDateColumn(Column):
    """The talk's start as the venue's wall clock, as editors typed it."""

    def get_value(self, instance):
        start = instance.local_start
        return f"{start:%a %d %b %Y, %H:%M} ({zone_label(instance.zone, start)})" if start else ""


class TalkIndexView(IndexView):
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label="Title", sort_key="title", classname="title"),
        TalkDateColumn("start", label="Date", sort_key="start", width="22%"),
        Column("speakers", label="Speaker", accessor="speaker_names"),
        Column("talk_status", label="Talk", accessor="get_status_display", sort_key="status"),
        PageStatusColumn("status", label="Page status", sort_key="live", width="12%"),
        ParentPageColumn("parent", label="Series"),
    ]

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("venue")
            .prefetch_related("speaker_links__speaker")
        )


# --- duplicate for a later date ------------------------------------------------------------------


def duplicate_for_date(talk: TalkPage, start: datetime, user=None) -> TalkPage:
    """A draft copy of the talk (as last saved, drafts included) starting at ``start``, its end
    moved by the same amount, under the same series. The copy is a new event: scheduled, with
    no recording link yet and its own calendar SEQUENCE (TalkPage.exclude_fields_in_copy)."""
    latest = talk.get_latest_revision_as_object()
    shift = start - latest.start
    parent = talk.get_parent()
    local_date = start.astimezone(latest.zone).date().isoformat()
    slug = find_available_slug(parent, f"{latest.slug[:SLUG_BASE_LENGTH]}-{local_date}")
    return talk.copy(
        to=parent,
        keep_live=False,
        user=user,
        update_attrs={
            "slug": slug,
            "start": latest.start + shift,
            "end": latest.end + shift,
            "status": TalkPage.Status.SCHEDULED,
            "recording_url": "",
        },
    )


class DuplicateTalkForm(forms.Form):
    start = forms.DateTimeField(label="New start", widget=AdminDateTimeInput)

    def __init__(self, *args, talk: TalkPage, **kwargs):
        super().__init__(*args, **kwargs)
        self.talk = talk
        zone = talk.zone
        self.fields["start"].help_text = (
            f"Local time at the venue ({zone_label(zone, talk.start)}), 24-hour clock. The end"
            " moves by the same amount; the copy is a draft for you to check and publish."
        )
        # A week later is the commonest case: a weekly seminar's next slot.
        self.initial.setdefault(
            "start", (talk.start + timedelta(days=7)).astimezone(zone).replace(tzinfo=None)
        )

    def clean_start(self) -> datetime:
        # The form read the input in the editor's zone; it is the venue's wall clock.
        wall = timezone.make_naive(self.cleaned_data["start"], timezone.get_current_timezone())
        start = wall.replace(tzinfo=self.talk.zone)
        if start <= self.talk.start:
            shown = self.talk.local_start.strftime("%d %b %Y, %H:%M")
            raise ValidationError(f"Choose a start after this talk's ({shown}).")
        return start


class DuplicateTalkView(WagtailAdminTemplateMixin, FormView):
    form_class = DuplicateTalkForm
    template_name = "wagtailadmin/generic/form.html"
    page_title = "Duplicate for a later date"
    header_icon = "copy"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.talk = get_object_or_404(TalkPage, pk=kwargs["page_id"])

    def dispatch(self, request, *args, **kwargs):
        if not self.talk.permissions_for_user(request.user).can_copy_to(self.talk.get_parent()):
            raise PermissionDenied("You may not add talks to this talk's series.")
        if not (self.latest.start and self.latest.end):
            messages.error(request, "This talk has no start and end time to move.")
            return redirect("wagtailadmin_pages:edit", self.talk.pk)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def latest(self) -> TalkPage:
        """The talk as last saved, drafts included: what the editor sees in its edit view."""
        return self.talk.get_latest_revision_as_object()

    def get_page_subtitle(self) -> str:
        return f"Duplicate “{self.latest.get_admin_display_title()}” for a later date"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "talk": self.latest}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = self.request.path
        context["submit_button_label"] = "Create the draft copy"
        context["submit_button_active_label"] = "Copying…"
        return context

    def form_valid(self, form):
        copy = duplicate_for_date(self.talk, form.cleaned_data["start"], user=self.request.user)
        shown = copy.local_start.strftime("%d %b %Y, %H:%M")
        messages.success(
            self.request, f"Draft copy of “{copy.title}” made for {shown}: check it and publish."
        )
        return redirect("wagtailadmin_pages:edit", copy.pk)


class DuplicateTalkButton(PageMenuItem):
    label = "Duplicate for a later date"
    icon_name = "copy"
    url_name = "talks_duplicate"

    def is_shown(self, user) -> bool:
        # The view checks the series too (can_copy_to); a listing row asks only the cheap part.
        return self.page.permissions_for_user(user).can_copy()


def duplicate_buttons(page, user, next_url=None) -> list[PageMenuItem]:
    if page.specific_class is not TalkPage:
        return []
    return [DuplicateTalkButton(page=page, priority=25)]
