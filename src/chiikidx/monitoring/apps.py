from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "chiikidx.monitoring"
    label = "monitoring"
    verbose_name = "KPI・モニタリング"

    def ready(self):
        from chiikidx.core import demo as core_demo
        from chiikidx.core import panels, tasks
        from chiikidx.core.navigation import NavEntry, register

        from . import demo, logic_demo, logic_queries, queries

        register(NavEntry("KPI・モニタリング", "monitoring:home", action="view", order=56))
        core_demo.register_extender(demo.extend)
        core_demo.register_extender(logic_demo.extend)  # after demo.extend: uses its KPIs
        tasks.register(queries.kpi_tasks)
        panels.register("plans:measure", queries.measure_panel)
        panels.register("plans:measure", logic_queries.measure_logic_panel)
        self._ready_reviews()

    def _ready_reviews(self):
        """PDCA reviews: their demo, 「自分の作業」 and the panels on the plans' pages."""
        from chiikidx.core import demo as core_demo
        from chiikidx.core import panels, tasks
        from chiikidx.core.navigation import NavEntry, register

        from .reviews import demo, queries

        register(NavEntry("振り返り", "monitoring:reviews", action="view", order=57))
        core_demo.register_extender(demo.extend)
        tasks.register(queries.follow_up_tasks)
        panels.register("plans:measure", queries.measure_panel)
        panels.register("plans:plan", queries.plan_panel)
