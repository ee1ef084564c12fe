from django.apps import AppConfig


class TalksConfig(AppConfig):
    name = "talks"
    verbose_name = "Talks"

    def ready(self):
        # Here, not at the top: the receivers import the models, which load after app configs.
        from . import signals  # noqa: F401
