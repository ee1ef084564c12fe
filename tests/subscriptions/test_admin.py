"""Subscriber counts in the admin, and their CSV, for users with the permission only: Wagtail's
Editors and Moderators have it (subscriptions 0003)."""

import csv
import io

import pytest
from wagtail.models import Locale

from tests.factories import signed_in
from tests.subscriptions.helpers import subscriber

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("group", ["Editors", "Moderators"])
def test_editors_see_counts_and_their_csv_without_addresses(series, group):
    subscriber(series, email="a@example.org")
    subscriber(series, email="b@example.org")
    subscriber(series, email="c@example.org", confirmed=False)
    admin = signed_in("reporter", group)  # the group's own permissions, nothing added
    page = admin.get("/admin/subscribers/")
    assert page.status_code == 200
    assert b"example.org" not in page.content
    export = admin.get("/admin/subscribers/csv/")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["series", "url", "confirmed"]
    assert rows[1:] == [["Seminar", "/talks/", "2", "1", "0"]]
    assert b"example.org" not in export.content


def test_counts_are_refused_without_the_permission(client, series):
    editor = signed_in("editor", permissions=("access_admin",))  # in no group
    # Wagtail's admin turns a refusal into a redirect to the dashboard, with a message.
    for url in ("/admin/subscribers/", "/admin/subscribers/csv/"):
        refused = editor.get(url)
        assert refused.status_code in (302, 403) and not refused.has_header("Content-Disposition")
        assert client.get(url).status_code in (302, 403)


def test_a_translated_series_is_counted_once_under_its_original(series):
    """Subscribing on the Chinese page subscribes to the series itself: the translation has no
    row (of zeros) of its own."""
    chinese = Locale.objects.get_or_create(language_code="zh-hans")[0]
    series.copy_for_translation(chinese, copy_parents=True).save_revision().publish()
    subscriber(series, email="a@example.org", language="zh-hans")
    admin = signed_in("reporter", "Editors")
    rows = list(csv.reader(io.StringIO(admin.get("/admin/subscribers/csv/").content.decode())))
    assert rows[1:] == [["Seminar", "/talks/", "1", "0", "0"]]
    page = admin.get("/admin/subscribers/")
    # The header names the report (Home › Email subscribers), not only "Home".
    assert page.context["breadcrumbs_items"][-1]["label"] == "Email subscribers"
