from importlib import import_module

from django.apps import AppConfig

# Demo parts in order: dialogue records first (challenges cite them), then the challenges, the
# process inventory, and last the escalated issues several municipalities share.
DEMO_MODULES = ("dialogue.demo", "demo", "processes.demo", "common.demo")


class ChallengesConfig(AppConfig):
    name = "chiikidx.challenges"
    label = "challenges"
    verbose_name = "課題の整理"

    def ready(self):
        from chiikidx.core import demo as core_demo
        from chiikidx.core.navigation import NavEntry, register

        for label, url_name, order, prefecture in [
            ("課題", "challenges:home", 52, False),
            ("対話の記録", "challenges:dialogues", 53, False),
            ("業務プロセス", "challenges:processes", 54, False),
            ("県内の共通課題", "challenges:common", 55, True),
        ]:
            register(
                NavEntry(
                    label,
                    url_name,
                    action="view",
                    order=order,
                    group="課題の整理",
                    prefecture=prefecture,
                )
            )
        for name in DEMO_MODULES:
            core_demo.register_extender(import_module(f"{self.name}.{name}").extend)
        from chiikidx.core import panels

        from . import queries

        # challenges: the measure's source 課題
        panels.register("plans:measure", queries.measure_panel)
        # common issues: the prefecture group or initiative a challenge joined
        from .common import queries as common_queries

        panels.register("challenges:challenge", common_queries.challenge_panel)
