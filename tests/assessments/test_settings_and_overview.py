"""The prefecture's disclosure setting, and the overview of a round: filters, sorting, the Excel
export of the table as shown and the same numbers through the API."""

import datetime
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from chiikidx.assessments import queries, services
from chiikidx.assessments.models import PrefectureSettings, Response
from chiikidx.core import services as core_services
from chiikidx.core.models import AuditEntry

from .conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db

HEADERS = ["団体コード", "市町村", "種別", "類似団体グループ", "地域", "総合スコア", "前回との差"]
# The world's 地域区分 (core/demo.py REGIONS) of the municipalities scored below.
REGION_OF = {
    "992011": "県央",  # あおば市
    "992020": "県央",  # さくら台市
    "992038": "県北",  # ひかり市
    "993026": "県北",  # こもれび町
    "993018": "沿岸",  # わかば町
}
LEVELS = {"992011": "3", "993018": "1", "992020": "4", "992038": "2", "993026": "0"}


def _submit(round_, code, overrides, user):
    response = Response.objects.get(round=round_, organization__code=code)
    services.save_answers(acting_user=user, response=response, raw=FULL_ANSWERS | overrides)
    return services.submit(acting_user=user, response=response)


@pytest.fixture
def scored_round(sample_round, user_named):
    for code, level in LEVELS.items():
        _submit(sample_round, code, {"L1": level}, user_named("root"))
    return sample_round


@pytest.fixture
def earlier_round(sample_version, user_named, org_coded):
    """The previous year's round of the same framework: everyone answered L1 = 2, then closed."""
    survey = services.open_round(
        acting_user=user_named("pref-admin"),
        prefecture=org_coded("990001"),
        version=sample_version,
        title="令和6年度",
        fiscal_year=2024,
        opens_on=datetime.date(2024, 6, 1),
        due_on=datetime.date(2024, 7, 31),
    )
    for code in LEVELS:
        _submit(survey, code, {"L1": "2"}, user_named("root"))
    return services.close_round(acting_user=user_named("pref-admin"), round_=survey)


def overview_url(round_, query=""):
    return f"/o/990001/assessments/rounds/{round_.pk}/overview/" + (f"?{query}" if query else "")


def excel_url(round_, query=""):
    return f"/o/990001/assessments/rounds/{round_.pk}/overview/excel/" + (
        f"?{query}" if query else ""
    )


def sheet_rows(download):
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


# --- disclosure setting -------------------------------------------------------------------


def test_settings_default_to_names_without_writing(org_coded):
    prefecture = org_coded("990001")
    found = queries.settings_of(prefecture.pk)
    assert found.disclosure == "names" and found.pk is None
    assert not PrefectureSettings.objects.filter(organization=prefecture).exists()


def test_saving_settings_is_audited_and_unchanged_saves_write_nothing(user_named, org_coded):
    prefecture, admin = org_coded("990001"), user_named("pref-admin")
    saved = services.save_settings(acting_user=admin, prefecture=prefecture, disclosure="anonymous")
    assert queries.settings_of(prefecture.pk).disclosure == "anonymous"
    services.save_settings(acting_user=admin, prefecture=prefecture, disclosure="anonymous")
    services.save_settings(acting_user=admin, prefecture=prefecture, disclosure="none")
    assert PrefectureSettings.objects.filter(organization=prefecture).count() == 1
    entries = list(
        AuditEntry.objects.filter(
            model_label="assessments.PrefectureSettings", object_id=str(saved.pk)
        ).order_by("seq")
    )
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].after["disclosure"] == "anonymous"
    assert (entries[1].before, entries[1].after) == (
        {"disclosure": "anonymous"},
        {"disclosure": "none"},
    )
    assert {e.actor_name for e in entries} == {"pref-admin"}
    assert {e.organization_id for e in entries} == {prefecture.pk}
    assert queries.settings_of(org_coded("980005").pk).disclosure == "names"  # other tenant


