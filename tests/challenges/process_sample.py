"""Processes for tests: made through the services, of a department of the organization
(あおば市: 福祉課, dept-staff-1's department)."""

from decimal import Decimal

from chiikidx.challenges.models import Process, ProcessStep
from chiikidx.challenges.processes import services
from chiikidx.challenges.processes.services import StepInput

from ..plans.sample import admin_of, department

SAMPLE_NAME = "児童手当の認定請求"
# (name, type, medium, minutes, performer): 職員 5 + 12 + 6 + 5 = 28 分/件
SAMPLE_STEPS = [
    ("認定請求書の記入", "fill", "paper", "15", "resident"),
    ("請求書の受付", "receive", "in_person", "5", "staff"),
    ("児童手当システムに入力", "input", "digital", "12", "staff"),
    ("台帳への転記", "transcribe", "paper", "6", "staff"),
    ("認定の決裁", "approve", "paper", "5", "staff"),
]


def owner_department(org):
    """あおば市: 福祉課 (dept-staff-1's department); elsewhere the first department."""
    return department(org, "福祉課") if org.code == "992011" else department(org)


def inputs(rows) -> list[StepInput]:
    return [
        StepInput(name=n, step_type=t, medium=m, minutes=Decimal(minutes), performer=p)
        for n, t, m, minutes, p in rows
    ]


def make_process(org, user=None, *, name=SAMPLE_NAME, steps=SAMPLE_STEPS, **fields) -> Process:
    values = {
        "common_name": name,
        "department": owner_department(org),
        "annual_volume": 1200,
    }
    values.update(fields)
    return services.create_process(
        acting_user=user or admin_of(org),
        organization=org,
        name=name,
        steps=inputs(steps),
        **values,
    )


def sample_process(org) -> Process:
    """The organization's sample process, created on demand (あおば市: 福祉課's)."""
    found = Process.objects.filter(organization=org, name=SAMPLE_NAME).order_by("pk").first()
    return found or make_process(org)


def sample_step(org) -> ProcessStep:
    """The sample process's paper 転記 (an improvement candidate)."""
    return sample_process(org).steps.get(name="台帳への転記")
