"""Pages of 対話の記録: rendering, filters, CRUD, 404 across organizations, the 原課担当's own
department only, attachments (type and size refused, downloads checked), opinions by hand,
making a challenge from a record or an opinion (links and audit), and pinned query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chiikidx.challenges import services as challenge_services
from chiikidx.challenges.dialogue import services
from chiikidx.challenges.models import Challenge, DialogueAttachment, DialogueRecord
from chiikidx.core import access
from chiikidx.core.models import AuditEntry, Department

from ..plans.sample import department
from .dialogue_sample import add_opinion, make_record

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"


def client_of(username):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def url(name, *args):
    return reverse(f"challenges:{name}", args=[AOBA, *args])


@pytest.fixture
def aoba(org_coded):
    return org_coded(AOBA)


@pytest.fixture
def record(aoba):
    found = make_record(aoba, title="福祉課ヒアリング")
    add_opinion(
        found, text="窓口の待ち時間が長い。土日も開けてほしい。", age_band="30代", area="北地区"
    )
    add_opinion(found, text="申請書が多すぎる", age_band="70代以上", area="南地区")
    return found


def _count(client, address) -> int:
    client.get(address)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


# --- rendering and filters ------------------------------------------------------------------


def test_pages_render_for_staff(record):
    admin = client_of("muni-admin-1")
    opinion = record.opinions.order_by("number").first()
    for address in [
        url("dialogues"),
        url("dialogues") + f"?kind=survey&year=2025&q=窓口&department={record.department_id}",
        url("dialogue_new"),
        url("dialogue_new") + "?kind=roleplay",
        url("dialogue", record.pk),
        url("dialogue", record.pk) + "?age=30代&area=北地区&q=窓口",
        url("dialogue_edit", record.pk),
        url("dialogue_import", record.pk),
        url("opinion_new", record.pk),
        url("opinion_edit", opinion.pk),
    ]:
        assert admin.get(address).status_code == 200, address
    page = admin.get(url("dialogue", record.pk)).content.decode()
    assert "令和7年6月10日" in page  # 和暦
    assert "福祉課長、DX推進室 2名" in page and "窓口の待ち時間と申請書" in page
    assert "この記録から課題を作る" in page and "ファイルから意見を取り込む" in page


def test_list_filters_by_kind_department_year_and_words(aoba):
    make_record(
        aoba, title="住民課ヒアリング", kind="hearing", department=department(aoba, "住民課")
    )
    make_record(aoba, title="前年度の調査", held_on=datetime.date(2025, 3, 31))
    make_record(aoba, title="転入手続の通し", kind="roleplay", notes="転入の手続を通した")
    admin = client_of("muni-admin-1")

    def titles(query):
        page = admin.get(url("dialogues") + query).content.decode()
        return {t for t in ("住民課ヒアリング", "前年度の調査", "転入手続の通し") if t in page}

    assert titles("") == {"住民課ヒアリング", "前年度の調査", "転入手続の通し"}
    assert titles("?kind=hearing") == {"住民課ヒアリング"}
    assert titles(f"?department={department(aoba, '住民課').pk}") == {"住民課ヒアリング"}
    assert titles("?year=2024") == {"前年度の調査"}  # 令和6年度 ends on 2025-03-31
    assert titles("?year=2025") == {"住民課ヒアリング", "転入手続の通し"}
    assert titles("?q=転入") == {"転入手続の通し"}
    page = admin.get(url("dialogues")).content.decode()
    assert "令和7年度" in page and "令和6年度" in page  # the 年度 choices


def test_list_counts_opinions_and_the_challenges_the_user_sees(record):
    opinion = record.opinions.order_by("number").first()
    services.challenge_from_opinion(acting_user=_user("muni-admin-1"), opinion=opinion)
    services.challenge_from_record(acting_user=_user("muni-admin-1"), record=record)
    row = _row(client_of("muni-admin-1").get(url("dialogues")), record)
    assert '<td class="num">2</td>' in row  # opinions
    assert f'{url("dialogue", record.pk)}#challenges">2</a>' in row
    # The prefecture sees neither unshared challenge, not even as a number.
    pref = client_of("pref-staff").get(url("dialogues"))
    assert "#challenges" not in _row(pref, record)
    challenge_services.share(
        acting_user=_user("muni-admin-1"),
        challenge=Challenge.objects.filter(source_opinion=opinion).get(),
    )
    pref = client_of("pref-staff").get(url("dialogues"))
    assert '#challenges">1</a>' in _row(pref, record)


def _row(response, record) -> str:
    html = response.content.decode()
    start = html.index(f'id="record-{record.pk}"')
    return html[start : html.index("</tr>", start)]


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_opinions_filter_by_age_area_and_words_and_page(record):
    for i in range(60):
        add_opinion(record, text=f"意見その{i}", age_band="40代", area="東地区")
    admin = client_of("muni-admin-1")
    page = admin.get(url("dialogue", record.pk) + "?age=30代").content.decode()
    assert page.count('id="opinion-') == 1 and "土日も開けてほしい" in page
    page = admin.get(url("dialogue", record.pk) + "?area=南地区").content.decode()
    assert page.count('id="opinion-') == 1 and "申請書が多すぎる" in page
    page = admin.get(url("dialogue", record.pk) + "?q=その1").content.decode()
    assert page.count('id="opinion-') == 11  # その1, その10 … その19
    page = admin.get(url("dialogue", record.pk)).content.decode()
    assert page.count('id="opinion-') == 50 and "1 / 2 ページ" in page
    assert "?page=2#opinions" in page
    assert "40代 60" in page  # the 年代 summary
    page = admin.get(url("dialogue", record.pk) + "?page=2").content.decode()
    assert page.count('id="opinion-') == 12


# --- creating, editing, deleting ------------------------------------------------------------


def test_create_edit_and_delete_a_record(aoba):
    admin = client_of("muni-staff-1")
    dept = department(aoba, "住民課")
    response = admin.post(
        url("dialogue_new"),
        {
            "kind": "hearing",
            "title": "住民課ヒアリング",
            "held_on": "Ｒ７．６．１０",
            "department": dept.pk,
            "participants": "住民課長",
            "notes": "転入の窓口が混む",
        },
    )
    record = DialogueRecord.objects.get(title="住民課ヒアリング")
    assert response.status_code == 302 and response["Location"] == url("dialogue", record.pk)
    assert record.held_on == datetime.date(2025, 6, 10) and record.department == dept
    assert record.created_by.username == "muni-staff-1"
    response = admin.post(
        url("dialogue_edit", record.pk),
        {
            "kind": "hearing",
            "title": "住民課ヒアリング(2回目)",
            "held_on": "令和7年6月10日",
            "held_until": "令和7年6月1日",
        },
    )
    assert response.status_code == 400
    assert (
        "終了日(令和7年6月1日)は実施日(令和7年6月10日)以降にしてください。"
        in response.content.decode()
    )
    response = admin.post(
        url("dialogue_edit", record.pk),
        {"kind": "hearing", "title": "住民課ヒアリング(2回目)", "held_on": "令和7年6月10日"},
    )
    record.refresh_from_db()
    assert response.status_code == 302 and record.title == "住民課ヒアリング(2回目)"
    assert record.department is None
    assert admin.post(url("dialogue_delete", record.pk)).status_code == 302  # no confirmation
    assert DialogueRecord.objects.filter(pk=record.pk).exists()
    response = admin.post(url("dialogue_delete", record.pk), {"confirm": "1"})
    assert response["Location"] == url("dialogues")
    assert not DialogueRecord.objects.filter(pk=record.pk).exists()
    labels = list(
        AuditEntry.objects.filter(model_label="challenges.DialogueRecord", object_id=str(record.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert labels == ["create", "update", "delete"]


def test_a_record_a_challenge_cites_is_not_deleted(record):
    opinion = record.opinions.order_by("number").first()
    services.challenge_from_opinion(acting_user=_user("muni-admin-1"), opinion=opinion)
    admin = client_of("muni-admin-1")
    response = admin.post(url("dialogue_delete", record.pk), {"confirm": "1"}, follow=True)
    assert "課題が1件あるため、削除できません" in response.content.decode()
    assert DialogueRecord.objects.filter(pk=record.pk).exists()
    # The cited opinion is kept as it is, too.
    assert admin.post(url("opinion_delete", opinion.pk)).status_code == 302
    response = admin.post(url("opinion_edit", opinion.pk), {"text": "書き換え"})
    assert (
        "課題「窓口の待ち時間が長い」になっているため、変更できません" in response.content.decode()
    )
    opinion.refresh_from_db()
    assert opinion.text.startswith("窓口の待ち時間が長い")


def test_another_organizations_record_is_404(record):
    other = client_of("muni-admin-2")
    opinion = record.opinions.first()
    attachment = services.attach_file(
        acting_user=_user("muni-admin-1"),
        record=record,
        upload=SimpleUploadedFile("memo.pdf", b"%PDF-1.4\n"),
    )
    for address in [
        reverse("challenges:dialogue", args=[WAKABA, record.pk]),
        reverse("challenges:dialogue_edit", args=[WAKABA, record.pk]),
        reverse("challenges:dialogue_import", args=[WAKABA, record.pk]),
        reverse("challenges:opinion_edit", args=[WAKABA, opinion.pk]),
        reverse("challenges:dialogue_attachment", args=[WAKABA, record.pk, attachment.pk]),
    ]:
        assert other.get(address).status_code == 404, address
    before = (AuditEntry.objects.count(), Challenge.objects.count())
    for address in [
        reverse("challenges:dialogue_challenge", args=[WAKABA, record.pk]),
        reverse("challenges:opinion_challenge", args=[WAKABA, opinion.pk]),
        reverse("challenges:dialogue_delete", args=[WAKABA, record.pk]),
    ]:
        assert other.post(address, {"confirm": "1"}).status_code == 404, address
    assert (AuditEntry.objects.count(), Challenge.objects.count()) == before
    # Nor through あおば市's own address: muni-admin-2 does not see あおば市.
    assert other.get(url("dialogue", record.pk)).status_code == 404


def test_department_staff_write_their_own_departments_records_only(aoba, record):
    staff = client_of("dept-staff-1")  # 福祉課
    own = record  # 福祉課's
    other = make_record(aoba, title="住民課ヒアリング", department=department(aoba, "住民課"))
    assert staff.get(url("dialogue", other.pk)).status_code == 200  # reading is open
    page = staff.get(url("dialogue", own.pk)).content.decode()
    assert "この記録から課題を作る" in page
    page = staff.get(url("dialogue", other.pk)).content.decode()
    assert "この記録から課題を作る" not in page and "記録を編集" not in page
    response = staff.get(url("dialogue_edit", other.pk))
    assert response.status_code == 302 and response["Location"] == url("dialogue", other.pk)
    assert staff.post(url("dialogue_edit", other.pk), {"title": "x"}).status_code == 403
    assert staff.post(url("dialogue_challenge", other.pk)).status_code == 403
    assert staff.post(url("opinion_new", other.pk), {"text": "x"}).status_code == 403
    # Their own department's: editing, opinions, a challenge.
    response = staff.post(
        url("dialogue_edit", own.pk),
        {
            "kind": "survey",
            "title": "福祉課アンケート",
            "held_on": "2025-06-10",
            "department": own.department_id,
        },
    )
    assert response.status_code == 302
    assert staff.post(url("opinion_new", own.pk), {"text": "手すりがほしい"}).status_code == 302
    assert staff.post(url("dialogue_challenge", own.pk)).status_code == 302
    # The form offers only their department, and they cannot move a record out of it.
    form = staff.get(url("dialogue_new")).content.decode()
    assert "福祉課" in form and "住民課" not in form
    response = staff.post(
        url("dialogue_edit", own.pk),
        {
            "kind": "survey",
            "title": "福祉課アンケート",
            "held_on": "2025-06-10",
            "department": department(aoba, "住民課").pk,
        },
    )
    assert response.status_code == 400
    response = staff.post(
        url("dialogue_new"),
        {
            "kind": "hearing",
            "title": "福祉課の2回目",
            "held_on": "2025-07-01",
            "department": own.department_id,
        },
    )
    assert response.status_code == 302
    assert DialogueRecord.objects.get(title="福祉課の2回目").department == own.department


def test_a_record_keeps_its_archived_department_when_edited(aoba, record):
    """The record's department stays a choice once archived (new records cannot choose it);
    a 原課担当 files under the departments core.access lets them write, their own."""
    welfare = record.department
    Department.objects.filter(pk=welfare.pk).update(is_archived=True)
    choice = f'<option value="{welfare.pk}"'
    assert choice not in client_of("muni-staff-1").get(url("dialogue_new")).content.decode()
    for username in ("muni-staff-1", "dept-staff-1"):
        client = client_of(username)
        assert choice in client.get(url("dialogue_edit", record.pk)).content.decode()
        response = client.post(
            url("dialogue_edit", record.pk),
            {
                "kind": "survey",
                "title": f"福祉課アンケート({username})",
                "held_on": "2025-06-10",
                "department": welfare.pk,
            },
        )
        assert response.status_code == 302, username
        record.refresh_from_db()
        assert (record.title, record.department) == (f"福祉課アンケート({username})", welfare)
    assert services.creatable_department_ids(_user("dept-staff-1"), aoba) == {welfare.pk}
    assert services.creatable_department_ids(_user("muni-staff-1"), aoba) is None


def test_executives_and_the_prefecture_read_but_do_not_write(record):
    for username in ("executive-1", "pref-staff", "liaison"):
        client = client_of(username)
        assert client.get(url("dialogue", record.pk)).status_code == 200
        response = client.get(url("dialogue_new"))
        assert response.status_code == 302 and response["Location"] == url("dialogues")
        assert client.post(url("dialogue_new"), {"title": "x"}).status_code == 403
        assert client.post(url("dialogue_challenge", record.pk)).status_code == 403
        page = client.get(url("dialogue", record.pk)).content.decode()
        assert "課題にする</button>" not in page and "記録を登録する" not in page


# --- opinions by hand -----------------------------------------------------------------------


def test_findings_of_a_roleplay_by_hand(aoba):
    roleplay = make_record(aoba, kind="roleplay", title="転入手続のウォークスルー")
    admin = client_of("muni-staff-1")
    form = admin.get(url("opinion_new", roleplay.pk)).content.decode()
    assert "住民目線の気づき" in form
    response = admin.post(
        url("opinion_new", roleplay.pk),
        {"text": "同じ住所を4枚の申請書に書く必要があった。", "another": "1"},
    )
    assert response["Location"] == url("opinion_new", roleplay.pk)
    response = admin.post(
        url("opinion_new", roleplay.pk),
        {"text": "番号札の発券機が見えない。", "age_band": "３０歳代", "area": "中央地区"},
    )
    second = roleplay.opinions.get(number=2)
    assert response["Location"] == url("dialogue", roleplay.pk) + f"#opinion-{second.pk}"
    assert (second.age_band, second.area) == ("30代", "中央地区")
    page = admin.get(url("dialogue", roleplay.pk)).content.decode()
    assert "住民目線の気づき" in page and "ファイルから意見を取り込む" not in page
    response = admin.post(url("opinion_edit", second.pk), {"text": "発券機が入口から見えない。"})
    second.refresh_from_db()
    assert response.status_code == 302 and second.text == "発券機が入口から見えない。"
    assert admin.post(url("opinion_delete", second.pk)).status_code == 302
    assert list(roleplay.opinions.values_list("number", flat=True)) == [1]
    response = admin.post(url("opinion_new", roleplay.pk), {"text": "  "})
    assert response.status_code == 400


# --- making a challenge ---------------------------------------------------------------------


def test_a_challenge_from_a_record_keeps_its_source(record):
    admin = client_of("muni-staff-1")
    before = AuditEntry.objects.count()
    response = admin.post(url("dialogue_challenge", record.pk))
    made = Challenge.objects.get(source_record=record)
    assert response.status_code == 302
    assert response["Location"] == reverse("challenges:challenge", args=[AOBA, made.pk])
    assert (made.title, made.description, made.department) == (
        "福祉課ヒアリング",
        record.notes,
        record.department,
    )
    assert (made.source_kind, made.source_opinion, made.status) == ("dialogue", None, "candidate")
    assert made.source_note == "住民アンケート「福祉課ヒアリング」(令和7年6月10日)"
    entry = AuditEntry.objects.filter(seq__gt=0, model_label="challenges.Challenge").latest("seq")
    assert entry.action == "create" and entry.actor_name == "muni-staff-1"
    assert AuditEntry.objects.count() > before
    # The same record again (a double click): no duplicate, the existing 課題 opens.
    again = admin.post(url("dialogue_challenge", record.pk))
    assert again.status_code == 302 and again["Location"] == response["Location"]
    page = admin.get(again["Location"]).content.decode()
    assert "この記録からは課題「福祉課ヒアリング」をすでに作っています。" in page
    assert Challenge.objects.filter(source_record=record).count() == 1
    page = admin.get(url("dialogue", record.pk)).content.decode()
    assert reverse("challenges:challenge", args=[AOBA, made.pk]) in page and "記録全体" in page


def test_a_challenge_from_an_opinion_then_its_link(record):
    opinion = record.opinions.order_by("number").first()
    admin = client_of("muni-staff-1")
    page = admin.get(url("dialogue", record.pk)).content.decode()
    assert url("opinion_challenge", opinion.pk) in page
    response = admin.post(url("opinion_challenge", opinion.pk))
    made = Challenge.objects.get(source_opinion=opinion)
    assert response["Location"] == reverse("challenges:challenge", args=[AOBA, made.pk])
    assert made.title == "窓口の待ち時間が長い"  # the first sentence
    assert made.description == (
        "窓口の待ち時間が長い。土日も開けてほしい。\n\n年代: 30代\n地区: 北地区\n\n"
        "出どころ: 住民アンケート「福祉課ヒアリング」(令和7年6月10日) の意見 1番"
    )
    assert (made.source_kind, made.source_record, made.department) == (
        "opinion",
        record,
        record.department,
    )
    page = admin.get(url("dialogue", record.pk)).content.decode()
    assert url("opinion_challenge", opinion.pk) not in page  # the link instead of the button
    assert reverse("challenges:challenge", args=[AOBA, made.pk]) in page
    assert "課題を開く" in page and "意見 1番" in page
    again = admin.post(url("opinion_challenge", opinion.pk))
    assert again.status_code == 302 and again["Location"] == response["Location"]
    page = admin.get(again["Location"]).content.decode()
    assert "この意見はすでに課題「窓口の待ち時間が長い」になっています。" in page
    assert Challenge.objects.filter(source_opinion=opinion).count() == 1


@pytest.mark.skipif(
    not connection.features.has_select_for_update,
    reason="SQLite runs one write transaction at a time (IMMEDIATE): no row to lock",
)
def test_the_source_is_locked_before_it_is_checked(record):
    """Two quick clicks: the second waits for the first's 課題, then finds it (PostgreSQL)."""
    opinion = record.opinions.order_by("number").first()
    admin = _user("muni-admin-1")
    for make, table in (
        (lambda: services.challenge_from_opinion(acting_user=admin, opinion=opinion), "opinion"),
        (lambda: services.challenge_from_record(acting_user=admin, record=record), "record"),
    ):
        with CaptureQueriesContext(connection) as captured:
            make()
        statements = [q["sql"] for q in captured]
        locked = next(i for i, sql in enumerate(statements) if "FOR UPDATE" in sql)
        checked = next(i for i, sql in enumerate(statements) if "challenges_challenge" in sql)
        assert table in statements[locked].split("FOR UPDATE")[1] and locked < checked


