"""Cost-effectiveness cases through the service: who may write, every check with its Japanese
message, nothing half-saved, and the audit trail."""

from decimal import Decimal

import pytest

from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.monitoring import cost_services
from chiikidx.monitoring.cost_services import AdoptionInput, CaseError
from chiikidx.monitoring.models import CostAdoption, CostCase

from ..plans.sample import admin_of, make_plan, sample_measure
from .cost_sample import EXAMPLE_ADOPTION, EXAMPLE_INPUTS, make_case
from .sample import make_kpi, user

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
D = Decimal


def _refused(org, **changes) -> CaseError:
    adoption = changes.pop("adoption", EXAMPLE_ADOPTION)
    with pytest.raises(CaseError) as refused:
        make_case(org, adoption=adoption, **changes)
    return refused.value


def test_a_case_and_its_adoption_rows_are_saved_and_audited(org_coded):
    org = org_coded(AOBA)
    measure = sample_measure(org)
    before = AuditEntry.objects.count()
    case = make_case(org, measure=measure)
    assert list(case.years) == [2025, 2026, 2027, 2028]  # the plan's period
    rows = list(CostAdoption.objects.filter(case=case).values_list("fiscal_year", "low", "base"))
    assert rows == [(2025, 10, 20), (2026, 20, 40), (2027, 30, 50), (2028, 30, 50)]
    assert AuditEntry.objects.count() == before + 5  # the case and four rows
    entry = AuditEntry.objects.filter(model_label="monitoring.CostCase").latest("seq")
    assert entry.organization_id == org.pk and entry.actor.username == "muni-admin-1"
    # Changing one row rewrites only that row (one more entry), and the case when it changes.
    changed = [*EXAMPLE_ADOPTION[:3], AdoptionInput(2028, D(40), D(60), D(80))]
    cost_services.save_cost_case(
        acting_user=admin_of(org), organization=org, case=case, adoption=changed
    )
    assert AuditEntry.objects.count() == before + 6
    assert CostAdoption.objects.get(case=case, fiscal_year=2028).base == 60


def test_only_the_organizations_staff_write(org_coded):
    org = org_coded(AOBA)
    for username in ("dept-staff-1", "executive-1", "muni-admin-2"):
        with pytest.raises(ServiceError, match="権限がありません"):
            make_case(org, user=user(username))
    assert not CostCase.objects.exists()
    case = make_case(org)
    with pytest.raises(ServiceError, match="別の団体"):
        cost_services.save_cost_case(
            acting_user=user("muni-admin-2"),
            organization=org_coded(WAKABA),
            case=case,
            procedure="書き換え",
        )


def test_the_measure_and_the_kpi_must_be_the_organizations(org_coded):
    org, other = org_coded(AOBA), org_coded(WAKABA)
    refused = _refused(org, measure=sample_measure(other))
    assert (str(refused), refused.field) == (
        "施策はこの団体の計画の施策から選んでください。",
        "measure",
    )
    assert "この団体のKPIから" in str(_refused(org, kpi=make_kpi(other)))
    numeric = make_kpi(org, name="窓口の待ち時間", kind="numeric", unit="分")
    refused = _refused(org, kpi=numeric)
    assert str(refused) == (
        "実績に使うKPIは、種類が「件数(期間ごと)」か「件数(累計)」のKPIを選んでください"
        "(「窓口の待ち時間」は「数値」です)。"
    )
    assert refused.field == "kpi"


def test_numbers_are_checked_with_their_labels(org_coded):
    org = org_coded(AOBA)
    refused = _refused(org, staff_hourly_cost=None)
    assert refused.field == "staff_hourly_cost"
    assert str(refused).startswith("職員の人件費(円/時)を入力してください。")
    assert "年間の勤務時間" in str(refused)
    refused = _refused(org, travel_minutes=D(-5))
    assert str(refused) == "「移動の時間・往復(分/件)」は0以上の数で入力してください。"
    refused = _refused(org, travel_cost=D("12.5"))
    assert (
        str(refused) == "「交通費・往復(円/件)」は整数で入力してください(小数点以下は使えません)。"
    )
    refused = _refused(org, waiting_minutes=D("1.25"))
    assert str(refused) == "「待ち時間(分/件)」は小数点以下1桁までで入力してください。"
    refused = _refused(org, initial_cost=D(10) ** 15)
    assert str(refused) == "「初期費用(円)」が大きすぎます。単位を確かめてください。"
    assert str(_refused(org, discount_rate=D(120))) == (
        "割引率(%/年)は0〜100の範囲で入力してください(例: 4)。"
    )
    assert str(_refused(org, procedure="  ")) == (
        "手続の名称を入力してください(例: 住民票の写し等の交付申請)。"
    )
    assert not CostCase.objects.exists()


