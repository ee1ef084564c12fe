"""The admin's "Email subscribers" report (counts per series, CSV export), shown only to users
with the permission, which Wagtail's group settings can grant."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_subscriber_count_urls():
    return [
        path("subscribers/", admin_views.subscriber_counts, name="subscriptions_counts"),
        path(
            "subscribers/csv/", admin_views.subscriber_counts_csv, name="subscriptions_counts_csv"
        ),
    ]


class PermittedMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_reports_menu_item")
def register_subscriber_counts_menu_item():
    return PermittedMenuItem(
        "Email subscribers", reverse("subscriptions_counts"), icon_name="mail", order=900
    )


@hooks.register("register_permissions")
def register_subscriber_count_permission():
    return Permission.objects.filter(
        content_type__app_label="subscriptions", codename="view_subscriber_counts"
    )
