"""Role × route permission matrix, generated from the URL conf, against two prefectures.

Expectations are written out by hand below (who may see which organization), not derived from
the access module, so a mistake there fails here.
"""

import pytest
from django.test import Client
from django.urls import reverse

from chiikidx.core.access import Rule
from chiikidx.core.models import AuditEntry, Department, Membership

from .routes import all_routes

A_PREF, A_MUNI1, A_MUNI2, A_OTHER = "990001", "992011", "993018", "992020"
B_PREF, B_MUNI1 = "980005", "982016"
TARGETS = [A_PREF, A_MUNI1, A_MUNI2, A_OTHER, B_PREF, B_MUNI1]
A_ALL = {A_PREF, A_MUNI1, A_MUNI2, A_OTHER}

# role → (username, organizations it may view, organizations it may manage and audit);
# who may change an organization's data is CHANGERS below.
ROLES = {
    "anonymous": (None, set(), set()),
    "superuser": ("root", set(TARGETS), set(TARGETS)),
    "pref_admin": ("pref-admin", A_ALL, A_ALL),
    "pref_staff": ("pref-staff", A_ALL, set()),
    "liaison": ("liaison", {A_PREF, A_MUNI1, A_MUNI2}, set()),
    "muni_admin": ("muni-admin-1", {A_MUNI1}, {A_MUNI1}),
    "muni_staff": ("muni-staff-1", {A_MUNI1}, set()),
    "dept_staff": ("dept-staff-1", {A_MUNI1}, set()),
    "executive": ("executive-1", {A_MUNI1}, set()),
    "muni_admin_2": ("muni-admin-2", {A_MUNI2}, {A_MUNI2}),
    "b_pref_admin": ("t-pref-admin", {B_PREF, B_MUNI1}, {B_PREF, B_MUNI1}),
    "b_muni_admin": ("t-muni-admin-1", {B_MUNI1}, {B_MUNI1}),
}
# who may change an organization's own data (executives, liaisons and 原課 staff may not)
CHANGERS = {
    "superuser": set(TARGETS),
    "pref_admin": {A_PREF},
    "pref_staff": {A_PREF},
    "muni_admin": {A_MUNI1},
    "muni_staff": {A_MUNI1},
    "muni_admin_2": {A_MUNI2},
    "b_pref_admin": {B_PREF},
    "b_muni_admin": {B_MUNI1},
}
# who checks municipalities' submissions: the prefecture's DX推進課 (never the prefecture itself)
REVIEWERS = {
    "superuser": set(TARGETS),
    "pref_admin": A_ALL - {A_PREF},
    "pref_staff": A_ALL - {A_PREF},
    "b_pref_admin": {B_MUNI1},
}
POST_ONLY = {
    "assessments:round_close",
    "assessments:round_reopen",
    "assessments:round_cancel",
    "assessments:round_excel_upload",
    "api:assessment-response-answers",
    "api:assessment-response-submit",
    "api:assessment-response-review",
    "core:logout",
    "core:switch",
    "core:department_create",
    "core:member_toggle",
    "core:liaison_end",
    "api:token",
    "assessments:adopt",
    "assessments:version_publish",
    "assessments:version_new_draft",
    "assessments:dimension_delete",
    "assessments:dimension_move",
    "assessments:question_delete",
    "assessments:question_move",
    "assessments:validation_delete",
    "assessments:response_save",
    "assessments:response_submit",
    "assessments:response_review",
    "assessments:response_excel_upload",
    "assessments:evidence_upload",
    "assessments:evidence_delete",
    "plans:measure_update",
    "api:plan-measure-update",
    "api:plan-slip",
    "assessments:report_measure",
    "plans:measure_spawn",
    "plans:action_new",
    "plans:action_done",
    "plans:baseline_new",
    "plans:plan_revise",
    "plans:excel_upload",
    "plans:dependency_new",
    "plans:dependency_delete",
    "plans:slip",
    "plans:minutes_upload",
    "monitoring:actual_new",
    "monitoring:lock_delete",
    "monitoring:review_delete",
    "monitoring:review_carry",
    "monitoring:follow_up_delete",
    "monitoring:follow_up_status",
    "api:review-sign-off",
    "api:review-reopen",
    "api:review-carry",
    "monitoring:logic_model_delete",
    "monitoring:logic_node_delete",
    "monitoring:logic_link_delete",
    "challenges:dialogue_delete",
    "challenges:dialogue_challenge",
    "challenges:dialogue_attachment_upload",
    "challenges:dialogue_attachment_delete",
    "challenges:opinion_delete",
    "challenges:opinion_challenge",
    "monitoring:cost_delete",
    "challenges:challenge_status",
    "challenges:challenge_share",
    "challenges:challenge_unshare",
    "challenges:challenge_escalate",
    "challenges:challenge_withdraw",
    "challenges:challenge_measure",
    "challenges:scoring_save",
    "challenges:map_measures",
    "api:challenge-status",
    "api:challenge-share",
    "api:challenge-unshare",
    "api:challenge-escalate",
    "api:challenge-withdraw",
    "challenges:process_delete",
    "challenges:process_step_challenge",
    "challenges:common_group_new",
    "challenges:common_group_members",
    "challenges:common_group_member_remove",
    "challenges:common_group_study",
    "challenges:common_group_measure",
    "challenges:common_group_delete",
    "api:common-issue-group-study-group",
    "api:common-issue-group-measure",
}


