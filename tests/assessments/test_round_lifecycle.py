"""A round is closed, reopened or cancelled by the prefecture; answers follow its state."""

import datetime
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chiikidx.assessments import excel, queries, report, services
from chiikidx.assessments.models import Answer, Response, Round
from chiikidx.core import japanese
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError

from .conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db

CLOSED = "この調査は締め切られました。回答を変更・提出するには、県に受付の再開を依頼してください。"
CANCELLED = "この調査は中止されました。回答は不要です。"
ONLY_OPEN_CLOSE = "受付中の調査だけを締め切れます。"
ONLY_CLOSED_REOPEN = "締め切った調査だけを再開できます。中止した調査は再開できません。"
NO_RETURN_WHEN_CLOSED = (
    "締め切った調査の回答は差し戻せません。受付を再開してから差し戻してください。"
)
NO_REVIEW_WHEN_CANCELLED = "中止した調査の回答は受理・差し戻しできません。"


def aoba(round_):
    return Response.objects.get(round=round_, organization__code="992011")


def round_url(round_):
    return f"/o/990001/assessments/rounds/{round_.pk}/"


def response_url(response):
    return f"/o/{response.organization.code}/assessments/responses/{response.pk}/"


def act(client, url, data=None):
    """POST and follow the redirect: (where it led, the messages shown there)."""
    page = client.post(url, data or {}, follow=True)
    assert page.status_code == 200
    ((where, code),) = page.redirect_chain
    assert code == 302
    return where, [str(m) for m in page.context["messages"]]


def round_entries(round_):
    return list(
        AuditEntry.objects.filter(model_label="assessments.Round", object_id=str(round_.pk))
        .exclude(action="create")
        .order_by("seq")
    )


def refused(message):
    """pytest.raises for a ServiceError whose text is exactly `message`."""
    import re

    return pytest.raises(ServiceError, match=f"^{re.escape(message)}$")


def submitted(round_, user_named):
    response = aoba(round_)
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw=FULL_ANSWERS)
    return services.submit(acting_user=staff, response=response)


def later_round(sample_version, user_named, org_coded, opens_on, title, due_on=None):
    return services.open_round(
        acting_user=user_named("pref-admin"),
        prefecture=org_coded("990001"),
        version=sample_version,
        title=title,
        fiscal_year=japanese.fiscal_year(opens_on),
        opens_on=opens_on,
        due_on=due_on or opens_on + datetime.timedelta(days=60),
    )


@pytest.fixture
def upcoming_round(sample_version, user_named, org_coded):
    opens_on = timezone.localdate() + datetime.timedelta(days=30)
    return later_round(sample_version, user_named, org_coded, opens_on, "来月の調査")


# --- services -----------------------------------------------------------------------------


def test_close_stops_answers_and_submission_and_is_audited(sample_round, user_named):
    response = aoba(sample_round)
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw={"L1": "2"})
    closed = services.close_round(
        acting_user=user_named("pref-staff"), round_=sample_round, reason=" 予算編成のため "
    )
    assert (closed.status, closed.status_reason) == ("closed", "予算編成のため")
    assert not closed.is_answerable
    with refused(CLOSED):
        services.save_answers(acting_user=staff, response=response, raw={"L1": "4"})
    with refused(CLOSED):
        services.submit(acting_user=staff, response=response)
    assert services.answer_values(response) == {"L1": 2}
    response.refresh_from_db()
    assert response.status == "draft"
    (entry,) = round_entries(sample_round)
    assert entry.action == "update" and entry.actor_name == "pref-staff"
    assert entry.before == {"status": "open", "status_reason": ""}
    assert entry.after == {"status": "closed", "status_reason": "予算編成のため"}


def test_only_an_open_round_can_be_closed(sample_round, user_named):
    admin = user_named("pref-admin")
    services.close_round(acting_user=admin, round_=sample_round)
    with refused(ONLY_OPEN_CLOSE):
        services.close_round(acting_user=admin, round_=sample_round)
    services.cancel_round(acting_user=admin, round_=sample_round, reason="重複")
    with refused(ONLY_OPEN_CLOSE):
        services.close_round(acting_user=admin, round_=sample_round)
    assert len(round_entries(sample_round)) == 2  # the refusals wrote nothing


