"""The import writes any number of rows with the same few queries (monitoring.bulk), and
records exactly the audit entries the ORM's audited writes would."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core.models import AuditEntry
from chiikidx.monitoring import bulk, excel, services
from chiikidx.monitoring.models import KpiActual
from chiikidx.monitoring.periods import add_months, period_of

from .sample import make_kpi, user

pytestmark = pytest.mark.django_db

AOBA = "992011"


def _months(count: int) -> list:
    this_month = timezone.localdate().replace(day=1)
    return [period_of("monthly", add_months(this_month, -n)) for n in range(count, 0, -1)]


def _csv(kpis, months) -> bytes:
    lines = ["KPI ID,期間,実績値,コメント"]
    for k, kpi in enumerate(kpis):
        lines += [f"{kpi.pk},{p.label},{100 + k + n},集計" for n, p in enumerate(months)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _import(org, data: bytes, staff=None):
    return excel.import_upload(
        acting_user=staff or user("muni-staff-1"), organization=org, data=data, filename="a.csv"
    )


def _kpis(org, count):
    return [make_kpi(org, code=f"B-{i:02}", name=f"一括のKPI {i}") for i in range(count)]


def test_two_rows_and_two_hundred_rows_make_the_same_queries(org_coded, django_assert_num_queries):
    org = org_coded(AOBA)
    kpis = _kpis(org, 10)
    months = _months(20)
    services.record_actual(
        acting_user=user("muni-staff-1"), kpi=kpis[0], period=months[-1], value=Decimal(1)
    )
    # 2 rows, one correcting the actual above: load the KPIs, their actuals and the locks, the
    # user's rights; set aside, insert, read the ids back; the audit chain and its entries
    staff, again = user("muni-staff-1"), user("muni-staff-1")
    with django_assert_num_queries(15):
        counts = _import(org, _csv(kpis[:1], months[-2:]), staff)
    assert counts == {"created": 1, "corrected": 1, "unchanged": 0}
    # 200 rows: 10 KPIs × 20 months, two of them correcting the rows above
    with django_assert_num_queries(15):
        counts = _import(org, _csv(kpis, months), again)
    assert counts == {"created": 198, "corrected": 2, "unchanged": 0}
    assert KpiActual.objects.filter(kpi__in=kpis, is_current=True).count() == 200


def test_the_page_makes_the_same_queries_for_any_size(org_coded, django_assert_num_queries):
    org = org_coded(AOBA)
    kpis = _kpis(org, 10)
    client = Client()
    client.force_login(user("muni-staff-1"))
    url = reverse("monitoring:import", args=[AOBA])

    def post(data):
        return client.post(url, {"file": ContentFile(data, name="actuals.csv")})

    assert post(_csv(kpis[:1], _months(1))).status_code == 302  # warm the session
    with django_assert_num_queries(17):  # the import's 14, the session and the message
        assert post(_csv(kpis[1:2], _months(2))).status_code == 302
    with django_assert_num_queries(17):
        assert post(_csv(kpis[2:], _months(25))).status_code == 302
    assert KpiActual.objects.filter(kpi__organization=org).count() == 1 + 2 + 8 * 25


def test_every_row_written_is_audited_as_the_orm_would(org_coded):
    org = org_coded(AOBA)
    kpi = _kpis(org, 1)[0]
    months = _months(3)
    stored = services.record_actual(
        acting_user=user("muni-staff-1"), kpi=kpi, period=months[0], value=Decimal(5)
    ).actual
    stored.file.save("evidence.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    stored.file_name, stored.file_size = "根拠.pdf", 9
    KpiActual.objects.filter(pk=stored.pk).update(
        file=stored.file.name, file_name=stored.file_name, file_size=9
    )
    first_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    before = timezone.now()
    _import(org, _csv([kpi], months))
    entries = list(AuditEntry.objects.filter(seq__gt=first_seq).order_by("seq"))
    new = list(KpiActual.objects.filter(kpi=kpi, is_current=True).order_by("period_start"))
    assert [(e.action, e.model_label) for e in entries] == [
        ("update", "monitoring.KpiActual"),
        ("create", "monitoring.KpiActual"),
        ("create", "monitoring.KpiActual"),
        ("create", "monitoring.KpiActual"),
    ]
    assert (entries[0].object_id, entries[0].before, entries[0].after) == (
        str(stored.pk),
        {"is_current": True},
        {"is_current": False},
    )
    for n, (entry, actual) in enumerate(zip(entries[1:], new, strict=True)):
        assert entry.object_id == str(actual.pk)  # the value as imported (100, not 100.0000)
        assert entry.object_repr == f"{kpi} {actual.period_start}〜{actual.period_end}: {100 + n}"
        assert entry.before is None
        assert entry.after == audit.snapshot(actual) | {"value": str(entry.after["value"])}
        assert Decimal(entry.after["value"]) == actual.value
        assert entry.actor_name == "muni-staff-1" and entry.organization_id == org.pk
    corrected = new[0]
    assert (corrected.version, corrected.value, corrected.source) == (2, 100, "import")
    assert (corrected.file.name, corrected.file_name, corrected.file_size) == (
        stored.file.name,
        "根拠.pdf",
        9,
    )
    assert corrected.recorded_by == user("muni-staff-1") and corrected.recorded_at >= before
    assert [a.version for a in new[1:]] == [1, 1]
    assert audit.verify_chain().intact


def test_new_actual_has_the_models_defaults(org_coded):
    kpi = _kpis(org_coded(AOBA), 1)[0]
    built = bulk.new_actual(kpi, period_start=datetime.date(2025, 4, 1))
    plain = KpiActual(kpi=kpi, period_start=datetime.date(2025, 4, 1))
    names = [f.attname for f in KpiActual._meta.concrete_fields if f.name != "recorded_at"]
    assert [getattr(built, n) for n in names] == [getattr(plain, n) for n in names]
    assert built.kpi is kpi and abs(built.recorded_at - plain.recorded_at).total_seconds() < 5
    again = bulk.new_actual(kpi)
    assert again.recorded_at >= built.recorded_at  # computed for each, never kept