def test_the_period_defaults_to_the_plan_and_may_be_narrowed(org_coded):
    org = org_coded(AOBA)
    case = make_case(org, first_fy=2026, last_fy=2027, adoption=EXAMPLE_ADOPTION[1:3])
    assert list(case.years) == [2026, 2027]
    refused = _refused(org, first_fy=2027, last_fy=2026, adoption=[])
    assert (str(refused), refused.field) == (
        "最後の年度(令和8年度)は最初の年度(令和9年度)以降にしてください。",
        "last_fy",
    )
    refused = _refused(org, first_fy=2025, last_fy=2060, adoption=[])
    assert str(refused) == "試算の期間は30年度までにしてください。"
    # Without new rows, the stored ones must still cover the period.
    with pytest.raises(CaseError, match="令和10年度の普及率") as refused:
        cost_services.save_cost_case(
            acting_user=admin_of(org), organization=org, case=case, last_fy=2028
        )
    assert refused.value.field == "adoption"
    assert CostCase.objects.get(pk=case.pk).last_fy == 2027  # nothing half-saved


def test_adoption_rows_are_checked(org_coded):
    org = org_coded(AOBA)
    rows = EXAMPLE_ADOPTION
    missing = _refused(org, adoption=rows[:2])
    assert str(missing) == (
        "令和9年度・令和10年度の普及率(低位・基準・高位)を入力してください。"
        "新しい方法を使わない年度は0を入力します。"
    )
    assert missing.field == "adoption"
    outside = _refused(org, adoption=[*rows, AdoptionInput(2030, D(1), D(2), D(3))])
    assert str(outside) == (
        "令和12年度は試算の期間(令和7年度〜令和10年度)の外です。"
        "期間を広げるか、その年度の普及率の行を空にしてください。"
    )
    twice = _refused(org, adoption=[*rows, rows[0]])
    assert str(twice) == "令和7年度の普及率が2行あります。1行にしてください。"
    disordered = [AdoptionInput(2025, D(30), D(20), D(40)), *rows[1:]]
    assert str(_refused(org, adoption=disordered)) == (
        "令和7年度の普及率は 低位 ≤ 基準 ≤ 高位 になるように入力してください"
        "(いまは 低位 30%、基準 20%、高位 40%)。"
    )
    too_high = [AdoptionInput(2025, D(30), D(90), D(120)), *rows[1:]]
    assert str(_refused(org, adoption=too_high)) == (
        "令和7年度の普及率は0〜100(%)の範囲で入力してください。"
    )
    blank = [AdoptionInput(2025, D(10), None, D(30)), *rows[1:]]
    assert str(_refused(org, adoption=blank)) == (
        "令和7年度の普及率は、低位・基準・高位の3つとも入力してください。"
    )
    fine = [AdoptionInput(2025, D("10.125"), D(20), D(30)), *rows[1:]]
    assert (
        str(_refused(org, adoption=fine))
        == "令和7年度の普及率は小数点以下2桁までで入力してください。"
    )
    assert not CostCase.objects.exists() and not CostAdoption.objects.exists()


def test_deleting_a_case_removes_its_rows_and_is_audited(org_coded):
    org = org_coded(AOBA)
    case = make_case(org)
    with pytest.raises(ServiceError, match="権限がありません"):
        cost_services.delete_cost_case(acting_user=user("executive-1"), case=case)
    before = AuditEntry.objects.count()
    cost_services.delete_cost_case(acting_user=admin_of(org), case=case)
    assert not CostCase.objects.exists() and not CostAdoption.objects.exists()
    assert AuditEntry.objects.count() == before + 5


def test_a_revised_plans_measure_keeps_its_cases(org_coded):
    """Cases of a measure and of its copy in the plan's next version are found from either."""
    from chiikidx.monitoring import cost_queries

    org = org_coded(AOBA)
    plan = make_plan(org, measures=1)
    measure = plan.measures.get()
    case = make_case(org, measure=measure)
    from chiikidx.plans.models import Measure

    copy = Measure.objects.create(
        plan=make_plan(org, title="改定版", measures=0),
        policy=measure.policy,
        title=measure.title,
        owner_department=measure.owner_department,
        origin=measure.pk,
    )
    assert list(cost_queries.cases_of_measure(copy)) == [case]
    assert list(cost_queries.cases_of_plan(copy.plan)) == [case]
    assert list(cost_queries.cases_of_plan(plan)) == [case]
    assert EXAMPLE_INPUTS["procedure"] == case.procedure


def test_deleting_its_kpi_leaves_the_case_without_realised_counts_audited(org_coded):
    from chiikidx.monitoring import services

    org = org_coded(AOBA)
    kpi = make_kpi(org)  # no actuals: it may be deleted
    case, kpi_id = make_case(org, kpi=kpi), kpi.pk
    services.delete_kpi(acting_user=admin_of(org), kpi=kpi)
    case.refresh_from_db()
    assert case.kpi_id is None
    entry = AuditEntry.objects.filter(model_label="monitoring.CostCase").latest("seq")
    assert (entry.action, entry.before, entry.after) == (
        "update",
        {"kpi_id": kpi_id},
        {"kpi_id": None},
    )
