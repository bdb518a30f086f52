from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "chiikidx.assessments"
    label = "assessments"
    verbose_name = "ベンチマーク・アセスメント"

    def ready(self):
        from chiikidx.core import demo as core_demo
        from chiikidx.core.navigation import NavEntry, register

        from . import demo

        register(NavEntry("アセスメント", "assessments:home", action="view"))
        register(NavEntry("全国のアセスメント", "assessments:national", superuser=True, order=60))
        core_demo.register_extender(demo.extend)