def sample_kwargs(route, lgcode):
    """URL parameters other than the organization, taken from that organization's own data."""
    params = set(route.params) - {"lgcode"}
    if not params:
        return {}
    samplers = {
        "core:member_toggle": lambda: _membership_sample(lgcode),
        "core:audit_object": lambda: _audit_sample(lgcode),
        "core:member_edit": lambda: _membership_sample(lgcode),
        "core:member_password": lambda: _membership_sample(lgcode),
        "core:liaison_end": lambda: _assignment_sample(lgcode),
        "assessments:version": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:version_yaml": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:version_excel": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:version_publish": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:version_new_draft": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:version_edit": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:dimension_new": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:dimension_edit": lambda: _dimension_sample(lgcode),
        "assessments:dimension_delete": lambda: _dimension_sample(lgcode),
        "assessments:dimension_move": lambda: _dimension_sample(lgcode),
        "assessments:question_new": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:question_edit": lambda: _question_sample(lgcode),
        "assessments:question_delete": lambda: _question_sample(lgcode),
        "assessments:question_move": lambda: _question_sample(lgcode),
        "assessments:validations": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:validation_delete": lambda: {"version_id": _version_sample(lgcode)},
        "assessments:round": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:overview": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:round_excel": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:round_close": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:round_reopen": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:round_cancel": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:overview_excel": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:round_excel_upload": lambda: {"round_id": _round_sample(lgcode)},
        "assessments:response": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:report": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:report_measure": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:response_excel": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:response_excel_upload": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:response_save": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:response_submit": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:response_review": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:evidence_upload": lambda: {"response_id": _response_sample(lgcode)},
        "assessments:evidence_download": lambda: _evidence_sample(lgcode),
        "assessments:evidence_delete": lambda: _evidence_sample(lgcode),
        "api:organization-detail": lambda: {"code": lgcode},
        "api:assessment-framework-detail": lambda: _framework_sample(),
        "api:assessment-framework-definition": lambda: _framework_sample() | {"number": 1},
        "api:assessment-round-detail": lambda: {"pk": _round_sample(A_PREF)},
        "api:assessment-round-overview": lambda: {"pk": _round_sample(A_PREF)},
        "api:assessment-response-detail": lambda: _a_response(),
        "api:assessment-response-answers": lambda: _a_response(),
        "api:assessment-response-submit": lambda: _a_response(),
        "api:assessment-response-review": lambda: _a_response(),
        "api:department-detail": lambda: {
            "pk": Department.objects.filter(organization__code=A_MUNI1).first().pk
        },
        "core:registry_detail": lambda: {},
        "api:plan-detail": lambda: {"pk": _plan_sample(A_MUNI1)["plan_id"]},
        "api:plan-measure-detail": lambda: {"pk": _measure_sample(A_MUNI1)["measure_id"]},
        "api:plan-measure-update": lambda: {"pk": _measure_sample(A_MUNI1)["measure_id"]},
        "api:plan-dependency-detail": lambda: {"pk": _dependency_sample(A_MUNI1)["dependency_id"]},
        "api:plan-baseline-detail": lambda: {"pk": _baseline_sample(A_MUNI1)},
        "api:plan-compare": lambda: _compare_sample(A_MUNI1),
        "api:plan-schedule": lambda: {"pk": _plan_sample(A_MUNI1)["plan_id"]},
        "api:plan-what-if": lambda: {"pk": _plan_sample(A_MUNI1)["plan_id"]},
        "api:plan-slip": lambda: {"pk": _plan_sample(A_MUNI1)["plan_id"]},
        "plans:plan": lambda: _plan_sample(lgcode),
        "plans:plan_edit": lambda: _plan_sample(lgcode),
        "plans:plan_advance": lambda: _plan_sample(lgcode),
        "plans:policy_new": lambda: _plan_sample(lgcode),
        "plans:policy_edit": lambda: _policy_sample(lgcode),
        "plans:measure_new": lambda: _plan_sample(lgcode),
        "plans:measure": lambda: _measure_sample(lgcode),
        "plans:measure_edit": lambda: _measure_sample(lgcode),
        "plans:measure_update": lambda: _measure_sample(lgcode),
        "plans:measure_spawn": lambda: _measure_sample(lgcode),
        "plans:action_new": lambda: _measure_sample(lgcode),
        "plans:action_done": lambda: _action_sample(lgcode),
        "plans:baselines": lambda: _plan_sample(lgcode),
        "plans:baseline_new": lambda: _plan_sample(lgcode),
        "plans:plan_revise": lambda: _plan_sample(lgcode),
        "plans:excel": lambda: _plan_sample(lgcode),
        "plans:excel_upload": lambda: _plan_sample(lgcode),
        "plans:dependency_new": lambda: _measure_sample(lgcode),
        "plans:dependency_delete": lambda: _dependency_sample(lgcode),
        "plans:schedule": lambda: _plan_sample(lgcode),
        "plans:slip": lambda: _plan_sample(lgcode),
        "plans:gantt": lambda: _plan_sample(lgcode),
        "plans:summary": lambda: _plan_sample(lgcode),
        "plans:minutes": lambda: _minutes_sample(lgcode),
        "plans:minutes_upload": lambda: _minutes_sample(lgcode),
        "monitoring:kpi": lambda: _kpi_sample(lgcode),
        "monitoring:kpi_edit": lambda: _kpi_sample(lgcode),
        "monitoring:actual_new": lambda: _kpi_sample(lgcode),
        "monitoring:actual_file": lambda: _actual_file_sample(lgcode),
        "monitoring:lock_delete": lambda: _lock_sample(lgcode),
        "api:kpi-detail": lambda: {"pk": _kpi_sample(A_MUNI1)["kpi_id"]},
        "api:kpi-actual-detail": lambda: {"pk": _actual_file_sample(A_MUNI1)["actual_id"]},
        "monitoring:review": lambda: _review_sample(lgcode),
        "monitoring:review_edit": lambda: _review_sample(lgcode),
        "monitoring:review_delete": lambda: _review_sample(lgcode),
        "monitoring:review_sign_off": lambda: _review_sample(lgcode),
        "monitoring:review_reopen": lambda: _review_sample(lgcode),
        "monitoring:follow_up_new": lambda: _review_sample(lgcode),
        "monitoring:review_carry": lambda: _carry_sample(lgcode),
        "monitoring:follow_up_edit": lambda: _follow_up_sample(lgcode),
        "monitoring:follow_up_delete": lambda: _follow_up_sample(lgcode),
        "monitoring:follow_up_status": lambda: _follow_up_sample(lgcode),
        "api:review-detail": lambda: {"pk": _review_sample(A_MUNI1)["review_id"]},
        "api:review-sign-off": lambda: {"pk": _review_sample(A_MUNI1)["review_id"]},
        "api:review-reopen": lambda: {"pk": _review_sample(A_MUNI1)["review_id"]},
        "api:review-carry": lambda: {"pk": _carry_sample(A_MUNI1)["review_id"]},
        "api:review-follow-up-detail": lambda: {"pk": _follow_up_sample(A_MUNI1)["follow_up_id"]},
        "monitoring:logic_model": lambda: _logic_sample(lgcode),
        "monitoring:logic_model_edit": lambda: _logic_sample(lgcode),
        "monitoring:logic_model_delete": lambda: _logic_sample(lgcode),
        "monitoring:logic_model_export": lambda: _logic_sample(lgcode),
        "monitoring:logic_node_new": lambda: _logic_sample(lgcode),
        "monitoring:logic_node_edit": lambda: _logic_node_sample(lgcode),
        "monitoring:logic_node_delete": lambda: _logic_node_sample(lgcode),
        "monitoring:logic_link_new": lambda: _logic_sample(lgcode),
        "monitoring:logic_link_edit": lambda: _logic_link_sample(lgcode),
        "monitoring:logic_link_delete": lambda: _logic_link_sample(lgcode),
        "api:logic-model-detail": lambda: {"pk": _logic_sample(A_MUNI1)["model_id"]},
        "api:logic-node-detail": lambda: {"pk": _logic_node_sample(A_MUNI1)["node_id"]},
        "api:logic-link-detail": lambda: {"pk": _logic_link_sample(A_MUNI1)["link_id"]},
        "monitoring:cost": lambda: _cost_sample(lgcode),
        "monitoring:cost_edit": lambda: _cost_sample(lgcode),
        "monitoring:cost_delete": lambda: _cost_sample(lgcode),
        "monitoring:cost_excel": lambda: _cost_sample(lgcode),
        "api:cost-case-detail": lambda: {"pk": _cost_sample(A_MUNI1)["case_id"]},
        "challenges:challenge": lambda: _challenge_sample(lgcode),
        "challenges:challenge_edit": lambda: _challenge_sample(lgcode),
        "challenges:challenge_status": lambda: _challenge_sample(lgcode),
        "challenges:challenge_share": lambda: _challenge_sample(lgcode),
        "challenges:challenge_unshare": lambda: _challenge_sample(lgcode),
        "challenges:challenge_escalate": lambda: _challenge_sample(lgcode),
        "challenges:challenge_withdraw": lambda: _challenge_sample(lgcode),
        "challenges:challenge_measure": lambda: _challenge_sample(lgcode),
        "challenges:scoring_save": lambda: _challenge_sample(lgcode),
        "api:challenge-detail": lambda: {"pk": _challenge_sample(A_MUNI1)["challenge_id"]},
        "api:challenge-status": lambda: {"pk": _challenge_sample(A_MUNI1)["challenge_id"]},
        "api:challenge-share": lambda: {"pk": _challenge_sample(A_MUNI1)["challenge_id"]},
        "api:challenge-unshare": lambda: {"pk": _challenge_sample(A_MUNI1)["challenge_id"]},
        "api:challenge-escalate": lambda: {"pk": _challenge_sample(A_MUNI1)["challenge_id"]},
        "api:challenge-withdraw": lambda: {"pk": _challenge_sample(A_MUNI1)["challenge_id"]},
        "challenges:dialogue": lambda: _dialogue_sample(lgcode),
        "challenges:dialogue_edit": lambda: _dialogue_sample(lgcode),
        "challenges:dialogue_delete": lambda: _dialogue_sample(lgcode),
        "challenges:dialogue_challenge": lambda: _dialogue_sample(lgcode),
        "challenges:dialogue_import": lambda: _dialogue_sample(lgcode),
        "challenges:dialogue_attachment_upload": lambda: _dialogue_sample(lgcode),
        "challenges:opinion_new": lambda: _dialogue_sample(lgcode),
        "challenges:dialogue_attachment": lambda: _dialogue_attachment_sample(lgcode),
        "challenges:dialogue_attachment_delete": lambda: _dialogue_attachment_sample(lgcode),
        "challenges:opinion_edit": lambda: _opinion_sample(lgcode),
        "challenges:opinion_delete": lambda: _opinion_sample(lgcode),
        "challenges:opinion_challenge": lambda: _opinion_sample(lgcode),
        "api:dialogue-record-detail": lambda: {"pk": _dialogue_sample(A_MUNI1)["record_id"]},
        "api:dialogue-opinion-detail": lambda: {"pk": _opinion_sample(A_MUNI1)["opinion_id"]},
        "challenges:process": lambda: _process_sample(lgcode),
        "challenges:process_edit": lambda: _process_sample(lgcode),
        "challenges:process_delete": lambda: _process_sample(lgcode),
        "challenges:process_steps": lambda: _process_sample(lgcode),
        "challenges:process_import": lambda: _process_sample(lgcode),
        "challenges:process_excel": lambda: _process_sample(lgcode),
        "challenges:process_step_challenge": lambda: _process_step_sample(lgcode),
        "api:process-detail": lambda: {"pk": _process_sample(A_MUNI1)["process_id"]},
        "challenges:common_group": lambda: _common_group_sample(lgcode),
        "challenges:common_group_edit": lambda: _common_group_sample(lgcode),
        "challenges:common_group_members": lambda: _common_group_sample(lgcode),
        "challenges:common_group_study": lambda: _common_group_sample(lgcode),
        "challenges:common_group_measure": lambda: _common_group_sample(lgcode),
        "challenges:common_group_delete": lambda: _common_group_sample(lgcode),
        "challenges:common_group_member_remove": lambda: _common_member_sample(lgcode),
        "api:common-issue-group-detail": lambda: {"pk": _common_group_sample(A_PREF)["group_id"]},
        "api:common-issue-group-study-group": lambda: {
            "pk": _common_group_sample(A_PREF)["group_id"]
        },
        "api:common-issue-group-measure": lambda: {"pk": _common_group_sample(A_PREF)["group_id"]},
    }
    if route.name not in samplers:
        pytest.fail(f"{route.name}: add a sample for its URL parameters {sorted(params)}")
    return samplers[route.name]()


