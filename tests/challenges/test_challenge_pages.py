"""Pages of challenges (課題): the list (filters, sorting, counts, pinned queries), the form
with described scores, the detail page with its workflow, 「施策にする」, settings and the panel
on the plan measure."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chiikidx.challenges import services
from chiikidx.challenges.models import Challenge, ChallengeSettings
from chiikidx.core.models import AuditEntry, Organization
from chiikidx.plans.choices import PlanStatus
from chiikidx.plans.models import Plan

from ..plans.sample import department, make_plan
from .sample import make_challenge

pytestmark = pytest.mark.django_db
AOBA = "992011"


def user(username):
    return get_user_model().objects.get(username=username)


def client_of(username):
    client = Client()
    client.force_login(user(username))
    return client


def url(name, *args, code=AOBA):
    return reverse(f"challenges:{name}", args=[code, *args])


@pytest.fixture
def aoba():
    return Organization.objects.get(code=AOBA)


def rows(page) -> list[str]:
    return re.findall(r'id="challenge-(\d+)"', page.content.decode())


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_scores_priority_quadrant_and_status(aoba):
    quick = make_challenge(aoba, title="窓口の待ち時間", benefit=5, difficulty=1, urgency=4)
    make_challenge(aoba, title="未評価の課題", benefit=None, difficulty=None, urgency=None)
    page = client_of("muni-admin-1").get(url("home"))
    html = page.content.decode()
    assert page.status_code == 200
    # 100 × (2×4 + 1×4 + 2×3) ÷ 20 = 90.0 with the default weights
    assert "<strong>90.0</strong>" in html and "すぐやる(効果大・易しい)" in html
    assert rows(page)[0] == str(quick.pk)  # unscored last
    assert "未評価" in html and "候補" in html
    assert "優先度 = 100 × (2 ×(裨益性−1) + 1 ×(5−難易度) + 2 ×(緊急性−1)) ÷ (4 × 5)" in html
    for name in ("challenge_new", "scoring", "map", "settings"):
        assert f'href="{url(name)}"' in html


def test_filters_and_counts(aoba):
    welfare, residents = department(aoba, "福祉課"), department(aoba, "住民課")
    a = make_challenge(aoba, title="介護の申請", field="福祉", department=welfare)
    b = make_challenge(aoba, title="転入の手続", field="窓口", department=residents, scope="wide")
    c = make_challenge(aoba, title="防災メール", field="防災", timing="now", shared=True)
    services.set_status(acting_user=user("muni-admin-1"), challenge=c, status="adopted")
    services.escalate(acting_user=user("muni-admin-1"), challenge=b)
    admin = client_of("muni-admin-1")
    cases = {
        "field=福祉": [a],
        f"department={residents.pk}": [b],
        "status=adopted": [c],
        "scope=wide": [b],
        "timing=now": [c],
        "sharing=shared": [b, c],
        "sharing=escalated": [b],
        "sharing=private": [a],
        "q=メール": [c],
        "field=福祉&status=adopted": [],
    }
    for query, expected in cases.items():
        page = admin.get(url("home") + "?" + query)
        assert sorted(rows(page)) == sorted(str(x.pk) for x in expected), query
    page = admin.get(url("home") + "?field=福祉")
    html = page.content.decode()
    # the counts follow the other filters, not the status
    assert "候補 <strong>1</strong>" in html and "採択 <strong>0</strong>" in html
    unknown = admin.get(url("home") + "?field=存在しない&status=nonsense&sort=nonsense")
    assert len(rows(unknown)) == 3  # unknown values are ignored, not errors


def test_sorting_by_each_score_and_date(aoba):
    first = make_challenge(aoba, title="一", benefit=2, difficulty=4, urgency=5)
    second = make_challenge(aoba, title="二", benefit=5, difficulty=3, urgency=1)
    third = make_challenge(aoba, title="三", benefit=3, difficulty=1, urgency=3)
    admin = client_of("muni-admin-1")
    expected = {
        "benefit": [second, third, first],
        "difficulty": [third, second, first],
        "urgency": [first, third, second],
        "new": [third, second, first],
        "priority": [third, first, second],  # 60.0, 55.0, 50.0 (weights 2, 1, 2)
    }
    for sort, order in expected.items():
        page = admin.get(url("home") + f"?sort={sort}")
        assert rows(page) == [str(c.pk) for c in order], sort


def test_the_list_pages_by_fifty(aoba):
    for i in range(53):
        make_challenge(aoba, title=f"課題{i}")
    admin = client_of("muni-admin-1")
    assert len(rows(admin.get(url("home")))) == 50
    assert len(rows(admin.get(url("home") + "?page=2"))) == 3


def _count(client, address) -> int:
    client.get(address)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_list_has_a_pinned_query_count(aoba, django_assert_num_queries):
    admin = client_of("muni-admin-1")
    make_challenge(aoba, title="少ない")
    few = _count(admin, url("home"))
    for i in range(20):
        made = make_challenge(aoba, title=f"多い{i}", shared=i % 2 == 0)
        if i % 5 == 0:
            plan = make_plan(aoba, title=f"計画{i}", measures=1)
            Challenge.objects.filter(pk=made.pk).update(measure=plan.measures.get())
    # the shell 6 (session, user, organization, memberships, wards, demo flag), the settings,
    # the departments, the 分野 in use, the counts per status, the count and the page (with
    # departments and measures)
    with django_assert_num_queries(few):
        page = admin.get(url("home"))
    assert len(rows(page)) == 21
    assert few == 12


def test_the_prefecture_sees_a_card_to_the_common_issues(org_coded):
    page = client_of("pref-admin").get(url("home", code="990001"))
    assert page.status_code == 200
    assert f'href="{url("common", code="990001")}"' in page.content.decode()
    municipality = client_of("muni-admin-1").get(url("home")).content.decode()
    assert url("common", code=AOBA) not in municipality


# --- the form -------------------------------------------------------------------------------


def _form_data(**overrides):
    data = {
        "title": "保育所の入所申請が紙だけ",
        "description": "毎年2月に窓口が混む。",
        "field": "子育て",
        "affected": "子育て世帯",
        "affected_count": "1200",
        "benefit": "4",
        "difficulty": "3",
        "urgency": "",
        "scope": "self",
        "timing": "now",
        "source_kind": "staff",
        "source_note": "窓口担当者の会議",
    }
    data.update(overrides)
    return data


def test_the_form_shows_each_points_descriptor(aoba):
    page = client_of("muni-admin-1").get(url("challenge_new"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "ほぼ全住民か全庁に大きな効果(時間・費用の大幅削減)" in html
    assert "制度改正や他団体・国との調整が前提で、数年かかる" in html
    assert "すぐに対応が必要(法令の期限・安全・重大な不利益)" in html
    assert html.count('type="radio" name="benefit"') == 6  # 未評価 and 1–5
    for name in ["防災", "窓口", "内部事務"]:
        assert f'<option value="{name}">{name}</option>' in html


def test_creating_a_challenge(aoba):
    admin = client_of("muni-admin-1")
    children = department(aoba, "子育て支援課")
    response = admin.post(url("challenge_new"), _form_data(department=children.pk))
    made = Challenge.objects.get(title="保育所の入所申請が紙だけ")
    assert response.status_code == 302 and response["Location"] == url("challenge", made.pk)
    assert (made.benefit, made.difficulty, made.urgency) == (4, 3, None)
    assert (made.department, made.affected_count, made.timing) == (children, 1200, "now")
    assert made.created_by == user("muni-admin-1") and made.status == "candidate"
    again = admin.post(url("challenge_new"), _form_data(title="続けて", then="another"))
    assert again["Location"] == url("challenge_new")


def test_a_bad_form_says_what_is_wrong(aoba):
    page = client_of("muni-admin-1").post(
        url("challenge_new"), _form_data(title="", benefit="7", field="存在しない")
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert html.count('class="field__error"') == 3
    assert not Challenge.objects.filter(organization=aoba).exists()


def test_department_staff_file_under_their_own_department(aoba):
    staff = client_of("dept-staff-1")
    welfare, residents = department(aoba, "福祉課"), department(aoba, "住民課")
    page = staff.get(url("challenge_new"))
    html = page.content.decode()
    assert f'<option value="{welfare.pk}" selected>福祉課</option>' in html
    assert f'value="{residents.pk}"' not in html
    refused = staff.post(url("challenge_new"), _form_data(department=residents.pk))
    assert refused.status_code == 400
    done = staff.post(url("challenge_new"), _form_data(department=welfare.pk))
    assert done.status_code == 302
    assert Challenge.objects.get(organization=aoba).department == welfare


@pytest.mark.parametrize("username", ["executive-1"])
def test_those_who_may_not_create_are_sent_back_or_refused(username, aoba):
    client = client_of(username)
    page = client.get(url("challenge_new"))
    assert page.status_code == 302 and page["Location"] == url("home")
    assert client.post(url("challenge_new"), _form_data()).status_code == 403
    assert not Challenge.objects.filter(organization=aoba).exists()
    assert "課題を登録" not in client.get(url("home")).content.decode().split("</h1>")[1][:400]


def test_editing_a_challenge(aoba):
    challenge = make_challenge(aoba)
    admin = client_of("muni-admin-1")
    page = admin.get(url("challenge_edit", challenge.pk))
    assert page.status_code == 200
    assert re.search(r'name="benefit" value="4"[^>]* checked', page.content.decode())
    response = admin.post(
        url("challenge_edit", challenge.pk),
        _form_data(title="転記をなくしたい", department=challenge.department_id, urgency="5"),
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.title, challenge.urgency) == ("転記をなくしたい", 5)
    other = make_challenge(aoba, department=department(aoba, "住民課"))
    staff = client_of("dept-staff-1")
    assert staff.get(url("challenge_edit", other.pk)).status_code == 302
    assert staff.post(url("challenge_edit", other.pk), _form_data()).status_code == 403
    assert staff.get(url("challenge_edit", challenge.pk)).status_code == 200


@pytest.mark.parametrize("username", ["muni-admin-1", "dept-staff-1"])
def test_a_challenge_of_an_archived_department_can_still_be_edited(username, aoba):
    welfare = department(aoba, "福祉課")
    challenge = make_challenge(aoba, department=welfare)
    welfare.is_archived = True
    welfare.save()
    client = client_of(username)
    page = client.get(url("challenge_edit", challenge.pk)).content.decode()
    assert f'<option value="{welfare.pk}" selected>福祉課</option>' in page
    response = client.post(
        url("challenge_edit", challenge.pk),
        _form_data(title="アーカイブ後も直せる", department=welfare.pk),
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.title, challenge.department) == ("アーカイブ後も直せる", welfare)
    # a new challenge cannot be filed under the archived department
    refused = client.post(url("challenge_new"), _form_data(department=welfare.pk))
    assert refused.status_code == 400


def test_the_form_keeps_a_linked_source_and_checks_the_same_rules(aoba):
    from .dialogue_sample import make_record

    linked = make_challenge(aoba, source_kind="dialogue", source_record=make_record(aoba))
    admin = client_of("muni-admin-1")
    edit = url("challenge_edit", linked.pk)
    kept = admin.post(edit, _form_data(source_kind="dialogue", department=linked.department_id))
    assert kept.status_code == 302
    own = make_challenge(aoba)
    for data in (
        {"source_kind": "opinion"},
        {"affected_count": "200000001"},
        {"title": "あ" * 201},
    ):
        page = admin.post(
            url("challenge_edit", own.pk), _form_data(department=own.department_id, **data)
        )
        assert page.status_code == 400, data
    assert Challenge.objects.get(pk=own.pk).source_kind == "staff"


# --- the challenge --------------------------------------------------------------------------


def test_the_detail_page_explains_the_scores_and_priority(aoba):
    challenge = make_challenge(aoba, benefit=4, difficulty=2, urgency=3, affected_count=5400)
    page = client_of("muni-admin-1").get(url("challenge", challenge.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "多くの住民か、庁内の複数部署に大きな効果" in html  # 裨益性 4
    assert "担当課だけで、予算なしか少額で半年以内にできる" in html  # 難易度 2
    assert "来年度中には取り組みたい" in html  # 緊急性 3
    assert "100 × (2×(4−1) + 1×(5−2) + 2×(3−1)) ÷ (4 × 5) = 100 × 13 ÷ 20 = 65.0" in html
    assert "すぐやる(効果大・易しい)" in html and "約 5,400人" in html
    audit = reverse("core:audit_object", args=[AOBA, "challenges.Challenge", challenge.pk])
    assert f'href="{audit}"' in html
    # the next statuses, and no 施策化 by hand
    assert 'value="adopted"' in html and 'value="deferred"' in html
    assert 'name="status" value="measured"' not in html


def test_the_detail_page_links_its_dialogue_source(aoba):
    from chiikidx.challenges.models import DialogueRecord

    record = DialogueRecord.objects.create(
        organization=aoba, kind="hearing", title="福祉課ヒアリング", held_on="2025-06-02"
    )
    challenge = make_challenge(aoba, source_kind="dialogue", source_record=record)
    html = client_of("muni-staff-1").get(url("challenge", challenge.pk)).content.decode()
    assert f'href="{url("dialogue", record.pk)}"' in html
    assert "原課ヒアリング: 福祉課ヒアリング" in html


def test_the_detail_page_links_an_opinion_and_a_process_step(aoba):
    from chiikidx.challenges.models import DialogueRecord, Opinion, Process, ProcessStep

    record = DialogueRecord.objects.create(
        organization=aoba, kind="survey", title="市民アンケート", held_on="2025-07-01"
    )
    opinion = Opinion.objects.create(record=record, number=7, text="申請書を何枚も書かされた。")
    process = Process.objects.create(organization=aoba, name="転入届")
    step = ProcessStep.objects.create(
        process=process, order=2, name="申請書の転記", step_type="transcribe", medium="paper"
    )
    admin = client_of("muni-admin-1")
    from_opinion = make_challenge(
        aoba, source_kind="opinion", source_record=record, source_opinion=opinion
    )
    html = admin.get(url("challenge", from_opinion.pk)).content.decode()
    assert f'href="{url("dialogue", record.pk)}#opinion-{opinion.pk}"' in html
    assert "市民アンケート の 7番" in html and "申請書を何枚も書かされた。" in html
    from_step = make_challenge(aoba, source_kind="process", source_step=step)
    html = admin.get(url("challenge", from_step.pk)).content.decode()
    assert f'href="{url("process", process.pk)}#step-{step.pk}"' in html
    assert "業務プロセス「転入届」の手順 2. 申請書の転記" in html


def test_executives_read_but_do_not_act(aoba):
    challenge = make_challenge(aoba)
    html = client_of("executive-1").get(url("challenge", challenge.pk)).content.decode()
    assert "内容と評価を編集" not in html and "状態を変える" not in html
    assert "県と共有する</button>" not in html


def test_status_share_escalate_and_withdraw_through_the_page(aoba):
    challenge = make_challenge(aoba)
    staff = client_of("dept-staff-1")  # 福祉課's 原課担当
    go = staff.post(url("challenge_status", challenge.pk), {"status": "adopted"})
    assert go.status_code == 302 and go["Location"].endswith("#workflow")
    challenge.refresh_from_db()
    assert challenge.status == "adopted"
    page = staff.post(url("challenge_status", challenge.pk), {"status": "deferred"}, follow=True)
    assert "「見送り」にする理由を入力してください。" in page.content.decode()
    challenge.refresh_from_db()
    assert challenge.status == "adopted"
    staff.post(url("challenge_status", challenge.pk), {"status": "deferred", "reason": "予算"})
    challenge.refresh_from_db()
    assert (challenge.status, challenge.status_reason) == ("deferred", "予算")
    staff.post(url("challenge_share", challenge.pk))
    challenge.refresh_from_db()
    assert challenge.shared_at is not None
    staff.post(url("challenge_escalate", challenge.pk), {"note": "県で共同調達したい"})
    challenge.refresh_from_db()
    assert challenge.escalated_at and challenge.escalation_note == "県で共同調達したい"
    refused = staff.post(url("challenge_unshare", challenge.pk), follow=True)
    assert "先に「上げるのをやめる」を選んでください。" in refused.content.decode()
    page = staff.get(url("challenge", challenge.pk)).content.decode()
    assert "上げるのをやめても、県との共有は続き、対応主体は「県・広域で対応」のままです" in page
    done = staff.post(url("challenge_withdraw", challenge.pk), follow=True).content.decode()
    assert "県との共有は続き、対応主体は「県・広域で対応」のままです" in done
    challenge.refresh_from_db()
    assert (challenge.scope, challenge.escalation_note) == ("wide", "")
    staff.post(url("challenge_unshare", challenge.pk))
    challenge.refresh_from_db()
    assert challenge.escalated_at is None and challenge.shared_at is None


def test_a_measured_challenge_offers_measured_again_on_its_page(aoba):
    plan = make_plan(aoba, measures=0)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.DRAFT)
    challenge = make_challenge(aoba)
    admin = client_of("muni-admin-1")
    services.make_measure(acting_user=user("muni-admin-1"), challenge=challenge, plan=plan)
    admin.post(url("challenge_status", challenge.pk), {"status": "resolved", "reason": "済み"})
    page = admin.get(url("challenge", challenge.pk)).content.decode()
    assert re.findall(r'name="status" value="(\w+)"', page) == ["measured"]
    assert "「解決」「見送り」からは「施策化」に戻せます" in page
    back = admin.post(url("challenge_status", challenge.pk), {"status": "measured"})
    assert back.status_code == 302
    challenge.refresh_from_db()
    assert (challenge.status, challenge.status_reason) == ("measured", "")


def test_posts_of_those_who_may_not_change_are_refused(aoba):
    challenge = make_challenge(aoba, department=department(aoba, "住民課"), shared=True)
    before = AuditEntry.objects.count()
    for username in ("dept-staff-1", "executive-1", "liaison", "pref-admin"):
        client = client_of(username)
        for name in ("challenge_status", "challenge_share", "challenge_escalate"):
            response = client.post(url(name, challenge.pk), {"status": "adopted"})
            assert response.status_code == 403, (username, name)
    assert AuditEntry.objects.count() == before
    assert client_of("muni-admin-2").post(url("challenge_share", challenge.pk)).status_code == 404


def test_making_a_measure_from_the_page(aoba):
    plan = make_plan(aoba, title="第2期DX推進計画", measures=1)  # a 下書き
    approved = make_plan(aoba, title="承認済みの計画", measures=1)
    Plan.objects.filter(pk=approved.pk).update(status=PlanStatus.GIKAI)
    challenge = make_challenge(aoba, title="防災メールの登録率が低い", field="防災")
    admin = client_of("muni-admin-1")
    html = admin.get(url("challenge", challenge.pk)).content.decode()
    assert "第2期DX推進計画(下書き)" in html and "承認済みの計画" not in html
    response = admin.post(
        url("challenge_measure", challenge.pk),
        {"plan": plan.pk, "owner_department": department(aoba, "防災危機管理課").pk},
    )
    assert response.status_code == 302
    challenge.refresh_from_db()
    measure = challenge.measure
    assert measure.plan == plan and challenge.status == "measured"
    html = admin.get(url("challenge", challenge.pk)).content.decode()
    measure_url = reverse("plans:measure", args=[AOBA, measure.pk])
    assert f'href="{measure_url}"' in html
    # the measure's page shows where it came from
    panel = admin.get(measure_url).content.decode()
    assert "この施策のもとになった課題" in panel
    assert f'href="{url("challenge", challenge.pk)}"' in panel
    refused = admin.post(
        url("challenge_measure", challenge.pk),
        {"plan": approved.pk, "owner_department": department(aoba, "防災危機管理課").pk},
        follow=True,
    )
    assert "計画(下書き・改定中)と担当部署を選んでください" in refused.content.decode()


def test_the_measure_panel_hides_unshared_challenges_from_the_prefecture(aoba):
    plan = make_plan(aoba, title="第2期DX推進計画", measures=1)
    challenge = make_challenge(aoba, title="非公開の課題")
    services.make_measure(acting_user=user("muni-admin-1"), challenge=challenge, plan=plan)
    measure_url = reverse("plans:measure", args=[AOBA, challenge.measure_id])
    heading = "この施策のもとになった課題"
    assert heading not in client_of("pref-staff").get(measure_url).content.decode()
    services.share(acting_user=user("muni-admin-1"), challenge=challenge)
    html = client_of("pref-staff").get(measure_url).content.decode()
    assert heading in html and f'href="{url("challenge", challenge.pk)}"' in html


# --- settings -------------------------------------------------------------------------------


def test_settings_preview_and_save(aoba):
    admin = client_of("muni-admin-1")
    page = admin.get(url("settings"))
    assert page.status_code == 200
    assert "特定の利用者や一つの係に効果" in page.content.decode()  # the descriptor table
    data = {"fields_text": "窓口\n防災\n\n 子育て \n", "weight_benefit": "3", "weight_ease": "0"}
    data["weight_urgency"] = "1"
    preview = admin.post(url("settings"), data | {"preview": "1"})
    html = preview.content.decode()
    assert "優先度 = 100 × (3 ×(裨益性−1) + 0 ×(5−難易度) + 1 ×(緊急性−1)) ÷ (4 × 4)" in html
    assert not ChallengeSettings.objects.filter(organization=aoba).exists()
    saved = admin.post(url("settings"), data)
    assert saved.status_code == 302
    found = ChallengeSettings.objects.get(organization=aoba)
    assert (found.fields, found.weights) == (["窓口", "防災", "子育て"], (3, 0, 1))
    bad = admin.post(url("settings"), data | {"weight_benefit": "0", "weight_urgency": "0"})
    assert bad.status_code == 400 and "重みのどれか一つは1以上" in bad.content.decode()
    assert client_of("muni-staff-1").get(url("settings")).status_code == 403


def test_the_list_sorts_with_the_saved_weights(aoba):
    urgent = make_challenge(aoba, title="急ぐ", benefit=1, difficulty=3, urgency=5)
    useful = make_challenge(aoba, title="役立つ", benefit=5, difficulty=3, urgency=1)
    admin = client_of("muni-admin-1")
    services.save_settings(
        acting_user=user("muni-admin-1"), organization=aoba, weight_benefit=0, weight_ease=0
    )
    assert rows(admin.get(url("home")))[:2] == [str(urgent.pk), str(useful.pk)]
    services.save_settings(
        acting_user=user("muni-admin-1"), organization=aoba, weight_benefit=1, weight_urgency=0
    )
    assert rows(admin.get(url("home")))[:2] == [str(useful.pk), str(urgent.pk)]
