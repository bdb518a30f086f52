"""KPIs for tests: made through the services, owned by a department of the organization."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from chiikidx.core.models import Department
from chiikidx.monitoring import services
from chiikidx.monitoring.models import Kpi
from chiikidx.monitoring.services import TargetInput

from ..plans.sample import admin_of


def department(org, name=None):
    found = Department.objects.filter(organization=org)
    if name:
        found = found.filter(name=name)
    dept = found.order_by("sort_order", "name").first()
    return dept or Department.objects.create(organization=org, name=name or "企画課")


def make_kpi(org, user=None, *, name="オンライン申請件数", owner=None, measures=None, **fields):
    """A monthly count KPI: 100 on 令和7年3月31日, 220 at the end of 令和7年度 (2026-03-31)."""
    user = user or admin_of(org)
    values = {
        "name": name,
        "kind": "count_period",
        "direction": "higher",
        "frequency": "monthly",
        "unit": "件",
        "owner_department": department(org, "福祉課") if org.code == "992011" else department(org),
        "baseline_value": Decimal(100),
        "baseline_date": datetime.date(2025, 3, 31),
    }
    values.update(fields)
    targets = values.pop("targets", [TargetInput(datetime.date(2026, 3, 31), Decimal(220), 2025)])
    if owner is not None:
        values["owner_user"] = owner
    return services.save_kpi(
        acting_user=user, organization=org, measures=measures, targets=targets, **values
    )


def sample_kpi(org) -> Kpi:
    """The organization's first KPI, created on demand (あおば市: owned by 福祉課)."""
    return Kpi.objects.filter(organization=org).order_by("pk").first() or make_kpi(org)


def user(username):
    return get_user_model().objects.get(username=username)