def test_settings_page_saves_and_the_home_shows_the_choice(client, user_named):
    client.force_login(user_named("pref-admin"))
    home = client.get("/o/990001/assessments/").content.decode()
    assert "団体名とスコアを表示" in home and "/o/990001/assessments/settings/" in home
    page = client.get("/o/990001/assessments/settings/")
    assert page.status_code == 200 and page.context["form"].initial == {"disclosure": "names"}
    saved = client.post("/o/990001/assessments/settings/", {"disclosure": "anonymous"}, follow=True)
    assert saved.redirect_chain == [("/o/990001/assessments/", 302)]
    assert [str(m) for m in saved.context["messages"]] == [
        "設定を保存しました。すべての調査回に適用されます。"
    ]
    assert "スコアのみ(団体名は伏せる)" in saved.content.decode()
    page = client.get("/o/990001/assessments/settings/")
    assert page.context["form"].initial == {"disclosure": "anonymous"}


def test_settings_page_refuses_an_unknown_choice(client, user_named, org_coded):
    client.force_login(user_named("pref-admin"))
    page = client.post("/o/990001/assessments/settings/", {"disclosure": "everyone"})
    assert page.status_code == 400
    assert "正しく選択してください。 everyone は候補にありません。" in page.content.decode()
    assert queries.settings_of(org_coded("990001").pk).disclosure == "names"


def test_only_prefecture_admins_change_the_setting(client, user_named, org_coded):
    client.force_login(user_named("pref-staff"))
    home = client.get("/o/990001/assessments/").content.decode()
    assert "団体名とスコアを表示" in home and "/o/990001/assessments/settings/" not in home
    assert client.post("/o/990001/assessments/settings/", {"disclosure": "none"}).status_code == 403
    client.force_login(user_named("muni-admin-1"))
    assert client.get("/o/992011/assessments/settings/").status_code == 404
    assert client.post("/o/990001/assessments/settings/", {"disclosure": "none"}).status_code in (
        403,
        404,
    )
    assert not PrefectureSettings.objects.filter(organization=org_coded("990001")).exists()


# --- overview -----------------------------------------------------------------------------


def test_world_regions_are_those_of_the_demo(scored_round):
    regions = dict(
        Response.objects.filter(round=scored_round, organization__code__in=REGION_OF).values_list(
            "organization__code", "organization__region"
        )
    )
    assert regions == REGION_OF


def test_overview_filters_by_region_and_averages_the_rows_shown(client, scored_round, user_named):
    client.force_login(user_named("pref-staff"))
    whole = client.get(overview_url(scored_round)).context["overview"]
    assert whole["regions"] == sorted(set(REGION_OF.values())) and not whole["filtered"]
    page = client.get(overview_url(scored_round, "region=県北"))
    built = page.context["overview"]
    assert [r.code for r in built["rows"]] == ["992038", "993026"]
    assert built["filtered"] and built["regions"] == whole["regions"]  # choices stay
    width = len(built["axes"])
    expected = [f"{sum(r.scores[i] for r in built['rows']) / 2:.2f}" for i in range(width)]
    assert built["averages"] == expected and built["averages"] != whole["averages"]
    body = page.content.decode()
    assert "平均(表示中の団体)" in body and '<option value="県北" selected>' in body
    assert "さくら台市" not in body.split("市町村ごとのスコア(表)")[1]


def test_overview_says_when_a_filter_leaves_nothing(client, scored_round, user_named):
    client.force_login(user_named("pref-staff"))
    page = client.get(overview_url(scored_round, "region=県南"))
    body = page.content.decode()
    assert page.context["overview"]["rows"] == []
    assert "条件に合う市町村はありません。絞り込みを外してください。" in body
    assert "提出された回答はまだありません。" not in body
    assert page.context["overview"]["averages"] == ["—"] * len(page.context["overview"]["axes"])


def test_overview_of_a_round_without_answers(client, sample_round, user_named):
    client.force_login(user_named("pref-staff"))
    page = client.get(overview_url(sample_round))
    body = page.content.decode()
    assert "提出された回答はまだありません。" in body
    assert "条件に合う市町村はありません" not in body


def test_overview_sorts_by_region_with_the_unassigned_last(
    client, scored_round, user_named, org_coded
):
    core_services.set_regions(
        acting_user=user_named("pref-admin"), prefecture=org_coded("990001"), regions={"992020": ""}
    )
    client.force_login(user_named("pref-staff"))
    built = client.get(overview_url(scored_round, "sort=region")).context["overview"]
    assigned = sorted((REGION_OF[c], c) for c in LEVELS if c != "992020")
    assert [(r.region, r.code) for r in built["rows"]] == [*assigned, ("", "992020")]
    assert built["regions"] == sorted({REGION_OF[c] for c in LEVELS if c != "992020"})


