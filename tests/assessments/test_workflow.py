"""Frameworks are versioned and frozen when published; responses move through their workflow."""

from decimal import Decimal

import pytest

from chiikidx.assessments import frameworks, services
from chiikidx.assessments.models import Answer, Response
from chiikidx.core import access
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError

from .conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db


def aoba(sample_round):
    return Response.objects.get(round=sample_round, organization__code="992011")


def test_stored_version_reads_back_as_the_same_definition(sample_version):
    from .sample import SAMPLE_YAML

    assert frameworks.definition_of(sample_version) == frameworks.read_yaml(SAMPLE_YAML.encode())


def test_published_versions_are_frozen_and_changes_make_a_new_version(sample_version, user_named):
    admin = user_named("pref-admin")
    with pytest.raises(ServiceError, match="すでに公開"):
        services.publish(acting_user=admin, version=sample_version)
    draft = services.new_draft(
        acting_user=admin, version=sample_version, change_note="重みの見直し"
    )
    assert (draft.number, draft.status, sample_version.number) == (2, "draft", 1)
    assert (
        frameworks.definition_of(draft).questions()
        == frameworks.definition_of(sample_version).questions()
    )


def test_round_reaches_every_municipality_of_the_prefecture(sample_round):
    codes = set(sample_round.responses.values_list("organization__code", flat=True))
    assert len(codes) == 24 and "992011" in codes and not any(c.startswith("98") for c in codes)
    assert "991015" not in codes  # wards answer through their city


def test_answer_submit_accept_with_scores_and_audit(sample_round, user_named):
    response = aoba(sample_round)
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw=FULL_ANSWERS)
    services.submit(acting_user=staff, response=response)
    response.refresh_from_db()
    assert response.status == "submitted" and response.overall_score == Decimal("67.50")
    assert dict(response.scores.values_list("dimension_code", "score"))["a"] == Decimal("65.00")
    services.review(acting_user=user_named("pref-staff"), response=response, accept=True)
    response.refresh_from_db()
    assert response.status == "accepted"
    statuses = [
        e.after.get("status")
        for e in AuditEntry.objects.filter(
            model_label="assessments.Response", object_id=str(response.pk)
        ).order_by("seq")
        if e.after and "status" in e.after
    ]
    assert statuses == ["draft", "submitted", "accepted"]
    assert Answer.objects.filter(response=response).count() == 6


def test_returned_response_can_be_fixed_and_resubmitted(sample_round, user_named):
    response = aoba(sample_round)
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw=FULL_ANSWERS)
    services.submit(acting_user=staff, response=response)
    with pytest.raises(ServiceError, match="理由"):
        services.review(acting_user=user_named("pref-staff"), response=response, accept=False)
    services.review(
        acting_user=user_named("pref-staff"),
        response=response,
        accept=False,
        comment="P1 の算出根拠を補足してください。",
    )
    response.refresh_from_db()
    assert response.status == "returned" and response.overall_score is None
    services.save_answers(acting_user=staff, response=response, raw={"P1": "60"})
    services.submit(acting_user=staff, response=response)
    response.refresh_from_db()
    assert response.status == "submitted"


def test_invalid_answers_are_all_reported_and_nothing_is_saved(sample_round, user_named):
    response = aoba(sample_round)
    raw = {"L1": "7", "N1": "1000", "S1": "一部", "ZZ": "1"}
    with pytest.raises(services.AnswerErrors) as failure:
        services.save_answers(acting_user=user_named("muni-staff-1"), response=response, raw=raw)
    assert {e.question for e in failure.value.errors} == {"L1", "N1", "ZZ"}
    assert not Answer.objects.filter(response=response).exists()


def test_submit_requires_every_required_answer(sample_round, user_named):
    response = aoba(sample_round)
    services.save_answers(
        acting_user=user_named("muni-staff-1"), response=response, raw={"L1": "2"}
    )
    with pytest.raises(services.AnswerErrors) as failure:
        services.submit(acting_user=user_named("muni-staff-1"), response=response)
    assert {e.question for e in failure.value.errors} == {"Y1", "S1", "P1", "N1"}


