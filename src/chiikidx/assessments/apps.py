from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "chiikidx.assessments"
    label = "assessments"
    verbose_name = "ベンチマーク・アセスメント"