def _plan_sample(lgcode):
    """The organization's plan (あおば市's measure is owned by dept-staff-1's 福祉課)."""
    from chiikidx.core.models import Organization

    from ..plans.sample import sample_plan

    return {"plan_id": sample_plan(Organization.objects.get(code=lgcode)).pk}


def _policy_sample(lgcode):
    from chiikidx.plans.models import Plan

    plan = Plan.objects.get(pk=_plan_sample(lgcode)["plan_id"])
    return {"plan_id": plan.pk, "policy_id": plan.policies.first().pk}


def _measure_sample(lgcode):
    from chiikidx.plans.models import Measure

    plan_id = _plan_sample(lgcode)["plan_id"]
    return {"measure_id": Measure.objects.filter(plan_id=plan_id).first().pk}


def _action_sample(lgcode):
    from chiikidx.plans.models import Action, Measure

    measure = Measure.objects.get(**{"pk": _measure_sample(lgcode)["measure_id"]})
    action = measure.actions.first() or Action.objects.create(measure=measure, title="仕様書")
    return {"measure_id": measure.pk, "action_id": action.pk}


def _dependency_sample(lgcode):
    """A link into the sample measure (its successor) from a second measure of the plan."""
    from chiikidx.plans.models import Dependency, Measure

    measure = Measure.objects.get(pk=_measure_sample(lgcode)["measure_id"])
    link = Dependency.objects.filter(successor=measure).first()
    if link is None:
        other = Measure.objects.create(
            plan=measure.plan,
            policy=measure.policy,
            title="先行する施策",
            owner_department=measure.owner_department,
        )
        link = Dependency.objects.create(predecessor=other, successor=measure)
    return {"measure_id": measure.pk, "dependency_id": link.pk}


def _minutes_sample(lgcode):
    """A decision of the organization's sample plan with a minutes file (in the session's media
    dir)."""
    import datetime

    from django.core.files.base import ContentFile

    from chiikidx.plans.models import PlanDecision

    plan_id = _plan_sample(lgcode)["plan_id"]
    decision = PlanDecision.objects.filter(plan_id=plan_id).exclude(minutes_file="").first()
    if decision is None:
        decision = PlanDecision(
            plan_id=plan_id,
            from_status="draft",
            to_status="genka",
            decided_on=datetime.date(2025, 5, 20),
            decided_by="原課合意会議",
            minutes_name="議事録.pdf",
            minutes_content_type="application/pdf",
            minutes_size=9,
            minutes_sha256="0" * 64,
        )
        decision.minutes_file.save(f"{lgcode}/{plan_id}/matrix-sample", ContentFile(b"%PDF-1.4\n"))
    return {"plan_id": plan_id, "decision_id": decision.pk}


def _baseline_sample(lgcode):
    """A baseline of the organization's sample plan (its id)."""
    from chiikidx.plans.models import Baseline

    plan_id = _plan_sample(lgcode)["plan_id"]
    found = Baseline.objects.filter(plan_id=plan_id).first()
    return (found or Baseline.objects.create(plan_id=plan_id, label="当初")).pk


def _compare_sample(lgcode):
    """The sample plan, with a baseline to compare the plan with (by default the latest)."""
    _baseline_sample(lgcode)
    return {"pk": _plan_sample(lgcode)["plan_id"]}


def _kpi_sample(lgcode):
    """The organization's KPI (あおば市's is owned by 福祉課, dept-staff-1's department)."""
    from chiikidx.core.models import Organization

    from ..monitoring.sample import sample_kpi

    return {"kpi_id": sample_kpi(Organization.objects.get(code=lgcode)).pk}


def _actual_file_sample(lgcode):
    """An actual of the sample KPI with an evidence file (in the session's media dir)."""
    import datetime

    from django.core.files.base import ContentFile

    from chiikidx.monitoring.models import KpiActual

    kpi_id = _kpi_sample(lgcode)["kpi_id"]
    actual = KpiActual.objects.filter(kpi_id=kpi_id).first()
    if actual is None:
        actual = KpiActual(
            kpi_id=kpi_id,
            period_start=datetime.date(2025, 4, 1),
            period_end=datetime.date(2025, 4, 30),
            value=1,
            file_name="月報.pdf",
            file_type="application/pdf",
            file_size=9,
        )
        actual.file.save(f"kpi/{lgcode}/{kpi_id}/matrix-sample", ContentFile(b"%PDF-1.4\n"))
    return {"kpi_id": kpi_id, "actual_id": actual.pk}


def _lock_sample(lgcode):
    import datetime

    from chiikidx.monitoring.models import PeriodLock

    lock, _ = PeriodLock.objects.get_or_create(
        organization=_organization(lgcode),
        start=datetime.date(2025, 4, 1),
        end=datetime.date(2025, 6, 30),
        defaults={"label": "令和7年度 Q1(4〜6月)"},
    )
    return {"lock_id": lock.pk}


def _review_sample(lgcode):
    """The organization's draft review of its sample plan (令和7年度 第1四半期) with a follow-up
    owned by a department (あおば市: 福祉課, dept-staff-1's department)."""
    from ..monitoring.review_sample import sample_review

    return {"review_id": sample_review(_organization(lgcode)).pk}


def _follow_up_sample(lgcode):
    from ..monitoring.review_sample import sample_follow_up

    return {"follow_up_id": sample_follow_up(_organization(lgcode)).pk}


def _carry_sample(lgcode):
    """The next quarter's draft, into which the sample review's open follow-up can be carried."""
    from ..monitoring.review_sample import next_review, sample_follow_up

    org = _organization(lgcode)
    follow_up = sample_follow_up(org)
    return {"review_id": next_review(org).pk, "follow_up_id": follow_up.pk}


def _logic_sample(lgcode):
    """The organization's logic model: an activity linked to an output."""
    from ..monitoring.logic_sample import sample_logic_model

    return {"model_id": sample_logic_model(_organization(lgcode)).pk}


def _logic_node_sample(lgcode):
    from ..monitoring.logic_sample import sample_node

    node = sample_node(_organization(lgcode))
    return {"model_id": node.logic_model_id, "node_id": node.pk}


def _logic_link_sample(lgcode):
    from ..monitoring.logic_sample import sample_link

    link = sample_link(_organization(lgcode))
    return {"model_id": link.logic_model_id, "link_id": link.pk}


def _cost_sample(lgcode):
    """The organization's cost-effectiveness case, on its sample plan's measure."""
    from ..monitoring.cost_sample import sample_case

    return {"case_id": sample_case(_organization(lgcode)).pk}


def _process_sample(lgcode):
    """The organization's process (あおば市's belongs to 福祉課, dept-staff-1's department)."""
    from ..challenges.process_sample import sample_process

    return {"process_id": sample_process(_organization(lgcode)).pk}


def _process_step_sample(lgcode):
    """The sample process's paper 転記, an improvement candidate."""
    from ..challenges.process_sample import sample_step

    step = sample_step(_organization(lgcode))
    return {"process_id": step.process_id, "step_id": step.pk}


def _dialogue_sample(lgcode):
    """The organization's survey record (あおば市: of 福祉課, dept-staff-1's department) with an
    opinion and an attached file."""
    from ..challenges.dialogue_sample import sample_record

    return {"record_id": sample_record(_organization(lgcode)).pk}


def _dialogue_attachment_sample(lgcode):
    from ..challenges.dialogue_sample import sample_attachment

    item = sample_attachment(_organization(lgcode))
    return {"record_id": item.record_id, "attachment_id": item.pk}


def _opinion_sample(lgcode):
    from ..challenges.dialogue_sample import sample_opinion

    return {"opinion_id": sample_opinion(_organization(lgcode)).pk}


def _challenge_sample(lgcode):
    """The organization's shared sample challenge (あおば市: 福祉課, dept-staff-1's
    department); shared, so the prefecture's ordinary view rights apply (privacy is tested in
    tests/challenges/test_challenge_privacy.py)."""
    from ..challenges.sample import sample_challenge

    return {"challenge_id": sample_challenge(_organization(lgcode)).pk}