def test_submitted_answers_are_locked(sample_round, user_named):
    response = aoba(sample_round)
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw=FULL_ANSWERS)
    services.submit(acting_user=staff, response=response)
    with pytest.raises(ServiceError, match="提出済み"):
        services.save_answers(acting_user=staff, response=response, raw={"L1": "4"})


def test_who_may_answer_and_who_may_review(sample_round, user_named):
    response = aoba(sample_round)
    assert access.can(user_named("muni-staff-1"), "change", response)
    assert not access.can(user_named("executive-1"), "change", response)
    assert not access.can(user_named("muni-staff-2"), "view", response)
    assert access.can(user_named("pref-staff"), "review", response)
    assert not access.can(user_named("liaison"), "review", response)
    assert not access.can(user_named("t-pref-admin"), "review", response)
    assert not access.can(user_named("muni-admin-1"), "review", response)


def test_resubmitting_clears_the_return_reason(sample_round, user_named):
    response = aoba(sample_round)
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw=FULL_ANSWERS)
    services.submit(acting_user=staff, response=response)
    services.review(
        acting_user=user_named("pref-staff"),
        response=response,
        accept=False,
        comment="根拠を添えてください。",
    )
    services.submit(acting_user=staff, response=response)
    response.refresh_from_db()
    assert response.review_comment == "" and response.status == "submitted"


def test_importing_a_draft_does_not_rename_published_versions(sample_version, user_named):
    from chiikidx.assessments.definition import parse_definition, to_data

    data = to_data(frameworks.definition_of(sample_version)) | {"title": "改題した下書き"}
    services.new_draft(
        acting_user=user_named("pref-admin"),
        version=sample_version,
        definition=parse_definition(data),
    )
    sample_version.framework.refresh_from_db()
    assert sample_version.framework.title == "テスト用フレームワーク"


def test_round_can_go_to_selected_municipalities(client, sample_version, user_named, org_coded):
    client.force_login(user_named("pref-admin"))
    response = client.post(
        "/o/990001/assessments/rounds/new/",
        {
            "version": sample_version.pk,
            "title": "令和8年度 追加調査",
            "opens_on": "令和8年6月1日",
            "due_on": "R8.7.31",
            "municipalities": ["992011", "993018"],
        },
    )
    assert response.status_code == 302
    survey = sample_version.rounds.get(title="令和8年度 追加調査")
    assert set(survey.responses.values_list("organization__code", flat=True)) == {
        "992011",
        "993018",
    }
    assert survey.fiscal_year == 2026


def test_round_form_explains_bad_dates(client, sample_version, user_named):
    client.force_login(user_named("pref-admin"))
    response = client.post(
        "/o/990001/assessments/rounds/new/",
        {
            "version": sample_version.pk,
            "title": "x",
            "opens_on": "2026-07-01",
            "due_on": "2026-06-01",
        },
    )
    assert response.status_code == 400 and "提出期限は受付開始日以降" in response.content.decode()


def test_a_bulk_imports_memo_gives_what_coercing_each_cell_gives(sample_version):
    """coerce_all with a memo (kept across the rows of one import) returns the same values and
    errors as without, and a list value is each row's own."""
    from chiikidx.assessments import answers

    definition = frameworks.definition_of(sample_version)
    rows = [
        {"L1": 3, "Y1": "はい", "M1": "書かない窓口、y", "N1": "１２", "D1": "R7.4.1", "T1": "x"},
        {"L1": 3, "Y1": "はい", "M1": "書かない窓口、y", "N1": "12", "D1": "令和7年4月1日"},
        {"L1": 9, "Y1": "たぶん", "M1": "書かない窓口、y", "N1": "abc", "D1": "R7.4.1"},
        {"L1": 9, "Y1": True, "M1": "w", "N1": "abc", "D1": "R7.4.1", "T1": "x"},
        {"L1": "3", "Y1": 1, "M1": ["x"], "N1": 12.0, "D1": "R7.4.1", "T1": "x"},
    ]
    memo: dict = {}
    found = [answers.coerce_all(definition, row, memo) for row in rows]
    assert found == [answers.coerce_all(definition, row) for row in rows]
    assert len(memo) < sum(len(row) for row in rows)  # repeated cells were coerced once
    first, second = found[0][0]["M1"], found[1][0]["M1"]
    assert first == second and first is not second
    assert [len(errors) for _values, errors in found] == [0, 0, 3, 3, 0]