def test_reopen_with_a_new_due_date_takes_answers_again_and_is_audited(sample_round, user_named):
    admin = user_named("pref-admin")
    services.close_round(acting_user=admin, round_=sample_round, reason="一旦締切")
    reopened = services.reopen_round(
        acting_user=admin, round_=sample_round, due_on=datetime.date(2025, 9, 30)
    )
    assert (reopened.status, reopened.status_reason) == ("open", "")
    assert reopened.due_on == datetime.date(2025, 9, 30) and reopened.is_answerable
    submitted(sample_round, user_named)
    assert aoba(sample_round).status == "submitted"
    entry = round_entries(sample_round)[-1]
    assert entry.actor_name == "pref-admin"
    assert entry.before == {"status": "closed", "status_reason": "一旦締切", "due_on": "2025-07-31"}
    assert entry.after == {"status": "open", "status_reason": "", "due_on": "2025-09-30"}


def test_reopen_without_a_date_keeps_the_due_date(sample_round, user_named):
    admin = user_named("pref-admin")
    services.close_round(acting_user=admin, round_=sample_round)
    reopened = services.reopen_round(acting_user=admin, round_=sample_round)
    assert reopened.status == "open" and reopened.due_on == datetime.date(2025, 7, 31)


def test_reopen_rules(sample_round, user_named):
    admin = user_named("pref-admin")
    with refused(ONLY_CLOSED_REOPEN):
        services.reopen_round(acting_user=admin, round_=sample_round)  # still open
    services.close_round(acting_user=admin, round_=sample_round)
    with refused("提出期限は受付開始日以降にしてください。"):
        services.reopen_round(
            acting_user=admin, round_=sample_round, due_on=datetime.date(2025, 5, 31)
        )
    sample_round.refresh_from_db()
    assert sample_round.status == "closed" and sample_round.due_on == datetime.date(2025, 7, 31)
    services.cancel_round(acting_user=admin, round_=sample_round, reason="設問の誤り")
    with refused(ONLY_CLOSED_REOPEN):
        services.reopen_round(acting_user=admin, round_=sample_round)
    sample_round.refresh_from_db()
    assert sample_round.status == "cancelled"


def test_cancel_needs_a_reason_and_is_final(sample_round, user_named):
    admin = user_named("pref-admin")
    for blank in ("", "  　"):
        with refused("中止の理由を書いてください。市町村にも表示されます。"):
            services.cancel_round(acting_user=admin, round_=sample_round, reason=blank)
    sample_round.refresh_from_db()
    assert sample_round.status == "open" and round_entries(sample_round) == []
    cancelled = services.cancel_round(
        acting_user=admin, round_=sample_round, reason=" 設問に誤りがあったため "
    )
    assert (cancelled.status, cancelled.status_reason) == ("cancelled", "設問に誤りがあったため")
    with refused("この調査はすでに中止されています。"):
        services.cancel_round(acting_user=admin, round_=sample_round, reason="再度")
    (entry,) = round_entries(sample_round)
    assert entry.actor_name == "pref-admin"
    assert entry.after == {"status": "cancelled", "status_reason": "設問に誤りがあったため"}
    response = aoba(sample_round)
    with refused(CANCELLED):
        services.save_answers(
            acting_user=user_named("muni-staff-1"), response=response, raw=FULL_ANSWERS
        )
    with refused(CANCELLED):
        services.submit(acting_user=user_named("muni-staff-1"), response=response)
    assert not Answer.objects.filter(response=response).exists()


def test_a_closed_round_can_be_cancelled(sample_round, user_named):
    admin = user_named("pref-admin")
    services.close_round(acting_user=admin, round_=sample_round, reason="締切")
    services.cancel_round(acting_user=admin, round_=sample_round, reason="取りやめ")
    sample_round.refresh_from_db()
    assert (sample_round.status, sample_round.status_reason) == ("cancelled", "取りやめ")


def test_reasons_longer_than_the_field_are_refused(sample_round, user_named):
    admin = user_named("pref-admin")
    message = "理由は300文字以内で書いてください。"
    with refused(message):
        services.close_round(acting_user=admin, round_=sample_round, reason="あ" * 301)
    with refused(message):
        services.cancel_round(acting_user=admin, round_=sample_round, reason="あ" * 301)
    sample_round.refresh_from_db()
    assert sample_round.status == "open"
    services.cancel_round(acting_user=admin, round_=sample_round, reason="あ" * 300)


