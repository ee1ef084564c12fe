"""The admin's home page: the next talks at a glance, with a button to add one."""

from __future__ import annotations

from django.urls import reverse
from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail.permissions import policy_registry

from .pages import TalkIndexPage, TalkPage

UPCOMING_SHOWN = 5


def add_talk_links(user) -> list[tuple[TalkIndexPage, str]]:
    """Each series this user may add a talk to, with the admin's "add a talk" address."""
    return [
        (series, reverse("wagtailadmin_pages:add", args=("talks", "talkpage", series.pk)))
        for series in TalkIndexPage.objects.order_by("path")
        if series.permissions_for_user(user).can_add_subpage()
    ]


class UpcomingTalksPanel(Component):
    name = "upcoming_talks"
    template_name = "talks/admin/upcoming_talks_panel.html"
    order = 50  # first: before Wagtail's own panels (moderation 210+, locked pages 300)

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        # Drafts included: the editor wants to see what is not published yet. Only talks this
        # user may see in the page explorer.
        explorable = policy_registry.get_by_type(Page).explorable_instances(user)
        talks = (
            TalkPage.objects.upcoming()
            .filter(pk__in=explorable.values("pk"))
            .select_related("venue")
            .prefetch_related("speaker_links__speaker")
            .annotate_approved_schedule()[:UPCOMING_SHOWN]
        )
        return {
            "talks": [(talk, talk.permissions_for_user(user).can_edit()) for talk in talks],
            "add_links": add_talk_links(user),
            "all_talks_url": reverse("talks:index"),
            "request": parent_context["request"],
        }
