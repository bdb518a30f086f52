from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "chiikidx.plans"
    label = "plans"
    verbose_name = "DX推進計画"

    def ready(self):
        from chiikidx.core import demo as core_demo
        from chiikidx.core import tasks
        from chiikidx.core.navigation import NavEntry, register

        from . import demo, queries

        register(NavEntry("DX推進計画", "plans:home", action="view", order=55))
        core_demo.register_extender(demo.extend)
        tasks.register(queries.measure_tasks)