def test_overview_rows_carry_preformatted_cells(
    client, scored_round, earlier_round, user_named, org_coded
):
    client.force_login(user_named("pref-staff"))
    built = client.get(overview_url(scored_round, "sort=change")).context["overview"]
    sakura = next(r for r in built["rows"] if r.code == "992020")
    before = Response.objects.get(round=earlier_round, organization__code="992020").overall_score
    assert sakura.change == round(sakura.overall - float(before), 2)
    assert sakura.change > 0 and sakura.change_text == f"+{sakura.change:.1f}"
    komorebi = next(r for r in built["rows"] if r.code == "993026")
    assert komorebi.change < 0 and komorebi.change_text == f"{komorebi.change:.1f}"
    assert built["rows"][0].code == "993026"  # fell the most
    assert sakura.overall_text == f"{sakura.overall:.2f}"
    cells = "".join(f'<td class="num">{v:.2f}</td>' for v in sakura.scores)
    assert cells in sakura.html("/report/", (sakura.peer_group,))
    fresh = services.open_round(
        acting_user=user_named("pref-admin"),
        prefecture=org_coded("990001"),
        version=scored_round.version,
        title="追加",
        fiscal_year=2025,
        opens_on=datetime.date(2025, 9, 1),
        due_on=datetime.date(2025, 9, 30),
    )
    response = _submit(fresh, "992011", {}, user_named("root"))
    Response.objects.filter(pk=response.pk).update(overall_score=None)
    row = client.get(overview_url(fresh)).context["overview"]["rows"][0]
    assert (row.overall_text, row.change_text) == ("—", "—")


def test_cancelled_previous_round_gives_no_change(client, scored_round, earlier_round, user_named):
    client.force_login(user_named("pref-staff"))
    assert all(
        r.change is not None
        for r in client.get(overview_url(scored_round)).context["overview"]["rows"]
    )
    services.cancel_round(acting_user=user_named("pref-admin"), round_=earlier_round, reason="誤り")
    rows = client.get(overview_url(scored_round)).context["overview"]["rows"]
    assert all(r.change is None and r.change_text == "—" for r in rows)


def test_overview_excel_is_the_table_as_shown_with_its_averages(
    client, scored_round, earlier_round, user_named
):
    client.force_login(user_named("pref-staff"))
    for query in ("", "region=県北&sort=overall", "kind=town", "sort=region"):
        page = client.get(overview_url(scored_round, query))
        built = page.context["overview"]
        rows = sheet_rows(client.get(excel_url(scored_round, query)))
        assert rows[0][0] == f"{scored_round.title} 結果の一覧"
        assert rows[1] == HEADERS + [a.title for a in built["axes"]]
        body, average = rows[2:-1], rows[-1]
        assert [r[0] for r in body] == [r.code for r in built["rows"]], query
        for line, shown in zip(body, built["rows"], strict=True):
            assert line[1:5] == [
                shown.name,
                _kind_label(shown.kind),
                shown.peer_group,
                shown.region,
            ]
            assert line[5] == shown.overall
            assert line[6] == shown.change
            assert line[7:] == shown.scores
        assert average[:7] == [None, "平均", None, None, None, None, None]
        assert [f"{v:.2f}" for v in average[7:]] == built["averages"]


def _kind_label(kind):
    from chiikidx.core.choices import OrgKind

    return str(OrgKind(kind).label)


def test_overview_excel_of_a_filter_that_leaves_nothing(client, scored_round, user_named):
    client.force_login(user_named("pref-staff"))
    rows = sheet_rows(client.get(excel_url(scored_round, "region=県南")))
    assert len(rows) == 3 and rows[2][1] == "平均" and set(rows[2][7:]) == {None}


def test_overview_excel_shows_only_what_the_user_sees(client, scored_round, user_named):
    client.force_login(
        user_named("liaison")
    )  # assigned to あおば市, わかば町, こもれび町, ほたる村
    rows = sheet_rows(client.get(excel_url(scored_round)))
    assert [r[0] for r in rows[2:-1]] == ["992011", "993018", "993026"]


