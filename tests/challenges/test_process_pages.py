"""Pages of the process inventory: rendering, CRUD, the step editor (several rows at once,
moving, deleting, the quick entry), one click to a 課題, access (another organization's process
is a 404; 原課担当 write their own department's processes only) and pinned query counts."""

import io
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from chiikidx.challenges import services as challenge_services
from chiikidx.challenges.choices import SourceKind
from chiikidx.challenges.models import Challenge, Process, ProcessStep
from chiikidx.challenges.processes import services
from chiikidx.core import access
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError

from ..plans.sample import department
from .process_sample import make_process, owner_department, sample_process, sample_step

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"


def client_of(username):
    client = Client()
    client.force_login(_user(username))
    return client


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def url(name, *args, lgcode=AOBA):
    return reverse(f"challenges:{name}", args=[lgcode, *args])


@pytest.fixture
def process(org_coded):
    return sample_process(org_coded(AOBA))


def names(process):
    return list(process.steps.order_by("order").values_list("order", "name"))


def formset_data(process, extra=(), **changes):
    """The step table as the browser posts it: every step, then the new rows."""
    steps = list(process.steps.order_by("order"))
    rows = [
        {
            "id": s.pk,
            "name": s.name,
            "step_type": s.step_type,
            "medium": s.medium,
            "minutes": str(s.minutes),
            "performer": s.performer,
            "performer_note": s.performer_note,
        }
        for s in steps
    ]
    rows += [{"id": "", "performer": "staff", **row} for row in extra]
    data = {
        "steps-TOTAL_FORMS": str(len(rows) + 1),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "200",
        f"steps-{len(rows)}-performer": "staff",  # an untouched empty row
    }
    for i, row in enumerate(rows):
        data |= {f"steps-{i}-{key}": value for key, value in row.items()}
    return data | changes


def test_pages_render_for_staff(process):
    admin = client_of("muni-admin-1")
    for address in [
        url("processes"),
        url("processes") + f"?department={process.department_id}",
        url("process_new"),
        url("process", process.pk),
        url("process_edit", process.pk),
        url("process_steps", process.pk),
        url("process_import", process.pk),
        url("process_analysis"),
    ]:
        assert admin.get(address).status_code == 200, address
    page = admin.get(url("process", process.pk)).content.decode()
    # 職員 5 + 12 + 6 + 5 = 28 分/件 × 1,200件 = 33,600 分 = 560.0 時間/年
    assert "560.0" in page and ">28<" in page
    assert "紙からの転記" in page and "RPA・OCR、または電子申請" in page
    assert "課題にする" in page
    listing = admin.get(url("processes")).content.decode()
    assert "児童手当の認定請求" in listing and "560.0" in listing