def _common_group_sample(lgcode):
    """The prefecture's sample group of shared challenges (A: あおば市 and わかば町); 0 in a
    municipality's workspace, where the group routes are a 404."""
    from ..challenges.common_sample import group_id_of

    return {"group_id": group_id_of(lgcode)}


def _common_member_sample(lgcode):
    from chiikidx.challenges.models import CommonIssueMember

    group_id = _common_group_sample(lgcode)["group_id"]
    member = CommonIssueMember.objects.filter(group_id=group_id).order_by("pk").first()
    return {"group_id": group_id, "challenge_id": member.challenge_id if member else 0}


def _organization(lgcode):
    from chiikidx.core.models import Organization

    return Organization.objects.get(code=lgcode)


def _framework_sample():
    from chiikidx.assessments.models import Framework

    return {"pk": Framework.objects.get(organization__code=A_PREF, code="world").pk}


def _a_response():
    return {"pk": _response_sample(A_MUNI1)}


def _version_sample(lgcode):
    from chiikidx.assessments.models import FrameworkVersion

    found = FrameworkVersion.objects.filter(framework__organization__code=lgcode).first()
    return found.pk if found else 0  # a municipality has none: the route is a 404 there


def _dimension_sample(lgcode):
    from chiikidx.assessments.models import Dimension

    version_id = _version_sample(lgcode)
    found = Dimension.objects.filter(version_id=version_id).order_by("order").first()
    return {"version_id": version_id, "dimension_code": found.code if found else "x"}


def _question_sample(lgcode):
    from chiikidx.assessments.models import Question

    version_id = _version_sample(lgcode)
    found = Question.objects.filter(version_id=version_id).order_by("order").first()
    return {"version_id": version_id, "question_code": found.code if found else "x"}


def _round_sample(lgcode):
    from chiikidx.assessments.models import Round

    found = Round.objects.filter(organization__code=lgcode).first()
    return found.pk if found else 0


def _response_sample(lgcode):
    from chiikidx.assessments.models import Response

    found = Response.objects.filter(organization__code=lgcode).first()
    return found.pk if found else 0


def _evidence_sample(lgcode):
    """An evidence file of the organization's response (written to the session's media dir)."""
    from django.core.files.base import ContentFile

    from chiikidx.assessments.models import EvidenceFile, Response

    response = Response.objects.filter(organization__code=lgcode).first()
    if response is None:
        return {"response_id": 0, "file_id": 0}
    item = EvidenceFile.objects.filter(response=response).first()
    if item is None:
        item = EvidenceFile(
            response=response,
            question_code="E1",
            original_name="計画書.pdf",
            content_type="application/pdf",
            size=9,
            sha256="0" * 64,
        )
        item.file.save(f"{lgcode}/{response.pk}/matrix-sample", ContentFile(b"%PDF-1.4\n"))
    return {"response_id": response.pk, "file_id": item.pk}


def _membership_sample(lgcode):
    return {"membership_id": Membership.objects.filter(organization__code=lgcode).first().pk}


def _assignment_sample(lgcode):
    from chiikidx.core.models import LiaisonAssignment

    assignment = (
        LiaisonAssignment.objects.filter(municipality__prefecture__code=lgcode).first()
        or LiaisonAssignment.objects.filter(municipality__code=lgcode).first()
        or LiaisonAssignment.objects.first()
    )
    return {"assignment_id": assignment.pk}


def _audit_sample(lgcode):
    entry = AuditEntry.objects.filter(organization__code=lgcode).order_by("seq").first()
    return {"model_label": entry.model_label, "object_id": entry.object_id}


# Pages that exist only in a prefecture's (or a municipality's) workspace: 404 elsewhere.
PREFECTURE_ONLY = {
    "core:liaisons",
    "core:regions",
    "assessments:settings",
    "assessments:round_close",
    "assessments:round_reopen",
    "assessments:round_cancel",
    "assessments:overview_excel",
    "core:liaison_end",
    "assessments:adopt",
    "assessments:import",
    "assessments:version",
    "assessments:version_yaml",
    "assessments:version_excel",
    "assessments:version_publish",
    "assessments:version_new_draft",
    "assessments:framework_new",
    "assessments:version_edit",
    "assessments:dimension_new",
    "assessments:dimension_edit",
    "assessments:dimension_delete",
    "assessments:dimension_move",
    "assessments:question_new",
    "assessments:question_edit",
    "assessments:question_delete",
    "assessments:question_move",
    "assessments:validations",
    "assessments:validation_delete",
    "assessments:round_new",
    "assessments:round",
    "assessments:overview",
    "assessments:round_excel",
    "assessments:round_excel_upload",
    "monitoring:prefecture",
    # 市町村の手続の比較: the prefecture compares its municipalities' processes
    "challenges:process_compare",
    # 県内の共通課題: the prefecture's queue, its groups and their initiatives
    "challenges:common",
    "challenges:common_groups",
    "challenges:common_group_new",
    "challenges:common_group",
    "challenges:common_group_edit",
    "challenges:common_group_members",
    "challenges:common_group_member_remove",
    "challenges:common_group_study",
    "challenges:common_group_measure",
    "challenges:common_group_delete",
}
MUNICIPALITY_ONLY = {
    "assessments:response",
    "assessments:response_excel",
    "assessments:response_excel_upload",
    "assessments:report",
    "assessments:report_measure",
    "assessments:response_save",
    "assessments:response_submit",
    "assessments:response_review",
    "assessments:evidence_upload",
    "assessments:evidence_download",
    "assessments:evidence_delete",
}


# Routes addressing one object without the organization in the URL:
# route → (the object's organization, who may see it (None: those who see that organization),
#          the right a POST needs (None: read-only))
A_MEMBERS = {
    "superuser",
    "pref_admin",
    "pref_staff",
    "liaison",
    "muni_admin",
    "muni_staff",
    "dept_staff",
    "executive",
    "muni_admin_2",
}  # shared within prefecture A
OBJECT_ROUTES = {
    "api:department-detail": (A_MUNI1, None, None),
    "api:assessment-framework-detail": (A_PREF, A_MEMBERS, None),
    "api:assessment-framework-definition": (A_PREF, A_MEMBERS, None),
    "api:assessment-round-detail": (A_PREF, None, None),
    "api:assessment-round-overview": (A_PREF, None, None),
    "api:assessment-response-detail": (A_MUNI1, None, None),
    "api:assessment-response-answers": (A_MUNI1, None, "change"),
    "api:assessment-response-submit": (A_MUNI1, None, "change"),
    "api:assessment-response-review": (A_MUNI1, None, "review"),
    "api:plan-detail": (A_MUNI1, None, None),
    "api:plan-measure-detail": (A_MUNI1, None, None),
    # あおば市's sample measure is owned by 福祉課: its 原課担当 may update it too.
    "api:plan-measure-update": (A_MUNI1, None, "change_measure"),
    "api:plan-dependency-detail": (A_MUNI1, None, None),
    "api:plan-baseline-detail": (A_MUNI1, None, None),
    "api:plan-compare": (A_MUNI1, None, None),
    "api:plan-schedule": (A_MUNI1, None, None),
    # The what-if changes nothing: those who see the plan may ask it by GET or POST.
    "api:plan-what-if": (A_MUNI1, None, "view"),
    "api:plan-slip": (A_MUNI1, None, "change"),
    "api:kpi-detail": (A_MUNI1, None, None),
    "api:kpi-actual-detail": (A_MUNI1, None, None),
    "api:review-detail": (A_MUNI1, None, None),
    # Sign-off (承認) and reopening are the organization's admins'; carrying is its staff's.
    "api:review-sign-off": (A_MUNI1, None, "manage"),
    "api:review-reopen": (A_MUNI1, None, "manage"),
    "api:review-carry": (A_MUNI1, None, "change"),
    "api:review-follow-up-detail": (A_MUNI1, None, None),
    "api:logic-model-detail": (A_MUNI1, None, None),
    "api:logic-node-detail": (A_MUNI1, None, None),
    "api:logic-link-detail": (A_MUNI1, None, None),
    "api:cost-case-detail": (A_MUNI1, None, None),
    # あおば市's shared sample challenge is 福祉課's: its 原課担当 may act on it too.
    "api:challenge-detail": (A_MUNI1, None, None),
    "api:challenge-status": (A_MUNI1, None, "change_measure"),
    "api:challenge-share": (A_MUNI1, None, "change_measure"),
    "api:challenge-unshare": (A_MUNI1, None, "change_measure"),
    "api:challenge-escalate": (A_MUNI1, None, "change_measure"),
    "api:challenge-withdraw": (A_MUNI1, None, "change_measure"),
    "api:dialogue-record-detail": (A_MUNI1, None, None),
    "api:dialogue-opinion-detail": (A_MUNI1, None, None),
    "api:process-detail": (A_MUNI1, None, None),
    # the prefecture's common-issue groups: its DX推進課 writes, its readers (liaisons) read
    "api:common-issue-group-detail": (A_PREF, None, None),
    "api:common-issue-group-study-group": (A_PREF, None, "change"),
    "api:common-issue-group-measure": (A_PREF, None, "change"),
}
# Object routes that answer GET as well as POST; their GET without input is a 400.
GET_AND_POST = {"api:plan-what-if"}


