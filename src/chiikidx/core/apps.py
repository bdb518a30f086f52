from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chiikidx.core"
    label = "core"
    verbose_name = "基盤"
