from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "chiikidx.assessments"
    label = "assessments"
    verbose_name = "ベンチマーク・アセスメント"

    def ready(self):
        from chiikidx.core.navigation import NavEntry, register

        register(NavEntry("アセスメント", "assessments:home", action="view"))
