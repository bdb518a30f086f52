"""Steps from Excel and CSV (UTF-8, UTF-8 with BOM, CP932; 全角 digits; the Japanese labels of
種類・媒体・行う人): every row checked, every bad row reported with its row, column, value and
reason, nothing saved when one is bad; the export reads back; the quick entry's lines."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chiikidx.challenges.models import ProcessStep
from chiikidx.challenges.processes import excel, queries
from chiikidx.core import tabular
from chiikidx.core.models import AuditEntry

from ..plans.sample import admin_of
from .process_sample import make_process, sample_process, sample_step

pytestmark = pytest.mark.django_db

AOBA = "992011"
GOOD = (
    "順番,手順,種類,媒体,時間(分),行う人,担当(係・役職など)\n"
    "２,届出書の受付,受付,窓口,３,職員,住民記録係\n"
    "1,転入届の記入,記入,紙,１０,住民,\n"
    "3,住基システムに入力,入力,電子,8.5,,\n"
    "4,届出書の保管,,紙,,委託,\n"
)


def client_of(username):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def upload(client, process, name, content, replace="0"):
    address = reverse("challenges:process_import", args=[AOBA, process.pk])
    return client.post(address, {"file": SimpleUploadedFile(name, content), "replace": replace})


def rows(process):
    return list(
        process.steps.order_by("order").values_list(
            "order", "name", "step_type", "medium", "minutes", "performer", "performer_note"
        )
    )


@pytest.fixture
def empty(org_coded):
    return make_process(org_coded(AOBA), name="転入届", steps=[])


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.encode("cp932"),
    ],
    ids=["utf-8", "utf-8-bom", "cp932"],
)
def test_a_good_csv_in_any_encoding(empty, encode):
    response = upload(client_of("muni-staff-1"), empty, "steps.csv", encode(GOOD))
    assert response.status_code == 302
    assert rows(empty) == [
        (1, "転入届の記入", "fill", "paper", 10, "resident", ""),
        (2, "届出書の受付", "receive", "in_person", 3, "staff", "住民記録係"),
        (3, "住基システムに入力", "input", "digital", 8.5, "staff", ""),
        (4, "届出書の保管", "store", "paper", 0, "contractor", ""),  # type from the name
    ]


def test_every_bad_row_is_reported_and_nothing_saved(empty):
    bad = (
        "手順,種類,媒体,時間(分),行う人\n"
        "届出書の受付,受け取り,対面,3,職員\n"  # 2: unknown type
        ",受付,紙,1,職員\n"  # 3: no name
        "本人確認,本人確認,手紙,-1,職員\n"  # 4: medium and minutes
        "入力,入力,電子,2.25,ロボット\n"  # 5: minutes' places and performer
        "決裁,決裁,紙,1,職員\n"  # 6: fine
    )
    before = AuditEntry.objects.count()
    response = upload(client_of("muni-staff-1"), empty, "steps.csv", bad.encode("cp932"))
    assert response.status_code == 400
    page = response.content.decode()
    for expected in [
        "ファイルに 6 件の誤りがあります。何も保存していません。",
        "2行目「種類」列: 値「受け取り」— 選べない値です",
        "3行目「手順」列: 必須項目です",
        "4行目「媒体」列: 値「手紙」",
        "4行目「時間(分)」列: 値「-1」— 時間(分)は0以上",
        "5行目「時間(分)」列: 値「2.25」— 時間(分)は小数点以下1桁まで",
        "5行目「行う人」列: 値「ロボット」",
    ]:
        assert expected in page, expected
    assert empty.steps.count() == 0 and AuditEntry.objects.count() == before


def test_a_file_without_the_required_columns(empty):
    response = upload(client_of("muni-staff-1"), empty, "steps.csv", "名前,分\nA,1\n".encode())
    assert response.status_code == 400
    assert (
        "1行目: 必須の列 「手順」、「媒体」 が見つかりません。見出し行にある列: 「名前」、「分」。"
        in response.content.decode()
    )
    assert empty.steps.count() == 0


def test_the_export_reads_back(org_coded, empty):
    source = sample_process(org_coded(AOBA))
    staff = client_of("muni-staff-1")
    exported = staff.get(reverse("challenges:process_excel", args=[AOBA, source.pk]))
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet["A1"].value == "業務プロセス「児童手当の認定請求」の手順(年間1,200件)"
    assert [c.value for c in sheet[2]][:7] == [
        "順番",
        "手順",
        "種類",
        "媒体",
        "時間(分)",
        "行う人",
        "担当(係・役職など)",
    ]
    response = upload(staff, empty, "steps.xlsx", exported.content)
    assert response.status_code == 302
    assert [r[1:] for r in rows(empty)] == [r[1:] for r in rows(source)]


def test_append_and_replace(org_coded):
    process = sample_process(org_coded(AOBA))
    staff = client_of("muni-staff-1")
    upload(staff, process, "more.csv", "手順,媒体\n通知書の発送,紙\n".encode())
    assert rows(process)[-1][:4] == (6, "通知書の発送", "notify", "paper")
    upload(staff, process, "new.csv", "手順,媒体\n申請の受付,電子\n".encode(), replace="1")
    assert [r[1] for r in rows(process)] == ["申請の受付"]


def test_replacing_keeps_a_step_a_challenge_was_made_from(org_coded):
    process = sample_process(org_coded(AOBA))
    staff = client_of("muni-staff-1")
    step = sample_step(process.organization)
    staff.post(reverse("challenges:process_step_challenge", args=[AOBA, process.pk, step.pk]))
    response = upload(staff, process, "new.csv", "手順,媒体\n申請の受付,電子\n".encode(), "1")
    assert response.status_code == 400
    assert "課題の出どころのため削除できません" in response.content.decode()
    assert process.steps.count() == 5


def test_only_writers_import(org_coded):
    process = sample_process(org_coded(AOBA))
    response = upload(client_of("executive-1"), process, "steps.csv", GOOD.encode())
    assert response.status_code == 403 and process.steps.count() == 5


def test_the_quick_entry_lines():
    steps = excel.parse_lines(
        "手順, 種類, 媒体, 分, 行う人\n"  # a header pasted along is skipped
        "転入届の記入，記入，紙，１０，住民\n"  # 全角 commas and digits
        "届出書の受付\t\t対面\t3\t\t住民記録係\n"  # tabs from Excel; type from the name
    )
    assert [(s.name, s.step_type, s.medium, s.minutes, s.performer) for s in steps] == [
        ("転入届の記入", "fill", "paper", 10, "resident"),
        ("届出書の受付", "receive", "in_person", 3, "staff"),
    ]
    assert steps[1].performer_note == "住民記録係"
    with pytest.raises(tabular.TableImportError) as failed:
        excel.parse_lines("受付, 受付\n記入,記入,紙,1,2,3,4\n")
    assert [str(e) for e in failed.value.errors] == [
        "1行目「媒体」列: 媒体(紙・電子・対面・電話)を3番目に書いてください。",
        "2行目: 区切りが多すぎます。「手順, 種類, 媒体, 分, 行う人, 担当」の順に、"
        "6項目までで書いてください(手順の名前にカンマは使えません)。",
    ]


def test_guessing_the_type_from_the_name():
    assert [
        excel.guess_type(n)
        for n in (
            "本人確認書類の確認",
            "台帳への転記",
            "住基システムに入力",
            "申請書の受付",
            "保管庫へ",
        )
    ] == ["identify", "transcribe", "input", "receive", "store"]
    assert excel.guess_type("打ち合わせ") == "other"


def test_the_analysis_workbook(org_coded):
    aoba = org_coded(AOBA)
    sample_process(aoba)
    make_process(aoba, name="転入届")
    book = load_workbook(
        io.BytesIO(
            excel.analysis_xlsx(aoba, queries.with_data(queries.processes_of(aoba, admin_of(aoba))))
        )
    )
    assert book.sheetnames == ["業務の一覧", "改善の候補", "共通の手順", "手順の種類別", "媒体別"]
    listing = book["業務の一覧"]
    assert [c.value for c in listing[3]][:7] == [
        "児童手当の認定請求",
        "児童手当の認定請求",
        "福祉課",
        1200,
        5,
        28,
        560,
    ]
    # both processes have the same five steps: each one is shared
    assert book["共通の手順"].max_row == 2 + 5
    assert ProcessStep.objects.filter(process__organization=aoba).count() == 10
