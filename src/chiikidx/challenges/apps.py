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

        register(NavEntry("課題", "challenges:home", action="view", order=52))
        register(NavEntry("対話の記録", "challenges:dialogues", action="view", order=53))
        register(NavEntry("業務プロセス", "challenges:processes", action="view", order=54))
        for name in DEMO_MODULES:
            core_demo.register_extender(import_module(f"{self.name}.{name}").extend)
        from chiikidx.core import panels

        from . import queries

        # challenges: the measure's source 課題
        panels.register("plans:measure", queries.measure_panel)
        # common issues: the prefecture group or initiative a challenge joined
        from .common import queries as common_queries

        panels.register("challenges:challenge", common_queries.challenge_panel)