def object_expectation(name: str, role: str, method: str) -> set[int] | None:
    owner, viewers, needs = OBJECT_ROUTES[name]
    if method == "GET" and needs and name not in GET_AND_POST:
        return {405}  # the method is refused before the object is looked up
    sees = role in viewers if viewers is not None else owner in ROLES[role][1]
    if not sees:
        return {404}
    if method == "GET":
        return {400} if name in GET_AND_POST else {405} if needs else {200}
    rights = {
        "view": {role: ROLES[role][1] for role in ROLES},
        "change": CHANGERS,
        "review": REVIEWERS,
        "change_measure": MEASURE_WRITERS,
        "manage": {role: ROLES[role][2] for role in ROLES},
    }
    return None if needs and owner in rights.get(needs, {}).get(role, set()) else {403, 405}


# List routes whose POST creates an object in あおば市 (named by the posted data): the list is
# open to every logged-in user (it shows what they may see); creating needs the right on it.
CREATE_ROUTES = {
    # the sample measure (the waiting one) is owned by 福祉課, dept-staff-1's department
    "api:plan-dependency-list": (A_MUNI1, "change_measure"),
    "api:plan-baseline-list": (A_MUNI1, "change"),
    "api:kpi-list": (A_MUNI1, "change"),
    # the sample KPI is owned by 福祉課: its 原課担当 record actuals too
    "api:kpi-actual-list": (A_MUNI1, "change_measure"),
    # reviews and their follow-ups are written by the organization's staff
    "api:review-list": (A_MUNI1, "change"),
    "api:review-follow-up-list": (A_MUNI1, "change"),
    # logic models, their nodes and links: the organization's staff
    "api:logic-model-list": (A_MUNI1, "change"),
    "api:logic-node-list": (A_MUNI1, "change"),
    "api:logic-link-list": (A_MUNI1, "change"),
    "api:cost-case-list": (A_MUNI1, "change"),
    # a challenge of 福祉課: the staff, and that department's 原課担当
    "api:challenge-list": (A_MUNI1, "change_measure"),
    # dialogue records and their opinions: the staff, and the 原課担当 of the record's
    # department (the posted record is 福祉課's, dept-staff-1's department)
    "api:dialogue-record-list": (A_MUNI1, "change_measure"),
    "api:dialogue-opinion-list": (A_MUNI1, "change_measure"),
    # a process of 福祉課: its 原課担当 may create it too
    "api:process-list": (A_MUNI1, "change_measure"),
    # a group of the prefecture's shared challenges: its DX推進課
    "api:common-issue-group-list": (A_PREF, "change"),
}
# A KPI, a logic model or a cost case names its organization by code: one the user does not see
# is a 400 (which codes to use).
CREATE_UNSEEN = {
    "api:kpi-list": {400},
    "api:logic-model-list": {400},
    "api:cost-case-list": {400},
    "api:challenge-list": {400},
    "api:dialogue-record-list": {400},
    "api:process-list": {400},
    "api:common-issue-group-list": {400},
}


def create_expectation(name: str, role: str) -> set[int] | None:
    owner, needs = CREATE_ROUTES[name]
    if owner not in ROLES[role][1]:
        return CREATE_UNSEEN.get(name, {404})
    writers = {"change": CHANGERS, "change_measure": MEASURE_WRITERS}[needs]
    return None if owner in writers.get(role, set()) else {403}


def _new_link_data():
    """A link the sample measure does not have yet: it waits for a new measure of its plan."""
    from chiikidx.plans.models import Measure

    measure = Measure.objects.get(pk=_measure_sample(A_MUNI1)["measure_id"])
    other = Measure.objects.create(
        plan=measure.plan,
        policy=measure.policy,
        title="権限テストの先行施策",
        owner_department=measure.owner_department,
    )
    return {"successor": measure.pk, "predecessor": other.pk}


def _new_follow_up_data():
    from ..monitoring.review_sample import owner_department

    return {
        "review": _review_sample(A_MUNI1)["review_id"],
        "title": "権限テストのフォローアップ",
        "owner_department": owner_department(_organization(A_MUNI1)).pk,
        "due_on": "2025-09-30",
    }


def _new_logic_link_data():
    """A link the sample model does not have yet: from its activity to a new outcome."""
    from chiikidx.monitoring.models import LogicNode

    node = LogicNode.objects.get(pk=_logic_node_sample(A_MUNI1)["node_id"])
    outcome = LogicNode.objects.create(
        logic_model_id=node.logic_model_id, stage="short_term", title="権限テストの成果"
    )
    return {"logic_model": node.logic_model_id, "source": node.pk, "target": outcome.pk}


def _new_cost_data():
    """A case on あおば市's sample measure (its plan runs 令和7〜10年度)."""
    data = {
        "organization_code": A_MUNI1,
        "measure": _measure_sample(A_MUNI1)["measure_id"],
        "procedure": "権限テストの手続",
        "annual_procedures": "1000",
        "staff_hourly_cost": "3000",
    }
    for i, fy in enumerate(range(2025, 2029)):  # a form post: DRF's names for a list of objects
        shares = {"fiscal_year": fy, "low": 10, "base": 20, "high": 30}
        data |= {f"adoption[{i}]{key}": value for key, value in shares.items()}
    return data


def _new_dialogue_record_data():
    """A hearing of あおば市's 福祉課 (dept-staff-1's department)."""
    from ..challenges.dialogue_sample import owner_department

    return {
        "organization_code": A_MUNI1,
        "kind": "hearing",
        "title": "権限テストのヒアリング",
        "held_on": "2025-06-10",
        "department": owner_department(_organization(A_MUNI1)).pk,
    }


def _new_process_data():
    """A process of あおば市's 福祉課 (dept-staff-1's department)."""
    from ..challenges.process_sample import owner_department

    return {
        "organization_code": A_MUNI1,
        "name": "権限テストの業務",
        "department": owner_department(_organization(A_MUNI1)).pk,
    }


def post_data(name: str) -> dict:
    """What a POST to the route sends (made before the state is taken)."""
    made = {
        "api:plan-dependency-list": _new_link_data,
        "api:process-list": _new_process_data,
        "api:plan-baseline-list": lambda: {
            "plan": _plan_sample(A_MUNI1)["plan_id"],
            "label": "権限テスト",
        },
        "api:kpi-list": lambda: {"organization_code": A_MUNI1, "name": "権限テストのKPI"},
        "api:kpi-actual-list": lambda: {
            "kpi": _kpi_sample(A_MUNI1)["kpi_id"],
            "period": "2025-04",
            "value": "10",
        },
        "api:review-list": lambda: {
            "plan": _plan_sample(A_MUNI1)["plan_id"],
            "period": "令和7年度 第2四半期",
        },
        "api:review-follow-up-list": _new_follow_up_data,
        "api:logic-model-list": lambda: {"organization_code": A_MUNI1, "title": "権限テスト"},
        "api:logic-node-list": lambda: {
            "logic_model": _logic_sample(A_MUNI1)["model_id"],
            "stage": "activity",
            "title": "権限テストのノード",
        },
        "api:logic-link-list": _new_logic_link_data,
        "api:cost-case-list": _new_cost_data,
        "api:challenge-list": lambda: {
            "organization_code": A_MUNI1,
            "title": "権限テストの課題",
            "department": Department.objects.get(organization__code=A_MUNI1, name="福祉課").pk,
        },
        "api:dialogue-record-list": _new_dialogue_record_data,
        "api:dialogue-opinion-list": lambda: {
            "record": _dialogue_sample(A_MUNI1)["record_id"],
            "text": "権限テストの意見",
        },
        "api:common-issue-group-list": _new_common_group_data,
    }
    return made[name]() if name in made else POST_DATA.get(name, {})


def _new_common_group_data():
    """A group of the sample group's shared challenges (あおば市 and わかば町)."""
    from chiikidx.challenges.models import CommonIssueMember

    group_id = _common_group_sample(A_PREF)["group_id"]
    members = CommonIssueMember.objects.filter(group_id=group_id)
    return {
        "organization_code": A_PREF,
        "title": "権限テストのグループ",
        "challenges": list(members.values_list("challenge_id", flat=True)),
    }