def test_a_challenge_is_named_only_to_who_may_see_it(record, monkeypatch):
    """Should someone ever change a record without seeing its 課題 (a 課題 is member_private),
    the refusals and "already made" tell that a 課題 exists, never its title or address."""
    opinion = record.opinions.order_by("number").first()
    admin = _user("muni-admin-1")
    made = services.challenge_from_opinion(acting_user=admin, opinion=opinion)
    by_record = services.challenge_from_record(acting_user=admin, record=record)
    real = access.can

    def blind(user, action, obj):  # everything as before, but no 課題 can be seen
        if action == "view" and isinstance(obj, Challenge):
            return False
        return real(user, action, obj)

    monkeypatch.setattr(access, "can", blind)
    client = client_of("muni-admin-1")
    for address, back, title in (
        (url("opinion_challenge", opinion.pk), f"#opinion-{opinion.pk}", made.title),
        (url("dialogue_challenge", record.pk), "#challenges", by_record.title),
    ):
        response = client.post(address)
        assert response["Location"] == url("dialogue", record.pk) + back
        page = client.get(response["Location"]).content.decode()
        assert "すでに課題" in page and f"「{title}」" not in page
    response = client.post(url("opinion_edit", opinion.pk), {"text": "書き換え"})
    assert "この意見は課題になっているため、変更できません。" in response.content.decode()
    response = client.post(url("dialogue_delete", record.pk), {"confirm": "1"}, follow=True)
    page = response.content.decode()
    assert "この記録(またはその意見)から作った課題があるため、削除できません。" in page
    assert "課題が2件あるため" not in page


