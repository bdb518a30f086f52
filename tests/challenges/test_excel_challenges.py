"""Challenges as Excel: the export (every field, the read-only priority, dropdowns, the
instructions), the round trip (unchanged file: no change, no audit entry), a CP932 CSV with
全角 digits, and files with bad rows (every problem with row, column, value and reason; nothing
saved): lengths and ranges, sources chosen by hand, status moves with and without a plan
measure, sharing and the rights of 原課担当."""

import io

import pytest
from openpyxl import load_workbook

from chiikidx.challenges import excel, services
from chiikidx.challenges.models import Challenge
from chiikidx.core import tabular
from chiikidx.core.models import AuditEntry, Organization

from ..plans.sample import admin_of
from .triage_sample import add, aoba, client_of, department, scored, url

pytestmark = pytest.mark.django_db
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
HEADER = (
    "ID,分野,部署名,課題,内容,影響を受ける人,影響を受ける人数,裨益性,難易度,緊急性,"
    "対応主体,着手時期,状態,理由,共有,出どころ"
)


def _user(name="muni-admin-1"):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def _import(data: bytes, filename="課題.csv", user="muni-admin-1"):
    return excel.import_upload(
        acting_user=_user(user), organization=aoba(), data=data, filename=filename
    )


def _csv(*lines: str, encoding="utf-8") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def _problems(data: bytes, **kwargs) -> list[tuple]:
    with pytest.raises(tabular.TableImportError) as failed:
        _import(data, **kwargs)
    return [(e.row, e.column, e.value, e.message) for e in failed.value.errors]


def _sheet(body: bytes):
    return load_workbook(io.BytesIO(body))


# --- export ------------------------------------------------------------------------------------


