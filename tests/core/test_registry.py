import csv
import io

import pytest
from django.core.management import CommandError, call_command

from chiikidx.core import registry, tabular
from chiikidx.core.japanese import is_valid_lgcode
from chiikidx.core.models import AuditEntry, Organization, peer_group_for

pytestmark = pytest.mark.django_db


def test_every_local_government_is_loaded():
    real = Organization.objects.filter(is_demo=False)
    assert real.count() == 1963
    counts = {
        k: real.filter(kind=k).count() for k in real.values_list("kind", flat=True).distinct()
    }
    assert counts == {
        "prefecture": 47,
        "designated_city": 20,
        "city": 772,
        "town": 743,
        "village": 183,
        "special_ward": 23,
        "ward": 175,
    }


def test_every_code_has_a_valid_check_digit_and_links_resolve():
    for org in Organization.objects.select_related("prefecture", "parent"):
        assert is_valid_lgcode(org.code), org.code
        assert org.prefecture.code[:2] == org.code[:2]
        assert org.parent is None or org.parent.kind == "designated_city"


def test_registry_rows_keep_their_attributes():
    sapporo_chuo = Organization.objects.get(code="011011")
    assert sapporo_chuo.kind == "ward" and sapporo_chuo.parent.code == "011002"
    chiyoda = Organization.objects.get(code="131016")
    assert (chiyoda.name, chiyoda.kana, chiyoda.kind) == ("千代田区", "ちよだく", "special_ward")
    hokkaido = Organization.objects.get(code="010006")
    assert hokkaido.name_en == "Hokkaido" and hokkaido.url.startswith("https://")
    assert hokkaido.lat is not None and hokkaido.prefecture_id == hokkaido.pk


def test_loading_again_changes_nothing():
    entries = AuditEntry.objects.count()
    report = registry.load_registry()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1963)
    assert AuditEntry.objects.count() == entries


def test_load_registry_command_is_idempotent():
    out = io.StringIO()
    call_command("load_registry", stdout=out)
    assert "新規 0 件、更新 0 件" in out.getvalue()


def _registry_csv(rows, encoding="utf-8"):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            "code",
            "kind",
            "prefecture_code",
            "prefecture",
            "name",
            "kana",
            "name_en",
            "parent_code",
            "lat",
            "lng",
            "url",
        ]
    )
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def test_malformed_registry_reports_every_bad_row_and_loads_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        _registry_csv(
            [
                [
                    "970001",
                    "prefecture",
                    "97",
                    "試験県",
                    "試験県",
                    "しけんけん",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                ["972011", "city", "97", "試験県", "よい市", "よいし", "", "", "", "", ""],
                ["972012", "city", "97", "試験県", "桁違い市", "", "", "", "", "", ""],
                ["972029", "metropolis", "97", "試験県", "種別違い市", "", "", "", "", "", ""],
                ["972037", "city", "98", "試験県", "県違い市", "", "", "", "", "", ""],
                ["971014", "ward", "97", "試験県", "親なし区", "", "", "", "", "", ""],
                ["972045", "city", "97", "試験県", "", "", "", "", "", "", ""],
            ]
        )
    )
    before = Organization.objects.count()
    with pytest.raises(CommandError) as failure:
        call_command("load_registry", str(path))
    message = str(failure.value)
    for row, column in [
        (4, "団体コード"),
        (5, "種別"),
        (6, "都道府県コード"),
        (7, "親団体コード"),
        (8, "団体名"),
    ]:
        assert f"{row}行目「{column}」列" in message, message
    assert "何も保存していません" in message
    assert Organization.objects.count() == before
    assert not Organization.objects.filter(code="972011").exists()


def test_population_import_reads_cp932_fullwidth_and_wareki(tmp_path):
    text = "住民基本台帳人口(令和8年1月1日現在)\r\n団体コード,団体名,人口,基準日\r\n"
    text += '011002,札幌市,"１，９５８，０００",令和8年1月1日\r\n'
    text += "12025,函館市,２４３０００,R8.1.1\r\n"  # 5-digit code without check digit
    path = tmp_path / "population.csv"
    path.write_bytes(text.encode("cp932"))
    call_command("load_population", str(path), stdout=io.StringIO())
    sapporo, hakodate = (
        Organization.objects.get(code="011002"),
        Organization.objects.get(code="012025"),
    )
    assert sapporo.population == 1_958_000 and str(sapporo.population_date) == "2026-01-01"
    assert hakodate.population == 243_000
    assert sapporo.peer_group == "政令指定都市"  # designated cities keep their own group
    assert hakodate.peer_group == "人口20万〜50万人"
    entry = AuditEntry.objects.filter(
        model_label="core.Organization", object_id=str(hakodate.pk)
    ).first()  # newest first
    assert entry.after["population"] == 243_000 and entry.before["population"] is None


def test_bad_population_file_reports_every_row_and_changes_nothing(tmp_path):
    text = "団体コード,人口,基準日\n012025,243000,2026-01-01\n999999,100,2026-01-01\n"
    text += "012033,たくさん,2026-01-01\n012041,1000,令和99年13月1日\n"
    path = tmp_path / "population.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    with pytest.raises(CommandError) as failure:
        call_command("load_population", str(path))
    message = str(failure.value)
    assert "3行目「団体コード」列" in message
    assert "4行目「人口」列" in message
    assert "5行目「基準日」列" in message
    assert Organization.objects.get(code="012025").population is None


def test_population_xlsx_round_trip():
    rows = [
        {
            "code": "012025",
            "name": "函館市",
            "population": 243000,
            "population_date": __import__("datetime").date(2026, 1, 1),
        }
    ]
    data = tabular.write_xlsx(registry.POPULATION_COLUMNS, rows, title="人口")
    parsed = registry.read_population(data, "population.xlsx")
    assert parsed[0]["population"] == 243000 and parsed[0]["code"] == "012025"


@pytest.mark.parametrize(
    ("kind", "population", "group"),
    [
        ("town", None, "町"),
        ("town", 12_000, "人口1万〜3万人"),
        ("village", 900, "人口5千人未満"),
        ("city", 500_000, "人口50万人以上"),
        ("designated_city", 1_000_000, "政令指定都市"),
        ("ward", 200_000, "行政区"),
    ],
)
def test_peer_group_is_by_kind_until_population_then_by_band(kind, population, group):
    assert peer_group_for(kind, population) == group


def test_bootstrap_is_idempotent_and_prints_logins():
    out = io.StringIO()
    call_command("bootstrap", "--demo", stdout=out)
    text = out.getvalue()
    assert "新規 0 件、更新 0 件" in text
    assert "pref-admin" in text and "muni-staff-2" in text and "chiikidx-demo" in text
