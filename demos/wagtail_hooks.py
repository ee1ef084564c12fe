"""Demo runs in the admin: a "Demo runs" menu item listing every run, newest first, with the
queue at a glance; editors hide, re-queue and delete runs there. Runs are made by the site,
never typed in, so there is no add, edit or copy form."""

from django.urls import path
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from demos import admin_views
from demos.models import DemoRun


class DemoRunViewSet(ModelViewSet):
    model = DemoRun
    name = "demo_runs"
    url_prefix = "demo-runs"
    icon = "tasks"
    menu_label = "Demo runs"
    menu_order = 250  # after Pages and Images
    add_to_admin_menu = True
    add_to_reference_index = False  # runs refer to talks; indexing them would tax every save
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.DemoRunIndexView
    inspect_view_class = admin_views.DemoRunInspectView
    ordering = "-created_at"
    list_per_page = 50
    list_filter = ["status", "recorded_at_talk", "hidden", "talk"]
    inspect_view_fields = [
        "public_id",
        "demo_slug",
        "status",
        "failure",
        "error",
        "talk",
        "recorded_at_talk",
        "hidden",
        "params",
        "seed",
        "progress",
        "seconds",
        "attempts",
        "priority",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "versions",
    ]
    actions = {
        "hide": admin_views.HideRunView,
        "show": admin_views.ShowRunView,
        "requeue": admin_views.RequeueRunView,
    }

    def get_common_view_kwargs(self, **kwargs):
        # No add or edit views (see the module's docstring): nothing may link to them.
        return super().get_common_view_kwargs(add_url_name=None, edit_url_name=None, **kwargs)

    def action_url_names(self) -> dict[str, str]:
        return {f"{action}_url_name": self.get_url_name(action) for action in self.actions}

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(**self.action_url_names(), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(**self.action_url_names(), **kwargs)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("delete/<int:pk>/", self.delete_view, name="delete"),
            path("history/<int:pk>/", self.history_view, name="history"),
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
            path("usage/<int:pk>/", self.usage_view, name="usage"),
            *(
                path(
                    f"{action}/<int:pk>/",
                    view_class.as_view(
                        index_url_name=self.get_url_name("index"),
                        action_url_name=self.get_url_name(action),
                    ),
                    name=action,
                )
                for action, view_class in self.actions.items()
            ),
        ]


@hooks.register("register_admin_viewset")
def register_demo_run_viewset():
    return DemoRunViewSet()


@hooks.register("register_log_actions")
def register_run_log_actions(actions):
    actions.register_action("demos.run.hide", "Hide from the public", "Hidden from the public")
    actions.register_action("demos.run.show", "Show to the public", "Shown to the public again")
    actions.register_action("demos.run.requeue", "Re-queue", "Re-queued")
