from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Email subscriptions"

    def ready(self):
        # Here, not at the top: the receivers import the models, which load after app configs.
        from . import signals  # noqa: F401