def test_excel_downloads(process):
    admin = client_of("muni-admin-1")
    workbook = admin.get(url("process_excel", process.pk))
    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    csv = admin.get(url("process_excel", process.pk) + "?format=csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("順番,手順,種類,媒体,時間(分),行う人")
    assert "4,台帳への転記,転記,紙,6.0,職員,,120.0,紙からの転記" in text
    analysis = admin.get(url("process_analysis_excel"))
    assert analysis.status_code == 200 and analysis.content[:2] == b"PK"


def test_another_organizations_process_is_404(process):
    other = client_of("muni-admin-2")
    step = sample_step(process.organization)
    for address in [
        url("process", process.pk, lgcode=WAKABA),
        url("process_edit", process.pk, lgcode=WAKABA),
        url("process_steps", process.pk, lgcode=WAKABA),
        url("process_import", process.pk, lgcode=WAKABA),
        url("process_excel", process.pk, lgcode=WAKABA),
    ]:
        assert other.get(address).status_code == 404, address
    before = AuditEntry.objects.count()
    for address in [
        url("process_delete", process.pk, lgcode=WAKABA),
        url("process_step_challenge", process.pk, step.pk, lgcode=WAKABA),
    ]:
        assert other.post(address, {"confirm": "1"}).status_code == 404, address
    assert AuditEntry.objects.count() == before
    # and あおば市's own pages are not theirs to see at all
    assert other.get(url("process", process.pk)).status_code == 404


def test_create_a_process_then_write_its_steps(org_coded):
    staff = client_of("muni-staff-1")
    response = staff.post(
        url("process_new"),
        {
            "name": "転入届",
            "common_name": "転入届",
            "department": department(org_coded(AOBA), "住民課").pk,
            "annual_volume": "４，８００",  # 全角 and a comma, as people type
            "description": "",
        },
    )
    created = Process.objects.get(organization__code=AOBA, name="転入届")
    assert response.status_code == 302 and response["Location"] == url("process_steps", created.pk)
    assert created.annual_volume == 4800
    assert AuditEntry.objects.filter(model_label="challenges.Process", object_id=str(created.pk))


def test_the_form_reports_what_is_wrong():
    before = Process.objects.count()
    response = client_of("muni-staff-1").post(
        url("process_new"), {"name": "", "annual_volume": "たくさん"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "この項目は必須です。" in page  # 業務名
    assert "「たくさん」は数値として読めません。半角または全角の数字で入力してください" in page
    assert Process.objects.count() == before


def test_edit_and_delete(process, org_coded):
    admin = client_of("muni-admin-1")
    response = admin.post(
        url("process_edit", process.pk),
        {
            "name": process.name,
            "common_name": "児童手当の認定請求",
            "department": process.department_id,
            "annual_volume": "1500",
        },
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.annual_volume == 1500
    # deleting needs the confirmation box
    admin.post(url("process_delete", process.pk))
    assert Process.objects.filter(pk=process.pk).exists()
    steps = list(process.steps.values_list("pk", flat=True))
    response = admin.post(url("process_delete", process.pk), {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == url("processes")
    assert not Process.objects.filter(pk=process.pk).exists()
    assert not ProcessStep.objects.filter(pk__in=steps).exists()
    deleted = AuditEntry.objects.filter(model_label="challenges.ProcessStep", action="delete")
    assert deleted.filter(object_id__in=[str(pk) for pk in steps]).count() == len(steps)


def test_a_process_a_challenge_cites_cannot_be_deleted(process):
    admin = client_of("muni-admin-1")
    admin.post(url("process_step_challenge", process.pk, sample_step(process.organization).pk))
    response = admin.post(url("process_delete", process.pk), {"confirm": "1"}, follow=True)
    assert Process.objects.filter(pk=process.pk).exists()
    assert "削除できません" in response.content.decode()


def test_department_staff_write_their_own_departments_processes(process, org_coded):
    """dept-staff-1 is 福祉課's 原課担当: the sample (福祉課) is theirs, 住民課's is not."""
    aoba = org_coded(AOBA)
    theirs = client_of("dept-staff-1")
    assert theirs.get(url("process_steps", process.pk)).status_code == 200
    assert theirs.get(url("process_edit", process.pk)).status_code == 200
    other = make_process(aoba, name="転入届", department=department(aoba, "住民課"))
    refused = theirs.get(url("process_edit", other.pk))
    assert refused.status_code == 302 and refused["Location"] == url("process", other.pk)
    before = AuditEntry.objects.count()
    assert theirs.post(url("process_steps", other.pk), formset_data(other)).status_code == 403
    assert theirs.post(url("process_delete", other.pk), {"confirm": "1"}).status_code == 403
    assert AuditEntry.objects.count() == before
    # creating: their own department only (the only choice offered)
    page = theirs.get(url("process_new")).content.decode()
    assert "福祉課" in page and "住民課" not in page
    moved = theirs.post(
        url("process_edit", process.pk),
        {"name": process.name, "department": department(aoba, "住民課").pk, "annual_volume": "1"},
    )
    assert moved.status_code == 400
    process.refresh_from_db()
    assert process.department == owner_department(aoba)
    created = theirs.post(
        url("process_new"),
        {
            "name": "介護保険の要介護認定申請",
            "department": process.department_id,
            "annual_volume": "3600",
        },
    )
    assert created.status_code == 302
    assert Process.objects.filter(name="介護保険の要介護認定申請", department=process.department)


def test_readers_cannot_write(process):
    executive = client_of("executive-1")
    assert executive.get(url("process", process.pk)).status_code == 200
    refused = executive.get(url("process_new"))
    assert refused.status_code == 302 and refused["Location"] == url("processes")
    assert executive.post(url("process_new"), {"name": "x"}).status_code == 403
    page = executive.get(url("process", process.pk)).content.decode()
    assert "課題にする" not in page and "手順を編集" not in page
    step = sample_step(process.organization)
    assert executive.post(url("process_step_challenge", process.pk, step.pk)).status_code == 403
    assert not Challenge.objects.filter(source_step=step).exists()


# --- the step editor ------------------------------------------------------------------------


def test_several_steps_are_added_at_once_in_table_order(process):
    staff = client_of("muni-staff-1")
    data = formset_data(
        process,
        extra=[
            {"name": "認定通知書の発送", "step_type": "notify", "medium": "paper", "minutes": "3"},
            {"name": "請求書の保管", "step_type": "", "medium": "paper", "minutes": "１"},
        ],
        action="save",
    )
    response = staff.post(url("process_steps", process.pk), data)
    assert response.status_code == 302 and response["Location"] == url("process", process.pk)
    assert names(process)[-2:] == [(6, "認定通知書の発送"), (7, "請求書の保管")]
    kept = process.steps.get(order=7)
    assert (kept.step_type, kept.minutes) == ("store", 1)  # the type told by its name


def test_a_changed_row_is_saved_and_bad_rows_are_marked(process):
    staff = client_of("muni-staff-1")
    data = formset_data(process, **{"steps-1-minutes": "7.5", "action": "save"})
    staff.post(url("process_steps", process.pk), data)
    assert process.steps.get(order=2).minutes == 7.5
    bad = formset_data(
        process,
        extra=[{"name": "新しい手順", "step_type": "", "medium": "", "minutes": "1.25"}],
        **{"steps-0-name": "", "action": "save"},
    )
    response = staff.post(url("process_steps", process.pk), bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "小数点以下1桁まで" in page and "何も保存していません" in page
    assert names(process)[0] == (1, "認定請求書の記入")
    assert process.steps.count() == 5


def test_moving_a_step_up_and_down(process):
    staff = client_of("muni-staff-1")
    third = process.steps.get(order=3)
    response = staff.post(
        url("process_steps", process.pk), formset_data(process, action=f"up:{third.pk}")
    )
    assert response.status_code == 302
    assert response["Location"] == url("process_steps", process.pk) + f"#row-{third.pk}"
    assert [n for _o, n in names(process)][:3] == [
        "認定請求書の記入",
        "児童手当システムに入力",
        "請求書の受付",
    ]
    staff.post(url("process_steps", process.pk), formset_data(process, action=f"down:{third.pk}"))
    assert [n for _o, n in names(process)][1:3] == ["請求書の受付", "児童手当システムに入力"]
    first = process.steps.get(order=1)
    refused = staff.post(
        url("process_steps", process.pk), formset_data(process, action=f"up:{first.pk}")
    )
    assert refused.status_code == 400 and "最初の手順は上に" in refused.content.decode()
    # a move saves the table's edits along with it
    edited = formset_data(process, **{"steps-4-name": "課長の決裁", "action": f"up:{first.pk}"})
    last = process.steps.get(order=5)
    staff.post(url("process_steps", process.pk), edited | {"action": f"up:{last.pk}"})
    assert names(process)[3:] == [(4, "課長の決裁"), (5, "台帳への転記")]


def test_deleting_a_step(process):
    staff = client_of("muni-staff-1")
    second = process.steps.get(order=2)
    staff.post(
        url("process_steps", process.pk), formset_data(process, action=f"delete:{second.pk}")
    )
    assert [o for o, _n in names(process)] == [1, 2, 3, 4]
    assert not ProcessStep.objects.filter(pk=second.pk).exists()
    # a step a 課題 was made from stays
    cited = sample_step(process.organization)
    staff.post(url("process_step_challenge", process.pk, cited.pk))
    response = staff.post(
        url("process_steps", process.pk), formset_data(process, action=f"delete:{cited.pk}")
    )
    assert response.status_code == 400 and "課題の出どころのため削除できません" in (
        response.content.decode()
    )
    assert ProcessStep.objects.filter(pk=cited.pk).exists()


def test_moving_or_deleting_reports_problems_on_the_rows_as_given(process):
    """The services behind the row buttons save the table as edited; a problem is told of the
    row the page sent, not of where the move put it."""
    admin = _user("muni-admin-1")
    steps = services.current_inputs(process)
    steps[4].minutes = "1.25"  # the fifth row, bad
    with pytest.raises(services.StepsRefused) as refused:
        services.move_step(
            acting_user=admin, process=process, step_id=steps[4].id, offset=-1, steps=steps
        )
    assert [(p.index, p.field) for p in refused.value.problems] == [(5, "minutes")]
    with pytest.raises(services.StepsRefused) as refused:
        services.delete_step(acting_user=admin, process=process, step_id=steps[0].id, steps=steps)
    assert [(p.index, p.field) for p in refused.value.problems] == [(5, "minutes")]
    assert names(process)[4] == (5, "認定の決裁")  # nothing saved
    services.delete_step(acting_user=admin, process=process, step_id=steps[0].id)
    assert [n for _o, n in names(process)][:1] == ["請求書の受付"]


def test_quick_entry_adds_every_line_or_none(process):
    staff = client_of("muni-staff-1")
    lines = "認定通知書の発送, 通知, 紙, 3\n\n請求書の保管\t保管\t紙\t１\t職員\t児童手当係\n"
    response = staff.post(url("process_steps", process.pk), {"action": "paste", "lines": lines})
    assert response.status_code == 302
    assert names(process)[-2:] == [(6, "認定通知書の発送"), (7, "請求書の保管")]
    assert process.steps.get(order=7).performer_note == "児童手当係"
    bad = "電話での問い合わせ対応, 照会, 手紙, 5\n現況の確認, 審査, 紙, 十分, 住人\n"
    response = staff.post(url("process_steps", process.pk), {"action": "paste", "lines": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "1行目「媒体」" in page and "2行目「時間(分)」" in page and "2行目「行う人」" in page
    assert process.steps.count() == 7


# --- one click: a candidate becomes a 課題 ------------------------------------------------------


def test_a_candidate_becomes_a_challenge_once(process):
    staff = client_of("muni-staff-1")
    step = sample_step(process.organization)
    response = staff.post(url("process_step_challenge", process.pk, step.pk))
    challenge = Challenge.objects.get(source_step=step)
    assert response.status_code == 302
    assert response["Location"] == reverse("challenges:challenge", args=[AOBA, challenge.pk])
    assert challenge.title == "児童手当の認定請求の紙の申請書からの転記をなくす"
    assert challenge.source_kind == SourceKind.PROCESS
    assert challenge.department == process.department
    assert challenge.status == "candidate" and challenge.shared_at is None
    # 6 分 × 1,200件 = 7,200 分 = 120.0 時間
    assert "年間120.0時間(6.0分 × 1,200件)" in challenge.description
    assert "RPA・OCR、または電子申請" in challenge.description
    again = staff.post(url("process_step_challenge", process.pk, step.pk))
    assert again["Location"] == response["Location"]
    assert Challenge.objects.filter(source_step=step).count() == 1
    page = staff.get(url("process", process.pk)).content.decode()
    assert challenge.title in page and "この業務から作った課題" in page


def test_rights_come_before_telling_of_the_steps_challenge(process):
    """Someone who may not make a 課題 of the step learns nothing of the one already made (not
    even that there is one): the refusal is about their rights."""
    step = sample_step(process.organization)
    made = services.make_challenge(acting_user=_user("muni-admin-1"), step=step)
    for username in ("pref-staff", "executive-1", "muni-admin-2"):
        with pytest.raises(ServiceError) as refused:
            services.make_challenge(acting_user=_user(username), step=step)
        assert not isinstance(refused.value, services.AlreadyMade), username
        assert str(refused.value) == (
            "業務プロセスの手順から課題を作れるのは、団体の管理者・職員と、"
            "業務の部署の原課担当だけです。"
        )
    assert list(Challenge.objects.filter(source_step=step)) == [made]


def test_the_prefecture_does_not_learn_of_an_unshared_challenge_of_a_step(process):
    step = sample_step(process.organization)
    made = services.make_challenge(acting_user=_user("muni-admin-1"), step=step)
    link = reverse("challenges:challenge", args=[AOBA, made.pk])
    pref = client_of("pref-staff")
    for address in (url("process", process.pk), url("process_analysis"), url("processes")):
        page = pref.get(address).content.decode()
        assert made.title not in page and link not in page, address
        assert "この業務から作った課題" not in page and "課題あり" not in page, address
    api = APIClient()
    api.force_authenticate(_user("pref-staff"))
    steps = api.get(f"/api/v1/processes/{process.pk}/").json()["steps"]
    assert [s["challenge"] for s in steps] == [None] * 5
    challenge_services.share(acting_user=_user("muni-admin-1"), challenge=made)
    page = pref.get(url("process", process.pk)).content.decode()
    assert made.title in page and link in page
    steps = api.get(f"/api/v1/processes/{process.pk}/").json()["steps"]
    assert [s["challenge"] for s in steps if s["challenge"]] == [made.pk]


def test_a_challenge_is_named_only_to_who_may_see_it(process, monkeypatch):
    """Should someone ever change a process without seeing its 課題 (a 課題 is member_private),
    the refusals and "already made" tell that a 課題 exists, never its title or address."""
    step = sample_step(process.organization)
    made = services.make_challenge(acting_user=_user("muni-admin-1"), step=step)
    real = access.can

    def blind(user, action, obj):  # everything as before, but no 課題 can be seen
        if action == "view" and isinstance(obj, Challenge):
            return False
        return real(user, action, obj)

    monkeypatch.setattr(access, "can", blind)
    admin = client_of("muni-admin-1")
    response = admin.post(url("process_step_challenge", process.pk, step.pk))
    assert response["Location"] == url("process", process.pk) + "#candidates"
    page = admin.get(response["Location"]).content.decode()
    assert "この手順はすでに課題になっています。" in page
    with pytest.raises(ServiceError) as refused:
        services.delete_process(acting_user=_user("muni-admin-1"), process=process)
    assert str(refused.value) == (
        "この業務プロセスの手順から課題が作られているため、削除できません。"
        "業務が変わったときは、手順を書き直してください。"
    )
    assert made.title not in str(refused.value)


@pytest.mark.skipif(
    not connection.features.has_select_for_update,
    reason="SQLite runs one write transaction at a time (IMMEDIATE): no row to lock",
)
def test_the_step_is_locked_before_it_is_checked(process):
    """Two quick clicks: the second waits for the first's 課題, then finds it (PostgreSQL)."""
    with CaptureQueriesContext(connection) as captured:
        services.make_challenge(
            acting_user=_user("muni-admin-1"), step=sample_step(process.organization)
        )
    statements = [q["sql"] for q in captured]
    locked = next(i for i, sql in enumerate(statements) if "FOR UPDATE" in sql)
    checked = next(i for i, sql in enumerate(statements) if "challenges_challenge" in sql)
    assert "challenges_processstep" in statements[locked] and locked < checked


def test_hours_are_rounded_half_up_everywhere(org_coded):
    """15 分 × 1件 = 0.25 時間: 0.3 on the pages, in the API, Excel, the chart and the 課題's
    text alike (a half rounded to even would be 0.2)."""
    quarter = make_process(
        org_coded(AOBA),
        name="証明書の郵送請求",
        steps=[("請求書の転記", "transcribe", "paper", "15", "staff")],
        annual_volume=1,
    )
    admin = client_of("muni-admin-1")
    page = admin.get(url("process", quarter.pk)).content.decode()
    assert '<strong class="process-figure">0.3</strong>' in page
    api = APIClient()
    api.force_authenticate(_user("muni-admin-1"))
    figures = api.get(f"/api/v1/processes/{quarter.pk}/").json()["figures"]
    assert figures["staff_hours_year"] == "0.3"
    analysis = admin.get(url("process_analysis")).content.decode()
    chart = re.search(r'id="process-chart-data" type="application/json">(.*?)</script>', analysis)
    assert json.loads(chart.group(1))["types"] == {"labels": ["転記"], "hours": [0.3]}
    csv = admin.get(url("process_excel", quarter.pk) + "?format=csv").content.decode("utf-8-sig")
    assert "1,請求書の転記,転記,紙,15.0,職員,,0.3," in csv
    book = load_workbook(io.BytesIO(admin.get(url("process_analysis_excel")).content))
    assert 0.3 in [c.value for row in book["業務の一覧"].iter_rows() for c in row]
    step = quarter.steps.get()
    made = services.make_challenge(acting_user=_user("muni-admin-1"), step=step)
    assert "年間0.3時間(15.0分 × 1件)" in made.description


def test_department_staff_make_challenges_of_their_department(process):
    step = sample_step(process.organization)
    response = client_of("dept-staff-1").post(url("process_step_challenge", process.pk, step.pk))
    assert response.status_code == 302
    assert Challenge.objects.get(source_step=step).created_by.username == "dept-staff-1"


# --- the prefecture's comparison --------------------------------------------------------------


@pytest.fixture
def compared(org_coded):
    """転入届 written down by あおば市, わかば町 and さくら台市 (prefecture A) and by つばさ県's
    982016 (prefecture B, never compared with A's)."""
    steps = [
        ("届出書の受付", "receive", "in_person", "3", "staff"),
        ("本人確認書類の確認", "identify", "in_person", "2", "staff"),
        ("係長の決裁", "approve", "paper", "1", "staff"),
    ]
    digital = [
        ("届出書の受付", "receive", "digital", "2", "staff"),
        ("係長の決裁", "approve", "digital", "1", "staff"),
    ]
    made = {}
    for code, rows in (
        ("992011", steps),
        ("993018", digital),
        ("992020", steps),
        ("982016", steps),
    ):
        made[code] = make_process(org_coded(code), name="転入届", steps=rows, annual_volume=100)
    return made


def test_the_prefecture_compares_its_municipalities(compared):
    page = client_of("pref-admin").get(url("process_compare", lgcode="990001") + "?name=転入届")
    assert page.status_code == 200
    html = page.content.decode()
    for code in ("992011", "993018", "992020"):
        assert f'href="/o/{code}/challenges/processes/' in html
    assert 'href="/o/982016/' not in html
    assert "比べた3団体すべてにある手順です" in html  # 受付
    # 決裁: 電子 in わかば町, paper in the others (受付 is 対面 or 電子: no paper to replace)
    assert "わかば町は電子で行い、あおば市、さくら台市は紙で行っています" in html
    assert html.count('<span class="status status--ok">電子の先行例あり</span>') == 1
    assert "転入届(3団体)" in html


def test_a_municipality_with_two_processes_of_the_name_counts_once(compared, org_coded):
    """あおば市 also wrote down 転入届 by post (受付 on paper, 決裁 電子): four columns, three
    municipalities. 受付 is in all three; 本人確認 in two of three (most); 決裁 is 電子 in
    わかば町 and in あおば市's second process, so only さくら台市 does it on paper only."""
    make_process(
        org_coded(AOBA),
        name="転入届(郵送)",
        common_name="転入届",
        steps=[
            ("届出書の受付", "receive", "paper", "3", "staff"),
            ("係長の決裁", "approve", "digital", "1", "staff"),
        ],
        annual_volume=20,
    )
    html = client_of("pref-admin").get(url("process_compare", lgcode="990001")).content.decode()
    assert html.count('href="/o/992011/challenges/processes/') == 2  # two columns
    assert "比べた3団体すべてにある手順です" in html and "4団体" not in html
    assert "3団体のうち2団体にある手順です" in html  # 本人確認
    assert "あおば市、わかば町は電子で行い、さくら台市は紙で行っています" in html
    assert "転入届(3団体)" in html


def test_the_liaison_compares_only_the_assigned_municipalities(compared):
    html = client_of("liaison").get(url("process_compare", lgcode="990001")).content.decode()
    assert 'href="/o/992011/challenges/processes/' in html
    assert 'href="/o/993018/challenges/processes/' in html
    assert 'href="/o/992020/' not in html  # さくら台市: not assigned to the liaison


def test_the_comparison_is_the_prefectures_page_only(compared):
    assert client_of("muni-admin-1").get(url("process_compare")).status_code == 404
    assert client_of("pref-admin").get(url("process_compare")).status_code == 404
    other = client_of("t-pref-admin").get(url("process_compare", lgcode="980005"))
    html = other.content.decode()
    assert 'href="/o/982016/challenges/processes/' in html and 'href="/o/992011/' not in html


# --- pinned query counts ----------------------------------------------------------------------

# session, user, organization, memberships, wards, the demo flag: 6; then the page's own reads
QUERIES = {
    "processes": 9,  # + departments, processes, their steps
    "process": 10,  # + the process, its steps, the 課題 made from them, the steps cited
    "process_analysis": 9,  # + processes, steps, the 課題 made from the candidates
    "process_steps": 9,  # + the process, its steps, the steps cited
}


def test_query_counts_do_not_grow_with_the_rows(process, org_coded, django_assert_num_queries):
    admin = client_of("muni-admin-1")
    aoba = org_coded(AOBA)
    pages = {
        "processes": url("processes"),
        "process": url("process", process.pk),
        "process_analysis": url("process_analysis"),
        "process_steps": url("process_steps", process.pk),
    }
    for name, address in pages.items():
        with django_assert_num_queries(QUERIES[name]):
            assert admin.get(address).status_code == 200
    for i in range(3):
        make_process(aoba, name=f"業務{i}")
    admin.post(url("process_step_challenge", process.pk, sample_step(aoba).pk))
    for name, address in pages.items():
        with django_assert_num_queries(QUERIES[name]):
            assert admin.get(address).status_code == 200


def test_the_comparison_query_count(compared, org_coded, django_assert_num_queries):
    """+ the common names, the processes and their steps."""
    pref = client_of("pref-admin")
    address = url("process_compare", lgcode="990001") + "?name=転入届"
    with django_assert_num_queries(9):
        assert pref.get(address).status_code == 200
    make_process(org_coded("992038"), name="転入届")
    with django_assert_num_queries(9):
        assert pref.get(address).status_code == 200
