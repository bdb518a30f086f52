from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "chiikidx.monitoring"
    label = "monitoring"
    verbose_name = "KPI・モニタリング"

    def ready(self):
        from django.db.models.signals import pre_delete

        from chiikidx.core import demo as core_demo
        from chiikidx.core import panels, tasks
        from chiikidx.core.navigation import NavEntry, register

        from . import (
            cost_demo,
            cost_queries,
            cost_services,
            demo,
            logic_demo,
            logic_queries,
            queries,
        )
        from .models import Kpi

        for label, url_name, prefecture in [
            ("KPI・モニタリング", "monitoring:home", False),
            ("県内のKPIの状況", "monitoring:prefecture", True),
        ]:
            register(
                NavEntry(
                    label,
                    url_name,
                    action="view",
                    order=56,
                    group="KPI・振り返り",
                    prefecture=prefecture,
                )
            )
        # The demo's KPIs first: the logic models and the cost cases use them.
        core_demo.register_extender(demo.extend)
        core_demo.register_extender(logic_demo.extend)
        core_demo.register_extender(cost_demo.extend)
        tasks.register(queries.kpi_tasks)
        panels.register("plans:measure", queries.measure_panel)
        panels.register("plans:measure", logic_queries.measure_logic_panel)
        panels.register("plans:measure", cost_queries.measure_panel)
        panels.register("plans:summary", cost_queries.summary_panel)
        pre_delete.connect(cost_services.unlink_kpi, sender=Kpi, dispatch_uid="cost_unlink_kpi")
        self._ready_reviews()

    def _ready_reviews(self):
        """PDCA reviews: their demo, 「自分の作業」 and the panels on the plans' pages."""
        from chiikidx.core import demo as core_demo
        from chiikidx.core import panels, tasks
        from chiikidx.core.navigation import NavEntry, register

        from .reviews import demo, queries

        register(
            NavEntry(
                "振り返り", "monitoring:reviews", action="view", order=57, group="KPI・振り返り"
            )
        )
        core_demo.register_extender(demo.extend)
        tasks.register(queries.follow_up_tasks)
        panels.register("plans:measure", queries.measure_panel)
        panels.register("plans:plan", queries.plan_panel)