# Routes with an org("view") rule whose POST changes one measure: its organization's changers
# and the 原課担当 of the measure's owner department (あおば市's sample: 福祉課 = dept-staff-1).
DEPARTMENT_SCOPED = {
    "plans:measure_update",
    "plans:action_done",
    "plans:dependency_new",
    "plans:dependency_delete",
    # a KPI's actuals: its owner department's 原課担当 too (あおば市's sample: 福祉課)
    "monitoring:actual_new",
    # a review follow-up's status: its owner department's 原課担当 too (sample: 福祉課)
    "monitoring:follow_up_status",
    # 対話の記録: the staff, and the 原課担当 of the record's department (sample: 福祉課)
    "challenges:dialogue_new",
    "challenges:dialogue_edit",
    "challenges:dialogue_import",
    "challenges:opinion_new",
    "challenges:opinion_edit",
    "challenges:dialogue_delete",
    "challenges:dialogue_challenge",
    "challenges:dialogue_attachment_upload",
    "challenges:dialogue_attachment_delete",
    "challenges:opinion_delete",
    "challenges:opinion_challenge",
    # 課題: the staff, and the 原課担当 of the challenge's department (sample: 福祉課)
    "challenges:challenge_new",
    "challenges:challenge_edit",
    "challenges:challenge_status",
    "challenges:challenge_share",
    "challenges:challenge_unshare",
    "challenges:challenge_escalate",
    "challenges:challenge_withdraw",
    # the scoring table and the import: rows are decided per challenge (sample: 福祉課); a
    # POST from someone who may change none of the organization's challenges is a 403
    "challenges:scoring",
    "challenges:scoring_save",
    "challenges:import",
    # 業務プロセス: the staff, and the 原課担当 of the process's department (sample: 福祉課)
    "challenges:process_new",
    "challenges:process_edit",
    "challenges:process_delete",
    "challenges:process_steps",
    "challenges:process_import",
    "challenges:process_step_challenge",
}
DEPARTMENT_WRITERS = {"dept_staff": {A_MUNI1}}
MEASURE_WRITERS = {
    role: CHANGERS.get(role, set()) | DEPARTMENT_WRITERS.get(role, set())
    for role in CHANGERS.keys() | DEPARTMENT_WRITERS.keys()
}


def department_scoped_post(role: str, lgcode: str) -> set[int] | None:
    """The statuses a refused POST may have (None: allowed)."""
    if lgcode not in ROLES[role][1]:
        return {404}
    writers = CHANGERS.get(role, set()) | DEPARTMENT_WRITERS.get(role, set())
    return None if lgcode in writers else {403}


def expected_status(
    rule: Rule, role: str, lgcode: str | None, post_only: bool, name=""
) -> set[int]:
    expected = _expected_by_rule(rule, role, lgcode, post_only)
    wrong_kind = (name in PREFECTURE_ONLY and lgcode not in (A_PREF, B_PREF)) or (
        name in MUNICIPALITY_ONLY and lgcode in (A_PREF, B_PREF)
    )
    if name in OBJECT_ROUTES and ROLES[role][0] and expected & {200, 302, 405}:
        return object_expectation(name, role, "GET")
    if wrong_kind and expected & {200, 302, 405}:
        if not ROLES[role][0]:
            return expected
        return {405} if post_only else {404}  # a GET to a POST-only route stops at the method
    return expected


def _expected_by_rule(rule: Rule, role: str, lgcode: str | None, post_only: bool) -> set[int]:
    username, can_view, can_manage = ROLES[role]
    can_review = REVIEWERS.get(role, set())
    allowed = {405} if post_only else {200, 302}
    if rule.kind == "public":
        return allowed
    if username is None:
        return {302}  # to the login page
    if rule.kind == "login":
        return allowed
    if rule.kind == "superuser":
        return allowed if role == "superuser" else {403}
    if lgcode not in can_view:
        return {404}
    granted = {
        "view": can_view,
        "change": CHANGERS.get(role, set()),
        "manage": can_manage,
        "audit": can_manage,
        "review": can_review,
    }[rule.action]
    return allowed if lgcode in granted else {403}


