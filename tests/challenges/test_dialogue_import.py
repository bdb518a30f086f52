"""Resident survey import: UTF-8, UTF-8 with BOM, CP932 and Excel; 全角 digits and 年代 written
one way; every bad row reported and nothing saved; name and contact columns refused; numbers
continuing after the record's; the bulk insert audited with a query count that does not grow
with the rows; the template."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from chiikidx.challenges.dialogue import importer
from chiikidx.core import access, tabular
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError

from .dialogue_sample import add_opinion, make_record

pytestmark = pytest.mark.django_db

AOBA = "992011"
HEADER = "番号,意見,年代,地区,回答方法\r\n"


@pytest.fixture
def survey(org_coded):
    return make_record(org_coded(AOBA), title="市民アンケート")


@pytest.fixture
def staff(user_named):
    return user_named("muni-staff-1")


def csv_bytes(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


def run(survey, staff, data: bytes, name="survey.csv") -> int:
    return importer.import_file(acting_user=staff, record=survey, data=data, filename=name)


def rows_of(survey):
    return list(
        survey.opinions.order_by("number").values_list(
            "number", "text", "age_band", "area", "attributes"
        )
    )


def test_utf8_csv_appends_opinions_numbered_after_the_existing_ones(survey, staff):
    add_opinion(survey, text="先に入力した意見")  # number 1
    data = csv_bytes(HEADER + ",窓口が混む,30代,北地区,Web\r\n,バスが少ない,,南地区,紙\r\n")
    assert run(survey, staff, data) == 2
    assert rows_of(survey)[1:] == [
        (2, "窓口が混む", "30代", "北地区", {"回答方法": "Web"}),
        (3, "バスが少ない", "", "南地区", {"回答方法": "紙"}),
    ]


def test_bom_csv_keeps_the_files_numbers_and_continues_after_the_largest(survey, staff):
    data = b"\xef\xbb\xbf" + csv_bytes(
        "意見,番号,職業\r\n手続が分かりにくい,10,会社員\r\n子育ての情報がほしい,,\r\n"
    )
    assert run(survey, staff, data) == 2
    assert rows_of(survey) == [
        (10, "手続が分かりにくい", "", "", {"職業": "会社員"}),
        (11, "子育ての情報がほしい", "", "", {}),
    ]


def test_cp932_with_full_width_digits_and_age_bands_written_one_way(survey, staff):
    text = (
        "番号,ご意見,年代,お住まいの地区\r\n"
        "１,窓口が混む,３０代,北地区\r\n"
        "２,バスが少ない,30歳代,南地区\r\n"
        "３,避難所が分からない,20〜29歳,東地区\r\n"
        "４,スマホが苦手,80歳以上,西地区\r\n"
        "５,健診の予約が大変,４５,中央地区\r\n"
        "６,ごみの分別が難しい,無回答,北地区\r\n"
        "７,学校の連絡が紙,高校生,北地区\r\n"
    )
    assert run(survey, staff, csv_bytes(text, "cp932")) == 7
    assert [(n, age) for n, _t, age, _a, _x in rows_of(survey)] == [
        (1, "30代"),
        (2, "30代"),
        (3, "20代"),
        (4, "80代以上"),
        (5, "40代"),
        (6, ""),
        (7, "高校生"),
    ]


def test_age_bands():
    normalize = importer.normalize_age_band
    assert normalize("30代前半") == "30代" and normalize("７０代以上") == "70代以上"
    assert normalize(9) == "10歳未満" and normalize("10歳未満") == "10歳未満"
    assert normalize("20から29歳") == "20代" and normalize("不明") == ""
    with pytest.raises(ValueError, match="0から120までの年齢"):
        normalize(130)


def test_a_tab_separated_file_whose_header_has_commas(survey, staff):
    """The header is split as core.tabular splits the file: on tabs here, although a label
    holds as many commas (split on commas, the attribute column would be lost)."""
    data = csv_bytes("意見\t年代\t回答方法(Web,紙,郵送)\r\n窓口が混む\t30代\tWeb\r\n")
    assert run(survey, staff, data, name="survey.tsv") == 1
    assert rows_of(survey) == [(1, "窓口が混む", "30代", "", {"回答方法(Web,紙,郵送)": "Web"})]


def test_excel_with_a_title_row(survey, staff):
    book = Workbook()
    sheet = book.active
    sheet.append(["令和7年度 市民アンケート 自由記述"])
    sheet.append(["No.", "自由記述", "年代", "地区", "回答方法"])
    sheet.append([1, "窓口の待ち時間が長い", "40代", "北地区", "窓口"])
    sheet.append([2, "電子申請を増やしてほしい", 34, "南地区", "Web"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert run(survey, staff, buffer.getvalue(), "survey.xlsx") == 2
    assert rows_of(survey) == [
        (1, "窓口の待ち時間が長い", "40代", "北地区", {"回答方法": "窓口"}),
        (2, "電子申請を増やしてほしい", "30代", "南地区", {"回答方法": "Web"}),
    ]


def test_every_bad_row_is_reported_and_nothing_is_saved(survey, staff):
    add_opinion(survey, text="先に入力した意見")  # number 1
    long_text = "あ" * 4001
    data = csv_bytes(
        HEADER
        + ",窓口が混む,30代,北地区,Web\r\n"  # row 2: fine
        + ",,30代,北地区,Web\r\n"  # row 3: no 意見
        + f",{long_text},40代,南地区,Web\r\n"  # row 4: too long
        + "5,バスが少ない,50代,東地区,紙\r\n"  # row 5: fine
        + "5,同じ番号,50代,東地区,紙\r\n"  # row 6: 番号 repeated in the file
        + "1,番号がすでにある,50代,東地区,紙\r\n"  # row 7: the record has 1
        + ",年代が長い,"
        + "とても長い年代の書き方" * 3
        + ",東地区,紙\r\n"  # row 8
        + "x,番号が数でない,20代,西地区,紙\r\n"  # row 9
        + ",属性が長い,20代,西地区,"
        + "い" * 201
        + "\r\n"  # row 10
    )
    before = (AuditEntry.objects.count(), survey.opinions.count())
    with pytest.raises(tabular.TableImportError) as failed:
        run(survey, staff, data)
    found = [(e.row, e.column) for e in failed.value.errors]
    assert found == [
        (3, "意見"),
        (4, "意見"),
        (6, "番号"),
        (7, "番号"),
        (8, "年代"),
        (9, "番号"),
        (10, "回答方法"),
    ]
    messages = {(e.row, e.column): e for e in failed.value.errors}
    assert messages[(3, "意見")].message == "必須項目です。「意見」を入力してください。"
    assert "4000文字以内" in messages[(4, "意見")].message
    assert messages[(4, "意見")].value.endswith("…")  # the value, shortened
    assert messages[(6, "番号")].message.startswith("5行目と同じ値です")
    assert "番号1の意見がすでにあります" in messages[(7, "番号")].message
    assert messages[(9, "番号")].value == "x"
    assert "200文字以内" in messages[(10, "回答方法")].message
    assert (AuditEntry.objects.count(), survey.opinions.count()) == before


@pytest.mark.parametrize(
    "column", ["氏名", "お名前", "回答者名", "住所", "電話番号", "メールアドレス", "TEL"]
)
def test_a_name_or_contact_column_is_refused(survey, staff, column):
    data = csv_bytes(f"意見,{column},年代\r\n窓口が混む,値,30代\r\n")
    with pytest.raises(tabular.TableImportError) as failed:
        run(survey, staff, data)
    (error,) = failed.value.errors
    assert (error.row, error.column) == (1, column)
    assert "氏名や連絡先のような、個人を特定できる列は取り込めません" in error.message
    assert "この列を削除してから" in error.message
    assert survey.opinions.count() == 0


def test_a_file_without_the_opinion_column_or_rows(survey, staff):
    with pytest.raises(tabular.TableImportError) as failed:
        run(survey, staff, csv_bytes("感想,年代\r\nよい,30代\r\n"))
    (error,) = failed.value.errors
    assert error.message == (
        "必須の列 「意見」 が見つかりません。見出し行にある列: 「感想」、「年代」。"
        "列名を確認してください。"
    )
    with pytest.raises(tabular.TableFileError, match="取り込む意見がありません"):
        run(survey, staff, csv_bytes("意見,年代\r\n"))


def test_only_survey_like_records_take_a_file(org_coded, staff):
    hearing = make_record(org_coded(AOBA), kind="hearing", title="住民課ヒアリング")
    with pytest.raises(
        ServiceError, match="住民アンケート・住民ワークショップ・パブリックコメント"
    ):
        run(hearing, staff, csv_bytes("意見\r\n窓口が混む\r\n"))


def test_the_import_is_audited_and_its_query_count_does_not_grow_with_rows(
    org_coded, staff, django_assert_num_queries
):
    def body(n, start=0):
        lines = [f",意見{start + i},{10 * (i % 7 + 1)}代,地区{i % 5},Web" for i in range(n)]
        return csv_bytes(HEADER + "\r\n".join(lines) + "\r\n")

    small, big = (make_record(org_coded(AOBA), title=t) for t in ("小さな調査", "大きな調査"))
    add_opinion(big)
    access.grants(staff)  # the user's rights, read once per request
    with CaptureQueriesContext(connection) as captured:
        run(small, staff, body(3))
    # the record locked, its numbers, the chain head, the insert of the opinions, their audit
    # entries, the head again, and two savepoints set and released (for 3 rows as for 100)
    with django_assert_num_queries(len(captured)):
        assert run(big, staff, body(100)) == 100
    assert len(captured) == 10
    entries = AuditEntry.objects.filter(model_label="challenges.Opinion").order_by("-seq")[:100]
    assert {(e.action, e.actor_name, e.organization_id) for e in entries} == {
        ("create", "muni-staff-1", big.organization_id)
    }
    assert list(big.opinions.order_by("number").values_list("number", flat=True)) == list(
        range(1, 102)
    )


# --- the pages ------------------------------------------------------------------------------


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_import_page_reports_every_problem_in_a_table(survey, staff):
    client = client_of(staff)
    address = reverse("challenges:dialogue_import", args=[AOBA, survey.pk])
    page = client.get(address).content.decode()
    assert "テンプレート(Excel)" in page and "氏名・名前・住所" in page
    bad = SimpleUploadedFile("survey.csv", csv_bytes("意見,年代,氏名\r\n,30代,青葉太郎\r\n"))
    response = client.post(address, {"file": bad})
    html = response.content.decode()
    assert response.status_code == 400
    assert "ファイルに 2 件の誤りがあります。何も保存していません。" in html
    assert "個人を特定できる列は取り込めません" in html and "必須項目です" in html
    assert "青葉太郎" not in html  # the refused column's values are not echoed
    good = SimpleUploadedFile("survey.csv", csv_bytes(HEADER + ",窓口が混む,30代,北地区,Web\r\n"))
    response = client.post(address, {"file": good}, follow=True)
    assert "意見を1件取り込みました。" in response.content.decode()
    assert survey.opinions.count() == 1


def test_the_template_round_trips(survey, staff):
    client = client_of(staff)
    address = reverse("challenges:dialogue_import_template", args=[AOBA])
    xlsx = client.get(address)
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    result = tabular.read_table(xlsx.content, "t.xlsx", importer.COLUMNS)
    assert result.present == {"number", "text", "age_band", "area"} and result.rows == []
    csv = client.get(address + "?format=csv")
    assert csv.content.startswith(b"\xef\xbb\xbf\xe7\x95\xaa\xe5\x8f\xb7")  # BOM + 番号
    filled = csv.content + "1,窓口が混む,３０代,北地区,Web\r\n".encode()
    assert run(survey, staff, filled) == 1
