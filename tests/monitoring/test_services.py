"""KPI definitions and actuals through the services: rights, checks, versions, locks, audit."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chiikidx.core.models import AuditEntry, Membership
from chiikidx.core.services import ServiceError
from chiikidx.monitoring import services
from chiikidx.monitoring.models import Kpi, KpiActual, KpiMeasure, KpiTarget, PeriodLock
from chiikidx.monitoring.periods import period_of
from chiikidx.monitoring.services import TargetInput

from ..plans.sample import make_plan
from .sample import department, make_kpi, user

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
APRIL = period_of("monthly", datetime.date(2025, 4, 1))
MAY = period_of("monthly", datetime.date(2025, 5, 1))


def record(kpi, username, period=APRIL, value=110, **kw):
    return services.record_actual(
        acting_user=user(username), kpi=kpi, period=period, value=Decimal(value), **kw
    )


def test_create_kpi_with_targets_and_measures_is_audited(org_coded):
    org = org_coded(AOBA)
    plan = make_plan(org, measures=2)
    measures = list(plan.measures.select_related("plan"))
    before = AuditEntry.objects.count()
    kpi = make_kpi(
        org,
        measures=measures,
        owner=user("dept-staff-1"),
        targets=[
            TargetInput(datetime.date(2026, 3, 31), Decimal(220), 2025),
            TargetInput(datetime.date(2027, 3, 31), Decimal(400), 2026),
        ],
    )
    assert KpiTarget.objects.filter(kpi=kpi).count() == 2
    assert KpiMeasure.objects.filter(kpi=kpi).count() == 2
    assert AuditEntry.objects.count() == before + 5
    labels = AuditEntry.objects.order_by("-seq")[:5].values_list("model_label", flat=True)
    assert sorted(labels) == sorted(
        ["monitoring.Kpi"] + ["monitoring.KpiTarget"] * 2 + ["monitoring.KpiMeasure"] * 2
    )
    # Changing the targets replaces them (one changed, one removed, one added)
    services.save_kpi(
        acting_user=user("muni-staff-1"),
        organization=org,
        kpi=kpi,
        measures=measures[:1],
        targets=[
            TargetInput(datetime.date(2026, 3, 31), Decimal(250), 2025),
            TargetInput(datetime.date(2028, 3, 31), Decimal(500), 2027),
        ],
    )
    assert dict(kpi.targets.values_list("fiscal_year", "value")) == {2025: 250, 2027: 500}
    assert list(KpiMeasure.objects.filter(kpi=kpi).values_list("measure_id", flat=True)) == [
        measures[0].pk
    ]
    # Saving the same targets again changes (and records) nothing
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    services.save_kpi(
        acting_user=user("muni-staff-1"),
        organization=org,
        kpi=kpi,
        measures=measures[:1],
        targets=[
            TargetInput(datetime.date(2026, 3, 31), Decimal(250), 2025),
            TargetInput(datetime.date(2028, 3, 31), Decimal(500), 2027),
        ],
    )
    assert not AuditEntry.objects.filter(seq__gt=last, model_label="monitoring.KpiTarget")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " "}, "KPIの名称を入力してください。"),
        ({"baseline_date": None}, "基準値には基準日も入力してください"),
        ({"at_risk_threshold": Decimal(20)}, "「遅れ」にする不足率は「注意」にする不足率以上"),
        ({"kind": "percentage", "baseline_value": Decimal(120)}, "基準値: 割合は0〜100の範囲"),
        (
            {"targets": [TargetInput(datetime.date(2025, 3, 1), Decimal(5))]},
            "目標の日は基準日より後にしてください。",
        ),
        (
            {"targets": [TargetInput(datetime.date(2026, 3, 31), Decimal("2.5"))]},
            "目標値: 件数は0以上の整数で入力してください。",
        ),
    ],
)
def test_kpi_checks(org_coded, fields, message):
    with pytest.raises(ServiceError, match=message):
        make_kpi(org_coded(AOBA), **fields)
    assert not Kpi.objects.filter(organization__code=AOBA).exists()


def test_kpi_refuses_owners_and_measures_of_another_organization(org_coded):
    aoba, wakaba = org_coded(AOBA), org_coded(WAKABA)
    with pytest.raises(ServiceError, match="担当者はこの団体の職員"):
        make_kpi(aoba, owner=user("muni-staff-2"))
    with pytest.raises(ServiceError, match="担当部署はこの団体の部署"):
        make_kpi(aoba, owner_department=department(wakaba))
    other = make_plan(wakaba, measures=1).measures.select_related("plan")
    with pytest.raises(ServiceError, match="施策はこの団体の計画のもの"):
        make_kpi(aoba, measures=list(other))
    assert not Kpi.objects.filter(organization=aoba).exists()


def test_only_staff_define_kpis(org_coded):
    org = org_coded(AOBA)
    for username in ["dept-staff-1", "executive-1", "muni-admin-2", "liaison"]:
        with pytest.raises(ServiceError, match="KPIを登録・変更する権限がありません"):
            make_kpi(org, user(username))


def test_record_correct_and_keep_history(org_coded):
    kpi = make_kpi(org_coded(AOBA))
    first = record(kpi, "dept-staff-1", comment="初回")
    assert (first.change, first.actual.version, first.actual.is_current) == ("created", 1, True)
    same = record(kpi, "dept-staff-1", comment="初回")
    assert same.change == "unchanged"
    before = AuditEntry.objects.count()
    second = record(kpi, "muni-staff-1", value=112, comment="集計漏れを修正")
    assert (second.change, second.actual.version) == ("corrected", 2)
    versions = list(KpiActual.objects.filter(kpi=kpi).order_by("version"))
    assert [(a.value, a.is_current, a.recorded_by.username) for a in versions] == [
        (110, False, "dept-staff-1"),
        (112, True, "muni-staff-1"),
    ]
    assert AuditEntry.objects.count() == before + 2  # the old version set aside, the new one


def test_who_may_record(org_coded):
    org = org_coded(AOBA)
    kpi = make_kpi(org, owner=user("executive-1"))  # 福祉課's KPI, owned by the executive
    record(kpi, "dept-staff-1")  # 原課担当 of 福祉課
    record(kpi, "executive-1", period=MAY)  # the named owner
    record(kpi, "muni-staff-1", period=MAY, value=120)  # the organization's staff
    for username in ["muni-admin-2", "liaison", "pref-staff"]:
        with pytest.raises(ServiceError, match="担当者、担当部署の職員と団体の管理者・職員だけ"):
            record(kpi, username, value=130)
    other = make_kpi(org, name="税務課のKPI", owner_department=department(org, "税務課"))
    with pytest.raises(ServiceError):
        record(other, "dept-staff-1")
    with pytest.raises(ServiceError):
        record(other, "executive-1")  # not its owner
    # An owner who left the organization may no longer record
    Membership.objects.filter(user__username="executive-1").update(is_active=False)
    stale = Kpi.objects.get(pk=kpi.pk)
    executive = user("executive-1")
    with pytest.raises(ServiceError):
        services.record_actual(acting_user=executive, kpi=stale, period=APRIL, value=Decimal(1))


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("count_period", "-1", "件数は0以上の整数"),
        ("count_period", "1.5", "件数は0以上の整数"),
        ("percentage", "100.5", "割合は0〜100の範囲"),
        ("numeric", "1.23456", "小数点以下は4桁まで"),
        ("numeric", "1e15", "値が大きすぎます"),
        ("milestone", "2", r"「はい」\(1\)、未達成なら「いいえ」\(0\)"),
    ],
)
def test_values_are_checked_by_kind(org_coded, kind, value, message):
    kpi = make_kpi(org_coded(AOBA), kind=kind, baseline_value=None, baseline_date=None, targets=[])
    with pytest.raises(ServiceError, match=message):
        record(kpi, "muni-staff-1", value=Decimal(value))
    assert not KpiActual.objects.filter(kpi=kpi).exists()


def test_cumulative_counts_never_go_down(org_coded):
    kpi = make_kpi(org_coded(AOBA), kind="count_cumulative")
    record(kpi, "muni-staff-1", period=APRIL, value=100)
    record(kpi, "muni-staff-1", period=period_of("monthly", datetime.date(2025, 6, 1)), value=150)
    with pytest.raises(ServiceError, match=r"前の期間\(令和7年4月: 100\)より小さくできません"):
        record(kpi, "muni-staff-1", period=MAY, value=90)
    with pytest.raises(ServiceError, match=r"次の期間\(令和7年6月: 150\)より大きくできません"):
        record(kpi, "muni-staff-1", period=MAY, value=160)
    record(kpi, "muni-staff-1", period=MAY, value=120)


def test_future_periods_and_frequency_mismatch_are_refused(org_coded):
    kpi = make_kpi(org_coded(AOBA))
    future = period_of("monthly", datetime.date.today() + datetime.timedelta(days=40))
    with pytest.raises(ServiceError, match="まだ始まっていない期間です"):
        record(kpi, "muni-staff-1", period=future)
    quarter = period_of("quarterly", datetime.date(2025, 4, 1))
    with pytest.raises(ServiceError, match="入力の頻度と合いません"):
        record(kpi, "muni-staff-1", period=quarter)


def test_locked_periods_refuse_entry_and_correction(org_coded):
    org = org_coded(AOBA)
    kpi = make_kpi(org)
    record(kpi, "muni-staff-1")
    quarter = period_of("quarterly", datetime.date(2025, 4, 1))
    with pytest.raises(ServiceError, match="報告期間を締められるのは団体の管理者だけ"):
        services.lock_period(acting_user=user("muni-staff-1"), organization=org, period=quarter)
    lock = services.lock_period(
        acting_user=user("muni-admin-1"),
        organization=org,
        period=quarter,
        note="第1四半期の確認済み",
    )
    assert lock.label == "令和7年度 Q1(4〜6月)"
    for period, value in [(APRIL, 999), (MAY, 5)]:
        with pytest.raises(ServiceError, match="令和7年度 Q1\\(4〜6月\\)」が締められているため"):
            record(kpi, "muni-staff-1", period=period, value=value)
    record(kpi, "muni-staff-1", period=period_of("monthly", datetime.date(2025, 7, 1)))
    with pytest.raises(ServiceError, match="すでに締められています"):
        services.lock_period(acting_user=user("muni-admin-1"), organization=org, period=quarter)
    services.unlock_period(acting_user=user("muni-admin-1"), lock=lock)
    record(kpi, "muni-staff-1", period=MAY, value=5)
    assert not PeriodLock.objects.filter(organization=org).exists()


def test_evidence_file_is_kept_by_later_versions(org_coded, settings):
    kpi = make_kpi(org_coded(AOBA))
    upload = SimpleUploadedFile("集計表.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    first = record(kpi, "dept-staff-1", upload=upload).actual
    assert (first.file_name, first.file_type, first.file_size) == (
        "集計表.pdf",
        "application/pdf",
        17,
    )
    assert first.file.name.startswith(f"kpi/{AOBA}/{kpi.pk}/")
    second = record(kpi, "dept-staff-1", value=111, comment="修正").actual
    assert second.file.name == first.file.name and second.file_name == "集計表.pdf"
    bad = SimpleUploadedFile("macro.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ServiceError, match="添付できない種類のファイル"):
        record(kpi, "dept-staff-1", value=112, upload=bad)
    settings.EVIDENCE_MAX_BYTES = 4
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(ServiceError, match="上限の 4 バイト を超えています"):
        record(kpi, "dept-staff-1", value=113, upload=big)
    assert KpiActual.objects.filter(kpi=kpi).count() == 2


def test_kind_and_frequency_are_fixed_once_actuals_exist(org_coded):
    org = org_coded(AOBA)
    kpi = make_kpi(org)
    services.save_kpi(
        acting_user=user("muni-staff-1"), organization=org, kpi=kpi, frequency="quarterly"
    )
    services.save_kpi(
        acting_user=user("muni-staff-1"), organization=org, kpi=kpi, frequency="monthly"
    )
    record(kpi, "muni-staff-1")
    with pytest.raises(ServiceError, match="種類と入力の頻度は変えられません"):
        services.save_kpi(
            acting_user=user("muni-staff-1"), organization=org, kpi=kpi, frequency="quarterly"
        )
    with pytest.raises(ServiceError, match="実績のあるKPIは削除できません"):
        services.delete_kpi(acting_user=user("muni-staff-1"), kpi=kpi)