# The reviewed rule of every route. A new route must be added here: its rule is a decision.
REVIEWED_RULES = {
    "api:token": "public",
    "api:me": "login",
    "api:schema": "public",
    "api:docs": "public",
    "api:organization-list": "public",
    "api:organization-detail": "public",
    "api:department-list": "login",
    "api:department-detail": "login",
    "api:assessment-framework-list": "login",
    "api:assessment-framework-detail": "login",
    "api:assessment-framework-definition": "login",
    "api:assessment-round-list": "login",
    "api:assessment-round-detail": "login",
    "api:assessment-round-overview": "login",
    "api:assessment-response-list": "login",
    "api:assessment-response-detail": "login",
    "api:assessment-response-answers": "login",
    "api:assessment-response-submit": "login",
    "api:assessment-response-review": "login",
    "api:plan-list": "login",
    "api:plan-detail": "login",
    "api:plan-measure-list": "login",
    "api:plan-measure-detail": "login",
    "api:plan-measure-update": "login",
    "api:plan-compare": "login",
    "api:plan-schedule": "login",
    "api:plan-what-if": "login",
    "api:plan-slip": "login",
    "api:plan-dependency-list": "login",
    "api:plan-dependency-detail": "login",
    "api:plan-baseline-list": "login",
    "api:plan-baseline-detail": "login",
    "api:api-root": "public",
    "core:home": "public",
    "core:login": "public",
    "core:logout": "public",
    "core:password_change": "login",
    "core:password_change_done": "login",
    "core:healthz": "public",
    "core:tasks": "login",
    "core:switch": "login",
    "core:registry": "public",
    "core:registry_detail": "public",
    "core:system_audit_log": "superuser",
    "core:org_home": "org:view",
    "core:departments": "org:view",
    "core:department_create": "org:manage",
    "core:members": "org:manage",
    "core:member_create": "org:manage",
    "core:member_toggle": "org:manage",
    "core:member_edit": "org:manage",
    "core:member_password": "org:manage",
    "core:liaisons": "org:manage",
    "core:regions": "org:manage",
    "core:liaison_end": "org:manage",
    "core:audit_log": "org:audit",
    "core:audit_object": "org:audit",
    "assessments:home": "org:view",
    "assessments:national": "superuser",
    "assessments:national_excel": "superuser",
    "assessments:adopt": "org:manage",
    "assessments:import": "org:manage",
    "assessments:version": "org:view",
    "assessments:version_yaml": "org:view",
    "assessments:version_excel": "org:view",
    "assessments:version_publish": "org:manage",
    "assessments:version_new_draft": "org:manage",
    "assessments:framework_new": "org:manage",
    "assessments:version_edit": "org:manage",
    "assessments:dimension_new": "org:manage",
    "assessments:dimension_edit": "org:manage",
    "assessments:dimension_delete": "org:manage",
    "assessments:dimension_move": "org:manage",
    "assessments:question_new": "org:manage",
    "assessments:question_edit": "org:manage",
    "assessments:question_delete": "org:manage",
    "assessments:question_move": "org:manage",
    "assessments:validations": "org:manage",
    "assessments:validation_delete": "org:manage",
    "assessments:round_new": "org:change",
    "assessments:round": "org:view",
    "assessments:overview": "org:view",
    "assessments:round_excel": "org:view",
    "assessments:round_close": "org:change",
    "assessments:round_reopen": "org:change",
    "assessments:round_cancel": "org:manage",
    "assessments:overview_excel": "org:view",
    "assessments:settings": "org:manage",
    "assessments:round_excel_upload": "org:change",
    "assessments:response": "org:view",
    "assessments:report": "org:view",
    # a candidate measure goes into the municipality's plan: those who may change its plans
    "assessments:report_measure": "org:change",
    "assessments:response_excel": "org:view",
    "assessments:response_excel_upload": "org:change",
    "assessments:response_save": "org:change",
    "assessments:response_submit": "org:change",
    "assessments:response_review": "org:review",
    "assessments:evidence_upload": "org:change",
    "assessments:evidence_download": "org:view",
    "assessments:evidence_delete": "org:change",
    "plans:home": "org:view",
    "plans:plan_new": "org:change",
    "plans:mine": "org:view",
    "plans:plan": "org:view",
    "plans:plan_edit": "org:change",
    "plans:plan_advance": "org:change",
    "plans:policy_new": "org:change",
    "plans:policy_edit": "org:change",
    "plans:measure_new": "org:change",
    "plans:measure": "org:view",
    "plans:measure_edit": "org:change",
    # 原課担当 update their department's measures: the view asks access.can per measure.
    "plans:measure_update": "org:view",
    "plans:measure_spawn": "org:change",
    "plans:action_new": "org:change",
    "plans:action_done": "org:view",
    "plans:baselines": "org:view",
    "plans:baseline_new": "org:change",
    "plans:excel": "org:view",
    "plans:excel_upload": "org:change",
    "plans:plan_revise": "org:change",
    # A measure's 原課担当 may change what it waits for (decided per measure, as above).
    "plans:dependency_new": "org:view",
    "plans:dependency_delete": "org:view",
    "plans:schedule": "org:view",
    "plans:slip": "org:change",
    "plans:gantt": "org:view",
    "plans:summary": "org:view",
    # 議事録 files: read by whoever sees the plan, attached by those who change it.
    "plans:minutes": "org:view",
    "plans:minutes_upload": "org:change",
    "monitoring:home": "org:view",
    "monitoring:mine": "org:view",
    "monitoring:kpi_new": "org:change",
    "monitoring:kpi": "org:view",
    "monitoring:kpi_edit": "org:change",
    # A KPI's owner and its department's 原課担当 record actuals: decided per KPI (access.can).
    "monitoring:actual_new": "org:view",
    "monitoring:actual_file": "org:view",
    "monitoring:import": "org:change",
    "monitoring:import_template": "org:view",
    "monitoring:locks": "org:manage",
    "monitoring:lock_delete": "org:manage",
    "monitoring:logic_models": "org:view",
    "monitoring:logic_model_new": "org:change",
    "monitoring:logic_model": "org:view",
    "monitoring:logic_model_edit": "org:change",
    "monitoring:logic_model_delete": "org:change",
    "monitoring:logic_model_export": "org:view",
    "monitoring:logic_node_new": "org:change",
    "monitoring:logic_node_edit": "org:change",
    "monitoring:logic_node_delete": "org:change",
    "monitoring:logic_link_new": "org:change",
    "monitoring:logic_link_edit": "org:change",
    "monitoring:logic_link_delete": "org:change",
    "monitoring:prefecture": "org:view",
    "api:kpi-list": "login",
    "api:kpi-detail": "login",
    "api:kpi-actual-list": "login",
    "api:kpi-actual-detail": "login",
    # PDCA reviews: read by whoever sees the organization, written by its staff; sign-off and
    # reopening by its admins (docs/decisions/0006).
    "monitoring:reviews": "org:view",
    "monitoring:review_new": "org:change",
    "monitoring:follow_ups_mine": "org:view",
    "monitoring:review": "org:view",
    "monitoring:review_edit": "org:change",
    "monitoring:review_delete": "org:change",
    "monitoring:review_sign_off": "org:manage",
    "monitoring:review_reopen": "org:manage",
    "monitoring:follow_up_new": "org:change",
    "monitoring:review_carry": "org:change",
    "monitoring:follow_up_edit": "org:change",
    "monitoring:follow_up_delete": "org:change",
    # A follow-up's owner and its department's 原課担当 update its status: decided per follow-up.
    "monitoring:follow_up_status": "org:view",
    "api:review-list": "login",
    "api:review-detail": "login",
    "api:review-sign-off": "login",
    "api:review-reopen": "login",
    "api:review-carry": "login",
    "api:review-follow-up-list": "login",
    "api:review-follow-up-detail": "login",
    "api:logic-model-list": "login",
    "api:logic-model-detail": "login",
    "api:logic-node-list": "login",
    "api:logic-node-detail": "login",
    "api:logic-link-list": "login",
    "api:logic-link-detail": "login",
    # 費用対効果: read by whoever sees the organization, written by its staff.
    "monitoring:costs": "org:view",
    "monitoring:cost_new": "org:change",
    "monitoring:cost": "org:view",
    "monitoring:cost_edit": "org:change",
    "monitoring:cost_delete": "org:change",
    "monitoring:cost_excel": "org:view",
    "api:cost-case-list": "login",
    "api:cost-case-detail": "login",
    # 課題: read by the organization's members, and by the prefecture and liaisons once
    # shared (core.access, member_private); written by the staff and by the 原課担当 of the
    # challenge's department, decided per challenge (access.can); a plan measure is made by
    # those who change the plans; 分野 and weights by the admins.
    "challenges:home": "org:view",
    "challenges:challenge_new": "org:view",
    "challenges:settings": "org:manage",
    "challenges:challenge": "org:view",
    "challenges:challenge_edit": "org:view",
    "challenges:challenge_status": "org:view",
    "challenges:challenge_share": "org:view",
    "challenges:challenge_unshare": "org:view",
    "challenges:challenge_escalate": "org:view",
    "challenges:challenge_withdraw": "org:view",
    "challenges:challenge_measure": "org:change",
    # Triage: the scoring table, its per-row save and the import are decided per challenge
    # (the staff, and a 原課担当 for their department's rows); the map and the exports are
    # read like the list; making plan measures from the map needs the right to change plans.
    "challenges:scoring": "org:view",
    "challenges:scoring_save": "org:view",
    "challenges:map": "org:view",
    "challenges:map_measures": "org:change",
    "challenges:export": "org:view",
    "challenges:import": "org:view",
    "challenges:import_template": "org:view",
    "api:challenge-list": "login",
    "api:challenge-detail": "login",
    "api:challenge-status": "login",
    "api:challenge-share": "login",
    "api:challenge-unshare": "login",
    "api:challenge-escalate": "login",
    "api:challenge-withdraw": "login",
    # 対話の記録: read by whoever sees the organization; written by its staff and by the
    # 原課担当 of the record's department, decided per record (access.can).
    "challenges:dialogues": "org:view",
    "challenges:dialogue_new": "org:view",
    "challenges:dialogue_import_template": "org:view",
    "challenges:dialogue": "org:view",
    "challenges:dialogue_edit": "org:view",
    "challenges:dialogue_delete": "org:view",
    "challenges:dialogue_challenge": "org:view",
    "challenges:dialogue_import": "org:view",
    "challenges:dialogue_attachment_upload": "org:view",
    "challenges:dialogue_attachment": "org:view",
    "challenges:dialogue_attachment_delete": "org:view",
    "challenges:opinion_new": "org:view",
    "challenges:opinion_edit": "org:view",
    "challenges:opinion_delete": "org:view",
    "challenges:opinion_challenge": "org:view",
    "api:dialogue-record-list": "login",
    "api:dialogue-record-detail": "login",
    "api:dialogue-opinion-list": "login",
    "api:dialogue-opinion-detail": "login",
    # 業務プロセス: read by whoever sees the organization; written by its staff and by the
    # 原課担当 of the process's department, decided per process (access.can)
    "challenges:processes": "org:view",
    "challenges:process_new": "org:view",
    "challenges:process_analysis": "org:view",
    "challenges:process_analysis_excel": "org:view",
    "challenges:process_compare": "org:view",
    "challenges:process": "org:view",
    "challenges:process_edit": "org:view",
    "challenges:process_delete": "org:view",
    "challenges:process_steps": "org:view",
    "challenges:process_import": "org:view",
    "challenges:process_excel": "org:view",
    "challenges:process_step_challenge": "org:view",
    "api:process-list": "login",
    "api:process-detail": "login",
    "api:process-analysis": "login",
    # 県内の共通課題: read by whoever sees the prefecture (its DX推進課, liaisons: only shared
    # challenges they may see), written by its DX推進課 (a prefecture's workspace only).
    "challenges:common": "org:view",
    "challenges:common_groups": "org:view",
    "challenges:common_group_new": "org:change",
    "challenges:common_group": "org:view",
    "challenges:common_group_edit": "org:change",
    "challenges:common_group_members": "org:change",
    "challenges:common_group_member_remove": "org:change",
    "challenges:common_group_study": "org:change",
    "challenges:common_group_measure": "org:change",
    "challenges:common_group_delete": "org:change",
    "api:common-issue-group-list": "login",
    "api:common-issue-group-detail": "login",
    "api:common-issue-group-similar": "login",
    "api:common-issue-group-study-group": "login",
    "api:common-issue-group-measure": "login",
}


def test_declared_rules_match_the_reviewed_table():
    declared = {r.name: str(r.rule) for r in all_routes()}
    assert declared == REVIEWED_RULES


def test_every_route_declares_an_access_rule():
    undeclared = [r.pattern for r in all_routes() if not isinstance(r.rule, Rule)]
    assert undeclared == [], f"routes without an access rule: {undeclared}"


def test_matrix_covers_api_and_pages():
    names = {r.name for r in all_routes()}
    assert {"core:org_home", "core:audit_log", "api:me", "api:organization-list"} <= names


