"""Cost-effectiveness cases for tests: made through the service, on the organization's sample
measure (its plan runs 令和7〜10年度), with the inputs of the worked example (test_costs)."""

from decimal import Decimal

from chiikidx.monitoring import cost_services
from chiikidx.monitoring.cost_services import AdoptionInput
from chiikidx.monitoring.models import CostCase

from ..plans.sample import admin_of, sample_measure

D = Decimal
EXAMPLE_INPUTS = {
    "kind": "online",
    "procedure": "住民票の写し等の交付申請",
    "annual_procedures": D(10000),
    "travel_minutes": D(30),
    "waiting_minutes": D(20),
    "filling_minutes": D(10),
    "travel_cost": D(250),
    "postage": D(50),
    "time_value": D(1200),
    "staff_minutes": D(12),
    "staff_hourly_cost": D(3000),
    "initial_cost": D(5000000),
    "running_cost": D(1000000),
    "discount_rate": D(5),
}
# 令和7〜9年度 as in the worked example; 令和10年度 like 令和9年度.
EXAMPLE_ADOPTION = [
    AdoptionInput(2025, D(10), D(20), D(30)),
    AdoptionInput(2026, D(20), D(40), D(60)),
    AdoptionInput(2027, D(30), D(50), D(70)),
    AdoptionInput(2028, D(30), D(50), D(70)),
]


def make_case(org, user=None, *, measure=None, adoption=None, **fields) -> CostCase:
    values = {**EXAMPLE_INPUTS, "measure": measure or sample_measure(org), **fields}
    return cost_services.save_cost_case(
        acting_user=user or admin_of(org),
        organization=org,
        adoption=EXAMPLE_ADOPTION if adoption is None else adoption,
        **values,
    )


def sample_case(org) -> CostCase:
    """The organization's first case, created on demand."""
    return CostCase.objects.filter(organization=org).order_by("pk").first() or make_case(org)
