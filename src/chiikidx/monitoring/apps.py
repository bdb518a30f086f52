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
        core_demo.register_extender(logic_demo.extend)
        tasks.register(queries.kpi_tasks)
        panels.register("plans:measure", queries.measure_panel)
        panels.register("plans:measure", logic_queries.measure_logic_panel)