POST_DATA = {
    "core:switch": {"lgcode": A_MUNI1},
    "core:department_create": {"name": "権限テスト課", "sort_order": 1},
    "core:login": {"username": "nobody", "password": "wrong"},
    "api:token": {"username": "nobody", "password": "wrong"},
    "plans:measure_update": {"status": "on_track", "progress": "10", "comment": "権限テスト"},
    "plans:action_done": {"done": "1"},
    "api:plan-measure-update": {"status": "on_track", "progress": "10", "comment": "権限テスト"},
    "monitoring:actual_new": {"period": "2025-04-01", "value": "10", "comment": "権限テスト"},
    "monitoring:follow_up_status": {"status": "in_progress", "note": "権限テスト"},
    "challenges:challenge_new": {"title": "権限テストの課題", "scope": "self", "timing": "mid"},
    "challenges:challenge_edit": {"title": "権限テストの課題", "scope": "self", "timing": "mid"},
    "challenges:challenge_status": {"status": "adopted"},
    "challenges:challenge_escalate": {"note": "権限テスト"},
    "challenges:scoring_save": {"benefit": "1", "difficulty": "5", "urgency": "1"},
    "api:challenge-status": {"status": "adopted"},
    "api:challenge-escalate": {"note": "権限テスト"},
    "challenges:dialogue_new": {
        "kind": "hearing",
        "title": "権限テスト",
        "held_on": "令和7年6月1日",
    },
    "challenges:opinion_new": {"text": "権限テストの意見"},
    "challenges:opinion_edit": {"text": "権限テストで変えた意見"},
    "challenges:process_new": {"name": "権限テストの業務", "annual_volume": "1"},
    "challenges:process_edit": {"name": "権限テストの業務", "annual_volume": "1"},
    "challenges:process_delete": {"confirm": "1"},
    "challenges:process_steps": {"action": "paste", "lines": "権限テストの手順, 受付, 紙, 1"},
}


def state():
    """What a refused request must leave untouched."""
    from chiikidx.assessments.models import EvidenceFile
    from chiikidx.challenges.models import (
        Challenge,
        DialogueAttachment,
        DialogueRecord,
        Opinion,
        Process,
        ProcessStep,
    )
    from chiikidx.core.models import Department
    from chiikidx.monitoring.models import (
        CostAdoption,
        CostCase,
        Kpi,
        KpiActual,
        PeriodLock,
        Review,
        ReviewFollowUp,
    )
    from chiikidx.plans.models import (
        Baseline,
        Dependency,
        Measure,
        MeasureUpdate,
        Plan,
        PlanDecision,
    )

    return (
        Kpi.objects.count(),
        KpiActual.objects.count(),
        PeriodLock.objects.count(),
        sorted(Review.objects.values_list("pk", "status", "assessment_text")),
        sorted(ReviewFollowUp.objects.values_list("pk", "status", "note", "title")),
        CostCase.objects.count(),
        CostAdoption.objects.count(),
        Baseline.objects.count(),
        sorted(PlanDecision.objects.values_list("pk", "minutes_file", "minutes_sha256")),
        Dependency.objects.count(),
        Department.objects.count(),
        EvidenceFile.objects.count(),
        Plan.objects.count(),
        Measure.objects.count(),
        MeasureUpdate.objects.count(),
        Membership.objects.filter(is_active=True).count(),
        sorted(Challenge.objects.values_list("pk", "status", "shared_at", "escalated_at", "title")),
        sorted(Challenge.objects.values_list("pk", "benefit", "difficulty", "urgency", "scope")),
        sorted(DialogueRecord.objects.values_list("pk", "title", "notes")),
        sorted(Opinion.objects.values_list("pk", "text")),
        DialogueAttachment.objects.count(),
        sorted(Process.objects.values_list("pk", "name", "annual_volume", "department_id")),
        sorted(ProcessStep.objects.values_list("pk", "order", "name")),
        Challenge.objects.count(),
        _common_state(),
        AuditEntry.objects.count(),
    )


def _common_state():
    from chiikidx.challenges.models import CommonIssueGroup, CommonIssueMember

    return (
        sorted(
            CommonIssueGroup.objects.values_list(
                "pk", "title", "note", "initiative", "measure_id", "study_group_name"
            )
        ),
        sorted(CommonIssueMember.objects.values_list("group_id", "challenge_id")),
    )


def route_url(route, lgcode):
    kwargs = sample_kwargs(route, lgcode) | ({"lgcode": lgcode} if lgcode else {})
    if "lgcode" not in route.params and "code" in kwargs:
        kwargs = {"code": A_MUNI1}
    return reverse(route.name, kwargs=kwargs or None)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("route", all_routes(), ids=lambda r: r.name)
def test_post_is_refused_exactly_where_get_is(route, role, user_named):
    username = ROLES[role][0]
    for lgcode in TARGETS if "lgcode" in route.params else [None]:
        client = Client()
        if username:
            client.force_login(user_named(username))
        url = route_url(route, lgcode)
        refused = expected_status(route.rule, role, lgcode, False, route.name) - {200, 302}
        if route.name in OBJECT_ROUTES and username:
            refused = object_expectation(route.name, role, "POST") or set()
        if route.name in DEPARTMENT_SCOPED and username:
            refused = department_scoped_post(role, lgcode) or set()
        if route.name in CREATE_ROUTES and username:
            refused = create_expectation(route.name, role) or set()
        if route.name.startswith("api:") and not username and route.rule.kind != "public":
            refused = {401, 403}
        elif refused == set() and username is None and route.rule.kind != "public":
            refused = {302}
        data = post_data(route.name)
        before = state()
        response = client.post(url, data)
        if refused and route.name.startswith("api:"):
            refused |= {405}  # read-only endpoints refuse the method before anything else
        if refused:
            assert response.status_code in refused, f"{role} POST {url}: {response.status_code}"
            assert state() == before, f"{role} POST {url} changed data although refused"
        else:
            assert response.status_code not in (403, 404) and response.status_code < 500, (
                f"{role} POST {url}: {response.status_code}"
            )


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("route", all_routes(), ids=lambda r: r.name)
def test_route_for_role(route, role, user_named):
    client = Client()
    username = ROLES[role][0]
    if username:
        client.force_login(user_named(username))
    targets = TARGETS if "lgcode" in route.params else [None]
    for lgcode in targets:
        url = route_url(route, lgcode)
        response = client.get(url)
        expected = expected_status(route.rule, role, lgcode, route.name in POST_ONLY, route.name)
        if route.name.startswith("api:") and expected == {302}:
            expected = {401, 403}  # the API answers instead of redirecting
        assert response.status_code in expected, (
            f"{role} GET {url}: {response.status_code}, expected {sorted(expected)}"
        )
        if response.status_code == 302 and username is None and route.rule.kind != "public":
            assert response["Location"].startswith(reverse("core:login"))


# API routes that delete an object with DELETE: the object's organization and the right needed.
DELETE_ROUTES = {
    # the sample link's waiting measure is owned by 福祉課, dept-staff-1's department
    "api:plan-dependency-detail": (A_MUNI1, "change_measure"),
    # the sample KPI has no actuals, so it may be deleted (by the organization's staff only)
    "api:kpi-detail": (A_MUNI1, "change"),
    # a draft review and its follow-ups: the organization's staff only (not the owner's 原課)
    "api:review-detail": (A_MUNI1, "change"),
    "api:review-follow-up-detail": (A_MUNI1, "change"),
    # a logic model (with its nodes and links), a node (with its links), a link: the staff's
    "api:logic-model-detail": (A_MUNI1, "change"),
    "api:logic-node-detail": (A_MUNI1, "change"),
    "api:logic-link-detail": (A_MUNI1, "change"),
    "api:cost-case-detail": (A_MUNI1, "change"),
    # the prefecture's sample group (no measure yet): its DX推進課 only
    "api:common-issue-group-detail": (A_PREF, "change"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", sorted(DELETE_ROUTES))
def test_delete_is_refused_where_the_right_is_missing(name, role, user_named):
    (route,) = [r for r in all_routes() if r.name == name]
    username = ROLES[role][0]
    client = Client()
    if username:
        client.force_login(user_named(username))
    url = route_url(route, None)
    owner, needs = DELETE_ROUTES[name]
    writers = {"change": CHANGERS, "change_measure": MEASURE_WRITERS}[needs]
    if username is None:
        expected = {401, 403}
    elif owner not in ROLES[role][1]:
        expected = {404}
    else:
        expected = {204} if owner in writers.get(role, set()) else {403}
    before = state()
    response = client.delete(url)
    assert response.status_code in expected, f"{role} DELETE {url}: {response.status_code}"
    if 204 not in expected:
        assert state() == before, f"{role} DELETE {url} changed data although refused"
