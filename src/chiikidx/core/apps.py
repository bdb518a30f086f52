from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chiikidx.core"
    label = "core"
    verbose_name = "基盤"

    def ready(self):
        from django.apps import apps

        from . import audit, checks  # noqa: F401  (registers the system checks)

        audit.connect_delete_signals(apps.get_models())