def test_an_upcoming_round_takes_no_answers_before_its_opening_date(upcoming_round, user_named):
    assert upcoming_round.is_upcoming and not upcoming_round.is_answerable
    assert upcoming_round.status == "open"
    response = aoba(upcoming_round)
    date = japanese.wareki(upcoming_round.opens_on)
    message = f"受付開始日({date})より前のため、まだ回答できません。"
    with refused(message):
        services.save_answers(
            acting_user=user_named("muni-staff-1"), response=response, raw={"L1": "1"}
        )
    with refused(message):
        services.submit(acting_user=user_named("muni-staff-1"), response=response)
    assert not Answer.objects.filter(response=response).exists()


def test_a_round_opening_today_is_answerable(sample_version, user_named, org_coded):
    today = timezone.localdate()
    survey = later_round(sample_version, user_named, org_coded, today, "今日からの調査")
    assert not survey.is_upcoming and survey.is_answerable
    services.save_answers(
        acting_user=user_named("muni-staff-1"), response=aoba(survey), raw={"L1": "3"}
    )


def test_review_after_closing_accepts_but_does_not_return(sample_round, user_named):
    response = submitted(sample_round, user_named)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    reviewer = user_named("pref-staff")
    with refused(NO_RETURN_WHEN_CLOSED):
        services.review(acting_user=reviewer, response=response, accept=False, comment="補足を")
    response.refresh_from_db()
    assert response.status == "submitted" and response.overall_score is not None
    services.review(acting_user=reviewer, response=response, accept=True)
    response.refresh_from_db()
    assert response.status == "accepted"


def test_review_of_a_cancelled_round_is_refused_both_ways(sample_round, user_named):
    response = submitted(sample_round, user_named)
    services.cancel_round(acting_user=user_named("pref-admin"), round_=sample_round, reason="中止")
    reviewer = user_named("pref-staff")
    with refused(NO_REVIEW_WHEN_CANCELLED):
        services.review(acting_user=reviewer, response=response, accept=True)
    with refused(NO_REVIEW_WHEN_CANCELLED):
        services.review(acting_user=reviewer, response=response, accept=False, comment="補足を")
    response.refresh_from_db()
    assert response.status == "submitted"


def test_cancelled_rounds_are_left_out_of_previous_round_and_trend(
    sample_round, sample_version, user_named, org_coded
):
    middle = later_round(
        sample_version, user_named, org_coded, datetime.date(2025, 10, 1), "令和7年度 第2回"
    )
    latest = later_round(
        sample_version, user_named, org_coded, datetime.date(2026, 1, 10), "令和7年度 第3回"
    )
    for survey in (sample_round, middle, latest):
        submitted(survey, user_named)
    assert queries.previous_round(latest) == middle
    assert queries.previous_response(aoba(latest)) == aoba(middle)
    services.cancel_round(acting_user=user_named("pref-admin"), round_=middle, reason="誤り")
    assert queries.previous_round(latest) == sample_round
    assert queries.previous_response(aoba(latest)) == aoba(sample_round)
    current = aoba(latest)
    built = report.build(services.definition_for(current), current, user_named("muni-staff-1"))
    assert [t["title"] for t in built["trend"]] == ["令和7年度 第1回", "令和7年度 第3回"]
    assert built["trend"][-1]["current"]


def test_bulk_import_of_a_closed_or_cancelled_round_is_refused(sample_round, user_named):
    root = user_named("root")
    responses = list(
        sample_round.responses.select_related("organization").order_by("organization__code")
    )
    data = excel.round_workbook(sample_round, responses)
    survey = services.close_round(acting_user=root, round_=sample_round)
    with refused(CLOSED):
        excel.import_round_workbook(acting_user=root, round_=survey, data=data, filename="r.xlsx")
    survey = services.cancel_round(acting_user=root, round_=sample_round, reason="中止")
    with refused(CANCELLED):
        excel.import_round_workbook(acting_user=root, round_=survey, data=data, filename="r.xlsx")


# --- pages --------------------------------------------------------------------------------


def test_close_page_action(client, sample_round, user_named):
    client.force_login(user_named("pref-staff"))
    where, shown = act(client, round_url(sample_round) + "close/", {"reason": "年度末のため"})
    assert where == round_url(sample_round)
    assert shown == ["締め切りました。提出済みの回答は引き続き受理できます。"]
    sample_round.refresh_from_db()
    assert sample_round.status == "closed"
    body = client.get(round_url(sample_round)).content.decode()
    assert "締切の理由: 年度末のため" in body and "受付を再開する" in body
    assert "締め切る</button>" not in body
    assert act(client, round_url(sample_round) + "close/") == (
        round_url(sample_round),
        [ONLY_OPEN_CLOSE],
    )


