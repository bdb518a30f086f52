from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "chiikidx.monitoring"
    label = "monitoring"
    verbose_name = "KPI・モニタリング"

    def ready(self):
        from chiikidx.core import demo as core_demo
        from chiikidx.core import panels, tasks
        from chiikidx.core.navigation import NavEntry, register

        from . import demo, queries

        register(NavEntry("KPI・モニタリング", "monitoring:home", action="view", order=56))
        core_demo.register_extender(demo.extend)
        tasks.register(queries.kpi_tasks)
        panels.register("plans:measure", queries.measure_panel)

        from django.db.models.signals import pre_delete

        from . import cost_demo, cost_queries, cost_services
        from .models import Kpi

        pre_delete.connect(cost_services.unlink_kpi, sender=Kpi, dispatch_uid="cost_unlink_kpi")

        core_demo.register_extender(cost_demo.extend)  # after demo.extend: uses its KPIs
        panels.register("plans:measure", cost_queries.measure_panel)
        panels.register("plans:summary", cost_queries.summary_panel)