def test_the_export_has_every_field_dropdowns_and_instructions():
    org = aoba()
    challenge = scored(
        org,
        "転入手続で同じ内容を何度も書く",
        b=5,
        d=2,
        u=4,
        field="窓口",
        dept="住民課",
        description="転入届と国保の届で住所を3回書く。",
        affected="転入者",
        affected_count=1200,
    )
    services.share(acting_user=admin_of(org), challenge=challenge)
    add(org, "点数のない課題", dept=None, field="")
    response = client_of("muni-admin-1").get(url("export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('filename="challenges-992011.xlsx"')
    book = _sheet(response.content)
    assert book.sheetnames == ["課題", "説明", "選択肢"]
    sheet = book["課題"]
    header = [c.value for c in sheet[2]]
    assert header == [*HEADER.split(","), "優先度(参照のみ)", "区分(参照のみ)", "施策(参照のみ)"]
    first = [c.value for c in sheet[3]]
    assert first == [
        challenge.pk,
        "窓口",
        "住民課",
        "転入手続で同じ内容を何度も書く",
        "転入届と国保の届で住所を3回書く。",
        "転入者",
        1200,
        5,
        2,
        4,
        "自団体で対応可",
        "中期",
        "候補",
        None,
        "はい",
        "職員の気づき",
        85,  # 100 × (2×4 + 1×3 + 2×3) ÷ 20
        "すぐやる(効果大・易しい)",
        None,
    ]
    assert [c.value for c in sheet[4]][7:10] == [None, None, None]
    rules = {str(v.sqref).split(":")[0][:1]: v for v in sheet.data_validations.dataValidation}
    assert rules["B"].formula1 == "'選択肢'!$A$2:$A$13"  # the 12 default 分野
    assert rules["H"].type == "whole" and (rules["H"].formula1, rules["H"].formula2) == ("1", "5")
    assert "優先度 = 100 × (2 ×(裨益性−1)" in " ".join(
        str(c.value) for c in book["説明"]["A"] if c.value
    )
    departments = [c.value for c in book["選択肢"]["B"][1:] if c.value]
    assert "住民課" in departments and "福祉課" in departments


def test_the_prefecture_exports_only_shared_challenges():
    org = aoba()
    shared = add(org, "共有した課題")
    add(org, "共有していない課題")
    services.share(acting_user=admin_of(org), challenge=shared)
    book = _sheet(client_of("pref-staff").get(url("export")).content)
    titles = [row[3].value for row in book["課題"].iter_rows(min_row=3) if row[3].value]
    assert titles == ["共有した課題"]


def test_the_export_has_a_pinned_query_count(django_assert_num_queries):
    org = aoba()
    client = client_of("muni-admin-1")
    scored(org, "一つ目")
    # session, user, the organization, memberships, wards, the settings, the challenges (with
    # departments and measures), the departments of the dropdown
    with django_assert_num_queries(8):
        client.get(url("export"))
    for i in range(10):
        scored(org, f"課題{i}", dept=["福祉課", "総務課", None][i % 3])
    with django_assert_num_queries(8):
        client.get(url("export"))


def test_the_template_is_the_workbook_without_rows_and_a_csv_header():
    add(title="既存の課題")
    client = client_of("dept-staff-1")
    book = _sheet(client.get(url("import_template")).content)
    assert book["課題"].max_row == 2
    assert book["課題"]["A1"].value == "あおば市 課題の登録用シート"
    body = client.get(url("import_template") + "?format=csv").content
    assert body.decode("utf-8-sig").strip() == HEADER


# --- round trip --------------------------------------------------------------------------------


def test_an_exported_workbook_imported_unchanged_changes_nothing():
    org = aoba()
    first = scored(org, "一つ目の課題", description="複数行の\n説明", affected_count=30)
    second = add(org, "二つ目の課題", dept=None, field="")
    services.set_status(
        acting_user=admin_of(org), challenge=second, status="deferred", reason="国の動向を待つ"
    )
    services.share(acting_user=admin_of(org), challenge=first)
    body = excel.workbook(_user(), org)
    before = (AuditEntry.objects.count(), list(Challenge.objects.values().order_by("pk")))
    done = _import(body, "challenges.xlsx")
    assert (done.created, done.updated, done.unchanged) == (0, 0, 2)
    assert (AuditEntry.objects.count(), list(Challenge.objects.values().order_by("pk"))) == before
    # and the CSV of the same rows
    rows = [excel.row_of(c, (2, 1, 2)) for c in Challenge.objects.order_by("pk")]
    done = _import(tabular.write_csv(excel.COLUMNS, rows), "challenges.csv")
    assert (done.created, done.updated, done.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == before[0]


def test_an_edited_workbook_updates_and_creates_through_the_services():
    org = aoba()
    challenge = scored(org, "直す課題", b=2, d=2, u=2)
    body = excel.workbook(_user(), org)
    book = _sheet(body)
    sheet = book["課題"]
    sheet["H3"], sheet["K3"], sheet["M3"] = 5, "県・広域で対応", "採択"
    sheet["D4"], sheet["C4"], sheet["I4"] = "新しい課題", "総務課", 3
    out = io.BytesIO()
    book.save(out)
    before = AuditEntry.objects.count()
    done = _import(out.getvalue(), "challenges.xlsx")
    assert (done.created, done.updated, done.unchanged) == (1, 1, 0)
    challenge.refresh_from_db()
    assert (challenge.benefit, challenge.scope, challenge.status) == (5, "wide", "adopted")
    new = Challenge.objects.get(title="新しい課題")
    assert (new.department.name, new.difficulty, new.status, new.field) == (
        "総務課",
        3,
        "candidate",
        "",
    )
    # an update, a status change and a creation: each audited, as the acting user
    entries = AuditEntry.objects.filter(seq__gt=0).order_by("seq")[before:]
    assert [(e.action, e.object_id) for e in entries] == [
        ("update", str(challenge.pk)),
        ("update", str(challenge.pk)),
        ("create", str(new.pk)),
    ]
    assert {e.actor.username for e in entries} == {"muni-admin-1"}


# --- CSV, CP932, 全角 ----------------------------------------------------------------------


def test_a_cp932_csv_with_full_width_digits_creates_and_updates():
    existing = add(title="既存の課題")
    wide_id = str(existing.pk).translate(FULL_WIDTH)
    data = _csv(
        f"{wide_id},福祉,福祉課,既存の課題,,,,４,２,５,,,,,,",
        ",子育て,子育て支援課,保育所の空きが電話でしか分からない,,子育て世帯,１，２００,３,１,３,,今すぐ,,,はい,アセスメント",
        encoding="cp932",
    )
    done = _import(data, "課題.csv")
    assert (done.created, done.updated) == (1, 1)
    existing.refresh_from_db()
    assert (existing.field, existing.benefit, existing.difficulty, existing.urgency) == (
        "福祉",
        4,
        2,
        5,
    )
    assert existing.scope == "self" and existing.timing == "mid"  # blank: kept
    new = Challenge.objects.get(title="保育所の空きが電話でしか分からない")
    assert (new.affected_count, new.benefit, new.scope, new.timing) == (1200, 3, "self", "now")
    assert (new.source_kind, new.is_shared, new.department.name) == (
        "assessment",
        True,
        "子育て支援課",
    )


def test_a_utf8_bom_csv_and_a_file_without_optional_columns():
    existing = scored(title="残す課題", b=4, d=2, u=3)
    data = f"\ufeffID,課題,緊急性\r\n{existing.pk},残す課題,1\r\n".encode()
    _import(data)
    existing.refresh_from_db()
    # only 緊急性 changes; the columns not in the file stay as they are
    assert (existing.benefit, existing.difficulty, existing.urgency, existing.field) == (
        4,
        2,
        1,
        "窓口",
    )


# --- bad rows ----------------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_saved():
    org = aoba()
    existing = add(org, "既存の課題")
    other_org = add(Organization.objects.get(code="993018"), "わかば町の課題", dept=None)
    before = (AuditEntry.objects.count(), Challenge.objects.count())
    data = _csv(
        ",窓口,福祉課,正しい新しい課題,,,,1,2,3,,,,,,",  # row 2: fine
        ",窓口,ない課,部署のない行,,,,,,,,,,,,",  # row 3
        ",ない分野,福祉課,分野のない行,,,,,,,,,,,,",  # row 4
        ",窓口,福祉課,点数の誤り,,,,6,0,３,,,,,,",  # row 5
        ",窓口,福祉課,,,,,,,,,,,,,",  # row 6: no title
        ",窓口,福祉課,ラベルの誤り,,,,,,,市で対応,,,,,",  # row 7
        f"{existing.pk},窓口,福祉課,既存の課題,,,,,,,,,解決,,,",  # row 8: not from 候補
        f"{other_org.pk},窓口,,わかば町の課題,,,,,,,,,,,,",  # row 9
        f"{existing.pk},窓口,福祉課,同じIDの行,,,,,,,,,,,,",  # row 10
        ",窓口,福祉課,見送る新しい課題,,,,,,,,,見送り,,,",  # row 11: no reason
    )
    problems = _problems(data)
    assert problems == [
        (
            3,
            "部署名",
            "ない課",
            "この団体にない部署です。「選択肢」シートか部署の一覧にある名称を書いてください。",
        ),
        (
            4,
            "分野",
            "ない分野",
            "分野の一覧にない分野です。次のいずれかを書いてください"
            "(一覧は団体の「課題の設定」で変えられます): "
            "防災、交通、福祉、子育て、教育、健康・医療、産業、観光、農林水産、環境、窓口、内部事務",
        ),
        (5, "裨益性", "6", "1以上5以下の整数で入力してください。"),
        (5, "難易度", "0", "1以上5以下の整数で入力してください。"),
        (6, "課題", "", "必須項目です。「課題」を入力してください。"),
        (
            7,
            "対応主体",
            "市で対応",
            "選べない値です。次のいずれかを入力してください: "
            "自団体で対応可、県・広域で対応、国・制度",
        ),
        (8, "状態", "解決", "「候補」からは「解決」に変えられません。変えられるのは: 採択、見送り"),
        (
            9,
            "ID",
            str(other_org.pk),
            "この団体の課題のIDではありません。新しい課題ならIDを空欄にしてください。",
        ),
        (10, "ID", str(existing.pk), "8行目と同じ値です。「ID」は重複できません。"),
        (11, "理由", "", "「見送り」にする理由を「理由」の列に書いてください。"),
    ]
    assert (AuditEntry.objects.count(), Challenge.objects.count()) == before


def test_status_moves_reasons_and_sharing_are_checked():
    org = aoba()
    challenge = add(org, "課題")
    escalated = add(org, "県に上げた課題")
    services.escalate(acting_user=admin_of(org), challenge=escalated, note="県で検討してほしい")
    problems = _problems(
        _csv(
            f"{challenge.pk},窓口,福祉課,課題,,,,,,,,,施策化,,,",
            f"{escalated.pk},窓口,福祉課,県に上げた課題,,,,,,,県・広域で対応,,候補,違う理由,いいえ,",
        )
    )
    assert problems == [
        (
            2,
            "状態",
            "施策化",
            "「施策化」は、課題から計画の施策を作ると付きます"
            "(課題のページの「施策にする」か、優先度マップで選んで)。",
        ),
        (
            3,
            "理由",
            "違う理由",
            "理由は状態を変えるときだけ書き換えられます。状態を変えないなら、理由を元のままにしてください。",
        ),
        (
            3,
            "共有",
            "いいえ",
            "県・広域に上げた課題は共有をやめられません。先に課題のページで「上げるのをやめる」を選んでください。",
        ),
    ]
    done = _import(_csv(f"{challenge.pk},窓口,福祉課,課題,,,,,,,,,見送り,予算がない,はい,"))
    challenge.refresh_from_db()
    assert (done.updated, challenge.status, challenge.status_reason) == (
        1,
        "deferred",
        "予算がない",
    )
    assert challenge.is_shared


def test_too_long_texts_and_counts_out_of_range_are_reported_per_row():
    """Checked before anything is written: on PostgreSQL a 201-character title used to reach
    the database (DataError, a 500 page), on SQLite it was stored as it was, and a new one was
    silently cut to 200 characters. Now each is a row of the report, and nothing is saved."""
    existing = add(title="既存の課題")
    long_title, long_affected = "あ" * 201, "い" * 201
    before = (AuditEntry.objects.count(), list(Challenge.objects.values().order_by("pk")))
    problems = _problems(
        _csv(
            f"{existing.pk},窓口,福祉課,{long_title},,,,,,,,,,,,",
            f",窓口,福祉課,新しい課題,,{long_affected},,,,,,,,,,",
            ",窓口,福祉課,人数の多すぎる課題,,,200000001,,,,,,,,,",
            ",窓口,福祉課,人数が負の課題,,,-1,,,,,,,,,",
            f",窓口,福祉課,{long_title},,,,,,,,,,,,",
            f",窓口,福祉課,{'う' * 200},,{'え' * 200},200000000,,,,,,,,,",  # fine: at the limits
        )
    )
    title_message = "課題は200文字以内で入力してください(今は201文字です)。"
    count_message = "0以上200000000以下の整数で入力してください。"
    assert problems == [
        (2, "課題", "あ" * 29 + "…", title_message),
        (
            3,
            "影響を受ける人",
            "い" * 29 + "…",
            "影響を受ける人は200文字以内で入力してください(今は201文字です)。",
        ),
        (4, "影響を受ける人数", "200000001", count_message),
        (5, "影響を受ける人数", "-1", count_message),
        (6, "課題", "あ" * 29 + "…", title_message),
    ]
    # the page answers with the report, never a server error
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "課題.csv", _csv(f"{existing.pk},窓口,福祉課,{long_title},,,,,,,,,,,,")
    )
    response = client_of("muni-admin-1").post(url("import"), {"file": upload})
    assert response.status_code == 400
    assert f"<td>{title_message}</td>" in response.content.decode()
    assert (AuditEntry.objects.count(), list(Challenge.objects.values().order_by("pk"))) == before


def test_sources_are_chosen_by_hand_and_a_linked_one_is_kept():
    from .dialogue_sample import make_record

    org = aoba()
    linked = add(org, "ヒアリングの課題", source_kind="dialogue", source_record=make_record(org))
    own = add(org, "職員の課題")
    body = excel.workbook(_user(), org)
    done = _import(body, "challenges.xlsx")  # 対話の記録 kept as it is: nothing to change
    assert (done.created, done.updated, done.unchanged) == (0, 0, 2)
    lists = _sheet(body)["選択肢"]
    assert [c.value for c in lists["G"] if c.value] == [
        "出どころの一覧",
        "職員の気づき",
        "アセスメント",
        "その他",
    ]
    allowed = "職員の気づき、アセスメント、その他"
    problems = _problems(
        _csv(
            ",窓口,福祉課,意見からの課題,,,,,,,,,,,,住民の意見",
            f"{own.pk},窓口,福祉課,職員の課題,,,,,,,,,,,,業務プロセス",
            f"{linked.pk},窓口,福祉課,ヒアリングの課題,,,,,,,,,,,,対話の記録",  # fine
        )
    )
    assert problems == [
        (
            2,
            "出どころ",
            "住民の意見",
            "出どころ「住民の意見」は、対話の記録・住民の意見・業務プロセスのページから課題を"
            f"作ると付きます。ここでは次のいずれかを選んでください: {allowed}",
        ),
        (
            3,
            "出どころ",
            "業務プロセス",
            "出どころ「業務プロセス」は、対話の記録・住民の意見・業務プロセスのページから課題を"
            f"作ると付きます。ここでは次のいずれかを選んでください: {allowed}",
        ),
    ]
    assert Challenge.objects.get(pk=own.pk).source_kind == "staff"


def test_a_challenge_with_a_measure_moves_among_measured_resolved_and_deferred():
    from chiikidx.plans import services as plan_services

    org = aoba()
    challenge = scored(org, "施策にした課題")
    plan = plan_services.create_plan(
        acting_user=admin_of(org), organization=org, title="計画", start_fy=2025, end_fy=2028
    )
    services.make_measure(acting_user=admin_of(org), challenge=challenge, plan=plan)
    services.set_status(
        acting_user=admin_of(org), challenge=challenge, status="resolved", reason="導入した"
    )
    problems = _problems(_csv(f"{challenge.pk},窓口,福祉課,施策にした課題,,,,,,,,,採択,,,"))
    assert problems == [
        (
            2,
            "状態",
            "採択",
            "施策になった課題は、「施策化」「解決」「見送り」の間で状態を変えます。"
            "変えられるのは: 施策化",
        )
    ]
    done = _import(_csv(f"{challenge.pk},窓口,福祉課,施策にした課題,,,,,,,,,施策化,,,"))
    challenge.refresh_from_db()
    assert (done.updated, challenge.status, challenge.measure.plan) == (1, "measured", plan)


def test_a_department_staff_member_imports_their_own_departments_rows_only():
    org = aoba()
    own = add(org, "福祉課の課題", dept="福祉課")
    other = add(org, "総務課の課題", dept="総務課")
    department(org, "総務課")
    problems = _problems(
        _csv(
            f"{own.pk},窓口,総務課,福祉課の課題,,,,,,,,,,,,",  # moved out of 福祉課
            f"{other.pk},窓口,総務課,総務課の課題,,,,5,,,,,,,,",  # another department's row
            ",窓口,総務課,総務課の新しい課題,,,,,,,,,,,,",
        ),
        user="dept-staff-1",
    )
    assert [(row, column) for row, column, _value, _message in problems] == [
        (2, "部署名"),
        (3, "ID"),
        (4, "部署名"),
    ]
    assert problems[1][3].startswith("この課題を変更する権限がありません。")
    # unchanged rows of other departments pass; their own rows are written
    done = _import(
        _csv(
            f"{own.pk},窓口,福祉課,福祉課の課題,,,,3,3,3,,,,,,",
            f"{other.pk},窓口,総務課,総務課の課題,,,,,,,,,,,,",
            ",福祉,福祉課,福祉課の新しい課題,,,,,,,,,,,,",
        ),
        user="dept-staff-1",
    )
    assert (done.created, done.updated, done.unchanged) == (1, 1, 1)


def test_unreadable_files_are_reported():
    with pytest.raises(tabular.TableFileError):
        _import(b"not a workbook", "challenges.xlsx")
    assert _problems(b"a,b\r\n1,2\r\n")[0][3].startswith("見出し行が見つかりません。")
    missing = _problems("ID,分野\r\n1,窓口\r\n".encode())
    assert missing[0][3].startswith("必須の列 「課題」 が見つかりません。")


# --- the page ----------------------------------------------------------------------------------


def test_the_page_shows_every_problem_as_a_table_and_saves_nothing():
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_of("muni-admin-1")
    assert "課題のファイル(Excel または CSV)" in client.get(url("import")).content.decode()
    upload = SimpleUploadedFile(
        "課題.csv", _csv(",窓口,福祉課,,,,,,,,,,,,,", ",窓口,,課題,,,,9,,,,,,,,")
    )
    response = client.post(url("import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "ファイルに 2 件の誤りがあります。何も保存していません。" in page
    assert '<th scope="row" class="num">2</th><td class="nowrap">課題</td>' in page
    assert '<td class="value">9</td><td>1以上5以下の整数で入力してください。</td>' in page
    good = SimpleUploadedFile("課題.csv", _csv(",窓口,福祉課,取り込んだ課題,,,,,,,,,,,,"))
    response = client.post(url("import"), {"file": good})
    assert response.status_code == 302 and response["Location"] == url("scoring")
    assert "課題を取り込みました: 追加 1件・更新 0件・変更なし 0件。" in (
        client.get(response["Location"]).content.decode()
    )
    missing = client.post(url("import"), {})
    assert missing.status_code == 400
    assert "取り込むファイル(Excel または CSV)を選んでください。" in missing.content.decode()


def test_those_who_change_nothing_cannot_import():
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client_of("executive-1").get(url("import")).content.decode()
    assert "取り込めません" in page and 'type="file"' not in page
    upload = SimpleUploadedFile("課題.csv", _csv(",窓口,福祉課,課題,,,,,,,,,,,,"))
    assert client_of("executive-1").post(url("import"), {"file": upload}).status_code == 403
    assert not Challenge.objects.exists()