def test_round_page_offers_close_to_staff_and_cancel_only_to_admins(
    client, sample_round, user_named
):
    client.force_login(user_named("pref-staff"))
    body = client.get(round_url(sample_round)).content.decode()
    assert "締め切る</button>" in body and "調査を中止する" not in body
    client.force_login(user_named("pref-admin"))
    body = client.get(round_url(sample_round)).content.decode()
    assert "締め切る</button>" in body and "調査を中止する" in body


def test_reopen_page_reads_a_wareki_due_date(client, sample_round, user_named):
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    client.force_login(user_named("pref-staff"))
    where, shown = act(client, round_url(sample_round) + "reopen/", {"due_on": "令和9年3月31日"})
    assert where == round_url(sample_round) and shown == ["受付を再開しました。"]
    sample_round.refresh_from_db()
    assert sample_round.status == "open" and sample_round.due_on == datetime.date(2027, 3, 31)


def test_reopen_page_explains_a_bad_date_and_changes_nothing(client, sample_round, user_named):
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    client.force_login(user_named("pref-staff"))
    url = round_url(sample_round) + "reopen/"
    where, shown = act(client, url, {"due_on": "令和9年2月30日"})
    assert where == round_url(sample_round)
    assert shown == ["令和9年2月30日という日付はありません。月と日を確認してください。"]
    assert act(client, url, {"due_on": "来年の春"})[1] == [
        "「来年の春」は日付として読めません。"
        "2025-04-01、令和7年4月1日、R7.4.1 のように入力してください。"
    ]
    shown = act(client, url, {"due_on": "令和7年5月1日"})[1]
    assert shown == ["提出期限は受付開始日以降にしてください。"]
    sample_round.refresh_from_db()
    assert sample_round.status == "closed" and sample_round.due_on == datetime.date(2025, 7, 31)


def test_cancel_page_needs_a_reason_then_hides_the_controls(client, sample_round, user_named):
    client.force_login(user_named("pref-admin"))
    url = round_url(sample_round) + "cancel/"
    assert act(client, url, {"reason": " "}) == (
        round_url(sample_round),
        ["中止の理由を書いてください。市町村にも表示されます。"],
    )
    sample_round.refresh_from_db()
    assert sample_round.status == "open"
    where, shown = act(client, url, {"reason": "対象の誤り"})
    assert where == round_url(sample_round)
    assert shown == ["調査を中止しました。結果は集計に使われなくなります。"]
    body = client.get(round_url(sample_round)).content.decode()
    assert "中止の理由: 対象の誤り" in body
    assert "受付の管理" not in body and "受付を再開する" not in body


def test_municipality_and_staff_users_cannot_close_or_cancel(client, sample_round, user_named):
    for username in ("muni-admin-1", "muni-staff-1", "liaison"):
        client.force_login(user_named(username))
        for action in ("close", "cancel"):
            page = client.post(round_url(sample_round) + f"{action}/", {"reason": "勝手に"})
            assert page.status_code in (403, 404), (username, action)
    client.force_login(user_named("pref-staff"))
    page = client.post(round_url(sample_round) + "cancel/", {"reason": "職員が中止"})
    assert page.status_code == 403
    client.force_login(user_named("t-pref-admin"))  # another prefecture
    assert client.post(round_url(sample_round) + "close/").status_code in (403, 404)
    sample_round.refresh_from_db()
    assert (sample_round.status, sample_round.status_reason) == ("open", "")
    assert round_entries(sample_round) == []


def test_response_page_of_an_open_round_has_the_form(client, sample_round, user_named):
    response = aoba(sample_round)
    client.force_login(user_named("muni-staff-1"))
    body = client.get(response_url(response)).content.decode()
    assert f"{response_url(response)}save/" in body and "提出する</button>" in body
    assert CLOSED not in body


def test_response_page_of_a_closed_round_has_no_form_and_says_why(client, sample_round, user_named):
    response = aoba(sample_round)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    client.force_login(user_named("muni-staff-1"))
    page = client.get(response_url(response))
    body = page.content.decode()
    assert page.status_code == 200 and CLOSED in body
    assert f"{response_url(response)}save/" not in body and "提出する</button>" not in body
    assert not page.context["editable"]
    assert act(client, response_url(response) + "save/", {"q-L1": "3"}) == (
        response_url(response),
        [CLOSED],
    )
    as_json = client.post(
        response_url(response) + "save/", {"q-L1": "3"}, HTTP_ACCEPT="application/json"
    )
    assert as_json.status_code == 400 and as_json.json()["errors"] == {"": CLOSED}
    assert act(client, response_url(response) + "submit/") == (response_url(response), [CLOSED])
    assert not Answer.objects.filter(response=response).exists()
    home = client.get("/o/992011/assessments/").content.decode()
    assert "締切済み" in home