def test_opinion_titles():
    assert services.opinion_title("窓口が混む。土日も開けて") == "窓口が混む"
    assert services.opinion_title("  バスが少ない!\n時刻表も見にくい") == "バスが少ない!"
    long = "あ" * 50
    assert services.opinion_title(long) == "あ" * 39 + "…"
    assert len(services.opinion_title(long)) == 40


# --- attachments ----------------------------------------------------------------------------


def test_attachments_are_checked_stored_privately_and_sent_to_viewers_only(
    record, django_capture_on_commit_callbacks
):
    admin = client_of("muni-staff-1")
    upload = SimpleUploadedFile("ヒアリング議事メモ.pdf", b"%PDF-1.4 memo", "application/pdf")
    response = admin.post(url("dialogue_attachment_upload", record.pk), {"file": upload})
    assert response["Location"] == url("dialogue", record.pk) + "#attachments"
    item = DialogueAttachment.objects.get(record=record)
    assert item.original_name == "ヒアリング議事メモ.pdf" and item.content_type == "application/pdf"
    assert item.file.name.startswith(f"{AOBA}/{record.pk}/") and "メモ" not in item.file.name
    download = admin.get(url("dialogue_attachment", record.pk, item.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 memo"
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert (
        client_of("pref-staff").get(url("dialogue_attachment", record.pk, item.pk)).status_code
        == 200
    )
    other = client_of("muni-admin-2")
    assert other.get(url("dialogue_attachment", record.pk, item.pk)).status_code == 404
    # A file of another record is not found under this one.
    second = make_record(record.organization, title="別の記録")
    assert admin.get(url("dialogue_attachment", second.pk, item.pk)).status_code == 404
    # Refused: a type not accepted, an empty file, a file over the limit.
    for name, body, words in [
        ("script.exe", b"MZ", "添付できない種類のファイルです"),
        ("empty.pdf", b"", "空のファイル"),
    ]:
        response = admin.post(
            url("dialogue_attachment_upload", record.pk),
            {"file": SimpleUploadedFile(name, body)},
            follow=True,
        )
        assert words in response.content.decode()
    with override_settings(EVIDENCE_MAX_BYTES=10):
        response = admin.post(
            url("dialogue_attachment_upload", record.pk),
            {"file": SimpleUploadedFile("big.pdf", b"%PDF-1.4 " + b"x" * 20)},
            follow=True,
        )
    assert "上限の 10 バイト を超えています" in response.content.decode()
    assert DialogueAttachment.objects.filter(record=record).count() == 1
    # Deleting: not by those who only read; the row, then the file once committed.
    executive = client_of("executive-1")
    assert executive.post(url("dialogue_attachment_delete", record.pk, item.pk)).status_code == 403
    storage = item.file.storage
    assert storage.exists(item.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url("dialogue_attachment_delete", record.pk, item.pk))
    assert response.status_code == 302
    assert not DialogueAttachment.objects.filter(pk=item.pk).exists()
    assert not storage.exists(item.file.name)


# --- pinned query counts --------------------------------------------------------------------


def test_list_and_record_pages_have_pinned_query_counts(aoba, django_assert_num_queries):
    admin = client_of("muni-admin-1")
    first = make_record(aoba, title="1件目")
    add_opinion(first)
    few = (_count(admin, url("dialogues")), _count(admin, url("dialogue", first.pk)))
    for i in range(8):
        more = make_record(aoba, title=f"追加の記録{i}", department=department(aoba, "住民課"))
        for _j in range(3):
            opinion = add_opinion(more, age_band=f"{20 + 10 * (_j % 3)}代", area=f"地区{_j}")
        services.challenge_from_opinion(acting_user=_user("muni-admin-1"), opinion=opinion)
    big = make_record(aoba, title="大きなアンケート")
    for i in range(40):
        opinion = add_opinion(
            big, text=f"意見{i}", age_band=f"{10 * (i % 7 + 1)}代", area=f"地区{i % 5}"
        )
        if i % 4 == 0:
            services.challenge_from_opinion(acting_user=_user("muni-admin-1"), opinion=opinion)
    services.attach_file(
        acting_user=_user("muni-admin-1"), record=big, upload=SimpleUploadedFile("a.pdf", b"%PDF")
    )
    # shell, the 部署 and 年度 of the filter, the count and the page (with both counts)
    with django_assert_num_queries(few[0]):
        page = admin.get(url("dialogues"))
    assert page.content.decode().count('id="record-') == 10
    # shell, the record, the opinions (count, page, facets), their challenges and the
    # cited ones, the attachments and the record's challenges
    with django_assert_num_queries(few[1]):
        page = admin.get(url("dialogue", big.pk))
    assert page.content.decode().count('id="opinion-') == 40
    assert page.content.decode().count("課題を開く") == 10
    assert few == (10, 14)


def test_the_prefecture_does_not_learn_of_an_unshared_challenge_on_the_record(record):
    opinion = record.opinions.order_by("number").first()
    made = services.challenge_from_opinion(acting_user=_user("muni-admin-1"), opinion=opinion)
    page = client_of("pref-staff").get(url("dialogue", record.pk)).content.decode()
    link = reverse("challenges:challenge", args=[AOBA, made.pk])
    assert link not in page and "課題にしました" not in page and "課題を開く" not in page
    assert made.title not in page.replace(opinion.text, "")  # the opinion itself is shown
    assert 'href="#challenges">0件</a>' in page
    assert "#challenges" not in _row(client_of("pref-staff").get(url("dialogues")), record)
    challenge_services.share(acting_user=_user("muni-admin-1"), challenge=made)
    page = client_of("pref-staff").get(url("dialogue", record.pk)).content.decode()
    assert "課題を開く" in page and link in page
