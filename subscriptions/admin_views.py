"""Subscriber counts per series for editors with the permission, and their CSV export. Counts
only: subscribers' addresses are in neither."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from talks.models import TalkIndexPage

PERMISSION = "subscriptions.view_subscriber_counts"
COLUMNS = ["series", "url", "confirmed", "awaiting confirmation", "unsubscribed"]


def counts_per_series() -> list[dict]:
    """One row per series: a translation is the same series, its subscribers the original's
    (SubscribeForm.clean_series), so it has no row of its own."""
    default = Locale.get_default()
    original = TalkIndexPage.objects.filter(
        locale=default, translation_key=OuterRef("translation_key")
    )
    originals = TalkIndexPage.objects.filter(Q(locale=default) | ~Exists(original))
    rows = originals.annotate(
        confirmed=Count(
            "subscriptions",
            filter=Q(
                subscriptions__confirmed_at__isnull=False,
                subscriptions__unsubscribed_at__isnull=True,
            ),
        ),
        awaiting=Count("subscriptions", filter=Q(subscriptions__confirmed_at__isnull=True)),
        unsubscribed=Count("subscriptions", filter=Q(subscriptions__unsubscribed_at__isnull=False)),
    ).order_by("title")
    return [
        {
            "series": series,
            "confirmed": series.confirmed,
            "awaiting": series.awaiting,
            "unsubscribed": series.unsubscribed,
        }
        for series in rows
    ]


class SubscriberCountsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "subscriptions/admin/counts.html"
    page_title = "Email subscribers"
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        # Home › Email subscribers: the header names the report, not only "Home".
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rows": counts_per_series()}


subscriber_counts = permission_required(PERMISSION, raise_exception=True)(
    SubscriberCountsView.as_view()
)


@permission_required(PERMISSION, raise_exception=True)
def subscriber_counts_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="subscribers-per-series.csv"'
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    for row in counts_per_series():
        series = row["series"]
        # A leading = + - @ would make a spreadsheet run the title as a formula.
        title = "'" + series.title if series.title[:1] in "=+-@" else series.title
        writer.writerow(
            [title, series.url or "", row["confirmed"], row["awaiting"], row["unsubscribed"]]
        )
    return response