def test_response_page_of_a_cancelled_round_shows_the_reason(client, sample_round, user_named):
    response = aoba(sample_round)
    services.cancel_round(
        acting_user=user_named("pref-admin"), round_=sample_round, reason="設問の誤り"
    )
    client.force_login(user_named("muni-staff-1"))
    page = client.get(response_url(response))
    body = page.content.decode()
    assert f"{CANCELLED}(設問の誤り)" in body
    assert f"{response_url(response)}save/" not in body and "提出する</button>" not in body


def test_response_page_of_an_upcoming_round_says_when_it_opens(client, upcoming_round, user_named):
    response = aoba(upcoming_round)
    client.force_login(user_named("muni-staff-1"))
    body = client.get(response_url(response)).content.decode()
    date = japanese.wareki(upcoming_round.opens_on)
    assert f"受付開始日({date})から回答できます。" in body
    assert f"{response_url(response)}save/" not in body and "提出する</button>" not in body
    home = client.get("/o/992011/assessments/").content.decode()
    assert "受付開始前" in home


def test_accepted_response_of_a_closed_round_shows_no_notice(client, sample_round, user_named):
    response = submitted(sample_round, user_named)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    services.review(acting_user=user_named("pref-staff"), response=response, accept=True)
    client.force_login(user_named("muni-staff-1"))
    body = client.get(response_url(response)).content.decode()
    assert CLOSED not in body


def test_review_page_after_closing(client, sample_round, user_named):
    response = submitted(sample_round, user_named)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    client.force_login(user_named("pref-staff"))
    url = response_url(response) + "review/"
    where, shown = act(client, url, {"decision": "return", "comment": "補足を"})
    assert where == response_url(response) and shown == [NO_RETURN_WHEN_CLOSED]
    assert act(client, url, {"decision": "accept"})[1] == ["受理しました。"]
    response.refresh_from_db()
    assert response.status == "accepted"


def test_api_refuses_answers_to_a_closed_round(sample_round, user_named):
    response = aoba(sample_round)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    api = APIClient()
    api.force_authenticate(user_named("muni-staff-1"))
    url = f"/api/v1/assessment-responses/{response.pk}/"
    answered = api.post(url + "answers/", {"answers": FULL_ANSWERS}, format="json")
    assert answered.status_code == 400 and answered.json()["detail"] == CLOSED
    sent = api.post(url + "submit/", format="json")
    assert sent.status_code == 400 and sent.json()["detail"] == CLOSED


def test_bulk_upload_page_of_a_closed_round_says_so(client, sample_round, user_named):
    responses = list(
        sample_round.responses.select_related("organization").order_by("organization__code")
    )
    data = excel.round_workbook(sample_round, responses)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round)
    client.force_login(user_named("pref-staff"))
    upload = io.BytesIO(data)
    upload.name = "kaitou.xlsx"
    where, shown = act(client, round_url(sample_round) + "excel/upload/", {"file": upload})
    assert where == round_url(sample_round) and shown == [CLOSED]


def test_round_api_lists_state_and_counts(sample_round, user_named):
    submitted(sample_round, user_named)
    services.close_round(acting_user=user_named("pref-admin"), round_=sample_round, reason="締切")
    api = APIClient()
    api.force_authenticate(user_named("pref-staff"))
    listed = api.get("/api/v1/assessment-rounds/", {"limit": 100}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    row = next(r for r in rows if r["id"] == sample_round.pk)
    assert row["organization_code"] == "990001" and row["framework_code"] == "sample"
    assert (row["status"], row["status_reason"]) == ("closed", "締切")
    assert (row["total"], row["done"], row["version_number"]) == (24, 1, 1)
    assert all(r["organization_code"] == "990001" for r in rows)
    detail = api.get(f"/api/v1/assessment-rounds/{sample_round.pk}/").json()
    assert detail["opens_on"] == "2025-06-01" and detail["due_on"] == "2025-07-31"
    other = APIClient()
    other.force_authenticate(user_named("t-pref-admin"))
    assert other.get(f"/api/v1/assessment-rounds/{sample_round.pk}/").status_code == 404
    assert Round.objects.filter(pk=sample_round.pk, status="closed").exists()