def test_overview_page_links_to_the_export_with_the_same_filters(client, scored_round, user_named):
    client.force_login(user_named("pref-staff"))
    body = client.get(overview_url(scored_round, "region=県北&sort=overall")).content.decode()
    assert f'href="{excel_url(scored_round)}?region=%E7%9C%8C%E5%8C%97&amp;sort=overall"' in body


def test_api_overview_has_the_numbers_of_the_page(client, scored_round, earlier_round, user_named):
    client.force_login(user_named("pref-staff"))
    built = client.get(overview_url(scored_round)).context["overview"]
    api = APIClient()
    api.force_authenticate(user_named("pref-staff"))
    data = api.get(f"/api/v1/assessment-rounds/{scored_round.pk}/overview/").json()
    assert data["dimensions"] == [{"code": a.code, "title": a.title} for a in built["axes"]]
    assert [r["organization_code"] for r in data["rows"]] == [r.code for r in built["rows"]]
    for row, shown in zip(data["rows"], built["rows"], strict=True):
        assert row["response"] == shown.id and row["name"] == shown.name
        assert (row["peer_group"], row["region"]) == (shown.peer_group, shown.region)
        assert row["overall_score"] == shown.overall_text
        assert row["change"] == (None if shown.change is None else f"{shown.change:.2f}")
        assert [row["scores"][a.code] for a in built["axes"]] == [f"{v:.2f}" for v in shown.scores]
    assert [data["averages"][a.code] for a in built["axes"]] == built["averages"]
    assert all(isinstance(v, str) for v in data["averages"].values())


def test_api_overview_is_limited_to_what_the_user_sees(scored_round, user_named):
    api = APIClient()
    api.force_authenticate(user_named("liaison"))
    data = api.get(f"/api/v1/assessment-rounds/{scored_round.pk}/overview/").json()
    assert [r["organization_code"] for r in data["rows"]] == ["992011", "993018", "993026"]
    api.force_authenticate(user_named("t-pref-admin"))
    assert api.get(f"/api/v1/assessment-rounds/{scored_round.pk}/overview/").status_code == 404


# --- query counts: the same whatever the number of municipalities -------------------------


@pytest.fixture
def everyone_answered(scored_round, earlier_round, user_named):
    root = user_named("root")
    for response in Response.objects.filter(round=scored_round, status="draft"):
        _submit(scored_round, response.organization.code, {}, root)
    return scored_round


OVERVIEW_QUERIES = 12  # with a previous round; the same for 5 or 24 municipalities
EXCEL_QUERIES = 11


@pytest.mark.parametrize("query", ["", "region=県北&sort=region"])
def test_overview_page_query_count(
    client, scored_round, earlier_round, user_named, django_assert_max_num_queries, query
):
    client.force_login(user_named("pref-staff"))
    client.get(overview_url(scored_round, query))
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        assert client.get(overview_url(scored_round, query)).status_code == 200


def test_overview_page_query_count_with_every_municipality(
    client, everyone_answered, user_named, django_assert_max_num_queries
):
    client.force_login(user_named("pref-staff"))
    client.get(overview_url(everyone_answered))
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        page = client.get(overview_url(everyone_answered, "sort=region"))
    assert len(page.context["overview"]["rows"]) == 24


@pytest.mark.parametrize("query", ["", "region=県北&sort=region"])
def test_overview_excel_query_count(
    client, scored_round, earlier_round, user_named, django_assert_max_num_queries, query
):
    client.force_login(user_named("pref-staff"))
    client.get(excel_url(scored_round, query))
    with django_assert_max_num_queries(EXCEL_QUERIES):
        assert client.get(excel_url(scored_round, query)).status_code == 200


def test_overview_excel_query_count_with_every_municipality(
    client, everyone_answered, user_named, django_assert_max_num_queries
):
    client.force_login(user_named("pref-staff"))
    client.get(excel_url(everyone_answered))
    with django_assert_max_num_queries(EXCEL_QUERIES):
        rows = sheet_rows(client.get(excel_url(everyone_answered)))
    assert len(rows) == 2 + 24 + 1
