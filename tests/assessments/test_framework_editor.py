"""Editing a draft framework version in the browser: every change is checked like an import,
written whole or not at all, audited, and refused on published versions."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from chiikidx.assessments import frameworks, services
from chiikidx.assessments.models import Dimension, Framework, FrameworkVersion, Question
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError

pytestmark = pytest.mark.django_db

PREF = "990001"
LEVELS = {f"level_{i}": text for i, text in enumerate(["なし", "一部", "半分", "多く", "全て"])} | {
    f"level_{i}_next": f"ヒント{i}" for i in range(5)
}


@pytest.fixture
def admin_client(client, user_named):
    client.force_login(user_named("pref-admin"))
    return client


@pytest.fixture
def draft(sample_version, user_named):
    """A draft (version 2) of the sample framework in みらい県."""
    return services.new_draft(acting_user=user_named("pref-admin"), version=sample_version)


def url(name, version, **kwargs):
    return reverse(
        f"assessments:{name}", kwargs={"lgcode": PREF, "version_id": version.pk} | kwargs
    )


def definition(version):
    """The stored definition (read afresh: the rules live on the version row)."""
    return frameworks.definition_of(FrameworkVersion.objects.get(pk=version.pk))


def question_post(code="Q1", dimension="b", type="text", **extra):
    data = {
        "code": code,
        "dimension": dimension,
        "text": "新しい設問",
        "type": type,
        "required": "on",
        "weight": "1",
        "direction": "higher",
        "scoring_method": "linear",
    }
    return data | extra


def snapshot(version):
    """Everything a failed change must leave as it was."""
    return (
        frameworks.write_yaml(definition(version)),
        AuditEntry.objects.count(),
    )


# --- the version page --------------------------------------------------------------------------


def test_version_page_shows_edit_links_only_on_drafts_to_managers(
    admin_client, client, draft, sample_version, user_named
):
    page = admin_client.get(url("version", draft)).content.decode()
    assert url("question_edit", draft, question_code="L1") in page
    assert url("dimension_edit", draft, dimension_code="a.1") in page
    assert url("validations", draft) in page
    published = admin_client.get(url("version", sample_version)).content.decode()
    assert url("question_edit", sample_version, question_code="L1") not in published
    client.force_login(user_named("pref-staff"))  # may view, may not manage
    page = client.get(url("version", draft)).content.decode()
    assert url("question_edit", draft, question_code="L1") not in page


def test_edit_pages_use_few_queries(admin_client, draft, django_assert_max_num_queries):
    pages = [
        url("version", draft),
        url("version_edit", draft),
        url("dimension_new", draft),
        url("dimension_edit", draft, dimension_code="a.1"),
        url("question_new", draft),
        url("question_edit", draft, question_code="N1"),
        url("validations", draft),
    ]
    for page in pages:
        with django_assert_max_num_queries(9):
            assert admin_client.get(page).status_code == 200


def test_the_version_page_does_not_grow_in_queries_with_the_framework(
    admin_client, draft, user_named, django_assert_max_num_queries
):
    for i in range(20):
        services.save_question(
            acting_user=user_named("pref-admin"),
            version=draft,
            question={"code": f"X{i}", "text": f"追加{i}", "type": "text"},
            dimension="b",
        )
    with django_assert_max_num_queries(9):
        page = admin_client.get(url("version", draft))
    assert page.status_code == 200 and "追加19" in page.content.decode()


# --- framework and version metadata ------------------------------------------------------------


def test_create_a_framework_from_scratch_and_build_it_up_to_a_round(admin_client, user_named):
    response = admin_client.post(
        reverse("assessments:framework_new", kwargs={"lgcode": PREF}),
        {"code": "own", "title": "県独自の指標", "description": "県で作った指標"},
    )
    framework = Framework.objects.get(organization__code=PREF, code="own")
    version = framework.versions.get()
    assert response.status_code == 302 and response["Location"] == url("version", version)
    assert (version.number, version.status, framework.visibility) == (1, "draft", "shared")
    assert admin_client.get(url("version", version)).status_code == 200

    # An empty draft cannot be published yet.
    with pytest.raises(services.IncompleteFramework, match="観点"):
        services.publish(acting_user=user_named("pref-admin"), version=version)

    admin_client.post(
        url("dimension_new", version), {"code": "d1", "title": "体制", "weight": "1", "parent": ""}
    )
    admin_client.post(
        url("question_new", version),
        question_post("YN", "d1", "yesno", yes_points="100", no_points="0"),
    )
    admin_client.post(
        url("question_new", version), question_post("T1", "d1", "text") | {"required": ""}
    )
    assert [q.code for q in definition(version).questions()] == ["YN", "T1"]

    published = services.publish(acting_user=user_named("pref-admin"), version=version)
    survey = services.open_round(
        acting_user=user_named("pref-admin"),
        prefecture=framework.organization,
        version=published,
        title="県独自 第1回",
        fiscal_year=2025,
        opens_on=datetime.date(2025, 6, 1),
        due_on=datetime.date(2025, 7, 31),
    )
    response = survey.responses.get(organization__code="992011")
    services.save_answers(
        acting_user=user_named("muni-staff-1"), response=response, raw={"YN": "はい"}
    )
    services.submit(acting_user=user_named("muni-staff-1"), response=response)
    response.refresh_from_db()
    assert response.overall_score == Decimal("100.00")


def test_framework_code_must_be_new_and_well_formed(admin_client):
    new = reverse("assessments:framework_new", kwargs={"lgcode": PREF})
    taken = admin_client.post(new, {"code": "world", "title": "重複"})
    assert taken.status_code == 400 and "すでにあります" in taken.content.decode()
    bad = admin_client.post(new, {"code": "日本語", "title": "コード誤り"})
    assert bad.status_code == 400 and "半角英数字" in bad.content.decode()
    assert not Framework.objects.filter(title__in=["重複", "コード誤り"]).exists()


def test_edit_name_description_and_change_note(admin_client, draft):
    response = admin_client.post(
        url("version_edit", draft),
        {"title": "改訂版", "description": "説明", "source": "出典A", "change_note": "見直し"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    draft.framework.refresh_from_db()
    assert (draft.framework.title, draft.framework.source, draft.change_note) == (
        "改訂版",
        "出典A",
        "見直し",
    )
    assert AuditEntry.objects.filter(
        model_label="assessments.Framework", object_id=str(draft.framework.pk), action="update"
    ).exists()


# --- dimensions --------------------------------------------------------------------------------


def test_add_edit_move_and_delete_a_dimension(admin_client, draft):
    response = admin_client.post(
        url("dimension_new", draft),
        {"code": "a.3", "title": "観点A-3", "weight": "2", "parent": "a", "description": "新設"},
    )
    assert response.status_code == 302
    row = Dimension.objects.get(version=draft, code="a.3")
    assert (row.parent.code, row.depth, row.weight) == ("a", 2, Decimal(2))

    admin_client.post(
        url("dimension_edit", draft, dimension_code="a.3"),
        {"code": "a.9", "title": "観点A-9", "weight": "1.5", "parent": "b"},
    )
    row.refresh_from_db()  # renamed and moved: the same row
    assert (row.code, row.title, row.parent.code, row.weight) == (
        "a.9",
        "観点A-9",
        "b",
        Decimal("1.5"),
    )

    admin_client.post(url("dimension_move", draft, dimension_code="b"), {"direction": "up"})
    assert [d.code for d in definition(draft).dimensions] == ["b", "a"]

    admin_client.post(url("dimension_delete", draft, dimension_code="a.9"))
    assert not Dimension.objects.filter(version=draft, code="a.9").exists()
    assert AuditEntry.objects.filter(
        model_label="assessments.Dimension", object_id=str(row.pk), action="delete"
    ).exists()


def test_a_dimension_with_questions_or_children_is_not_deleted(admin_client, draft):
    before = snapshot(draft)
    response = admin_client.post(url("dimension_delete", draft, dimension_code="a"), follow=True)
    assert "設問または下位の観点があるため削除できません" in response.content.decode()
    assert snapshot(draft) == before


def test_dimensions_are_at_most_three_levels_deep(admin_client, draft):
    admin_client.post(
        url("dimension_new", draft),
        {"code": "a.1.x", "title": "3段目", "weight": "1", "parent": "a.1"},
    )
    before = snapshot(draft)
    response = admin_client.post(
        url("dimension_new", draft),
        {"code": "deep", "title": "4段目", "weight": "1", "parent": "a.1.x"},
    )
    assert response.status_code == 400
    assert "観点の階層は3段までです" in response.content.decode()
    assert snapshot(draft) == before


def test_a_dimension_cannot_move_under_itself(admin_client, draft):
    response = admin_client.post(
        url("dimension_edit", draft, dimension_code="a"),
        {"code": "a", "title": "観点A", "weight": "2", "parent": "a.1"},
    )
    assert response.status_code == 400  # a.1 is not offered as a parent of a


def test_dimension_errors_are_shown_in_japanese_and_nothing_is_saved(admin_client, draft):
    before = snapshot(draft)
    zero = admin_client.post(
        url("dimension_new", draft), {"code": "z", "title": "重みゼロ", "weight": "0", "parent": ""}
    )
    assert zero.status_code == 400 and "0より大きい数" in zero.content.decode()
    duplicate = admin_client.post(
        url("dimension_new", draft), {"code": "a.1", "title": "重複", "weight": "1", "parent": ""}
    )
    assert duplicate.status_code == 400 and "重複しています" in duplicate.content.decode()
    assert snapshot(draft) == before


# --- questions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "extra", "expected"),
    [
        ("level", LEVELS, {"levels": [{"descriptor": "なし", "next": "ヒント0"}]}),
        ("yesno", {"yes_points": "80", "no_points": "10"}, {"points": {"yes": 80, "no": 10}}),
        (
            "single",
            {"choices": "none | なし | 0\nsome | 一部 | 50\nall | 全部 | 100"},
            {"choices": [{"value": "none", "label": "なし", "points": 0}]},
        ),
        (
            "multiple",
            {"choices": "x | 窓口 | 50\ny\t予約\t50"},
            {"choices": [{"value": "x", "label": "窓口", "points": 50}]},
        ),
        (
            "number",
            {
                "unit": "件",
                "min": "0",
                "max": "１，０００",
                "direction": "lower",
                "scoring_method": "thresholds",
                "steps": "10 | 100\n50 | 40",
            },
            {
                "unit": "件",
                "max": 1000,
                "direction": "lower",
                "scoring": {
                    "method": "thresholds",
                    "steps": [{"at": 10, "score": 100}, {"at": 50, "score": 40}],
                },
            },
        ),
        (
            "percent",
            {"zero": "0", "target": "80", "scoring_method": "linear"},
            {
                "unit": "%",
                "min": 0,
                "max": 100,
                "scoring": {"method": "linear", "zero": 0, "target": 80},
            },
        ),
        ("date", {}, {}),
        ("text", {}, {}),
        ("evidence", {}, {}),
    ],
)
def test_add_a_question_of_each_type(admin_client, draft, qtype, extra, expected):
    response = admin_client.post(
        url("question_new", draft), question_post("NEW", "b", qtype, **extra)
    )
    assert response.status_code == 302, response.content.decode()
    row = Question.objects.get(version=draft, code="NEW")
    assert row.type == qtype and row.dimension.code == "b"
    for key, value in expected.items():
        stored = row.config[key]
        assert stored[: len(value)] == value if isinstance(value, list) else stored == value
    # The edit page shows what was saved: saving it unchanged changes nothing.
    page = admin_client.get(url("question_edit", draft, question_code="NEW"))
    assert page.status_code == 200
    initial = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    before = AuditEntry.objects.count()
    again = admin_client.post(
        url("question_edit", draft, question_code="NEW"), initial | {"required": "on"}
    )
    assert again.status_code == 302
    assert AuditEntry.objects.count() == before


def test_edit_a_question_keeps_its_row_and_moves_it(admin_client, draft):
    row = Question.objects.get(version=draft, code="Y1")
    response = admin_client.post(
        url("question_edit", draft, question_code="Y1"),
        question_post("Y2", "b", "yesno", yes_points="100", no_points="0", help="補足です")
        | {"text": "計画はありますか", "weight": "3"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.code, row.text, row.help, row.weight, row.dimension.code) == (
        "Y2",
        "計画はありますか",
        "補足です",
        Decimal(3),
        "b",
    )
    # The cross-question rules follow the new code.
    assert {r["if"]["question"] for r in definition(draft).validations} == {"Y2"}
    assert definition(draft).question("Y2") in [
        q for d in definition(draft).all_dimensions() if d.code == "b" for q in d.questions
    ]
    assert AuditEntry.objects.filter(
        model_label="assessments.Question", object_id=str(row.pk), action="update"
    ).exists()


def test_move_a_question_up_and_down(admin_client, draft):
    admin_client.post(url("question_move", draft, question_code="N1"), {"direction": "up"})
    assert [q.code for q in definition(draft).questions()][4:] == ["N1", "P1", "D1", "T1"]
    admin_client.post(url("question_move", draft, question_code="N1"), {"direction": "down"})
    admin_client.post(url("question_move", draft, question_code="T1"), {"direction": "down"})
    assert [q.code for q in definition(draft).questions()][4:] == ["P1", "N1", "D1", "T1"]


def test_delete_a_question(admin_client, draft):
    row = Question.objects.get(version=draft, code="T1")
    admin_client.post(url("question_delete", draft, question_code="T1"))
    assert "T1" not in definition(draft).question_map()
    assert AuditEntry.objects.filter(
        model_label="assessments.Question", object_id=str(row.pk), action="delete"
    ).exists()


def test_a_question_used_by_a_rule_is_not_deleted(admin_client, draft):
    before = snapshot(draft)
    page = admin_client.post(url("question_delete", draft, question_code="D1"), follow=True)
    assert "設問間のチェック" in page.content.decode() and "先にそのチェックを削除" in (
        page.content.decode()
    )
    assert snapshot(draft) == before


@pytest.mark.parametrize(
    ("qtype", "extra", "message"),
    [
        ("level", {"level_0": "なし"}, "レベル1の説明(descriptor)がありません"),
        ("single", {"choices": "only | ひとつ | 100"}, "2つ以上の選択肢"),
        ("single", {"choices": "a | 甲 | 1\na | 乙 | 2"}, "選択肢の値「a」が重複"),
        ("single", {"choices": "a | 甲 | たくさん\nb | 乙 | 2"}, "選択肢の1行目"),
        ("number", {"min": "10", "max": "5", "zero": "0", "target": "5"}, "最小値(min)が最大値"),
        ("number", {"zero": "5", "target": "5"}, "別の値で書いてください"),
        ("number", {"scoring_method": "thresholds", "steps": ""}, "段階(steps)を1つ以上"),
        ("number", {"scoring_method": "thresholds", "steps": "10"}, "「値 | 点数」の形"),
        ("text", {"code": "L1"}, "コード「L1」が重複"),
        ("text", {"code": "a b"}, "半角英数字"),
        ("yesno", {"weight": "-1"}, "重み(weight)は0以上"),
    ],
)
def test_question_errors_are_shown_in_japanese_and_nothing_is_saved(
    admin_client, draft, qtype, extra, message
):
    before = snapshot(draft)
    response = admin_client.post(
        url("question_new", draft), question_post("NEW", "b", qtype) | extra
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(draft) == before


def test_unknown_codes_are_404(admin_client, draft):
    assert admin_client.get(url("question_edit", draft, question_code="nope")).status_code == 404
    assert admin_client.get(url("dimension_edit", draft, dimension_code="nope")).status_code == 404


# --- cross-question rules ----------------------------------------------------------------------


def test_add_and_delete_a_cross_question_rule(admin_client, draft):
    rules = url("validations", draft)
    response = admin_client.post(
        rules,
        {
            "if_question": "S1",
            "equals": "なし",
            "then_question": "T1",
            "then": "required",
            "message": "「なし」の場合は理由を書いてください。",
        },
    )
    assert response.status_code == 302
    added = definition(draft).validations[-1]
    assert added == {
        "if": {"question": "S1", "equals": "none"},  # the label is stored as the choice value
        "then": {"question": "T1", "required": True},
        "message": "「なし」の場合は理由を書いてください。",
    }
    admin_client.post(url("validation_delete", draft), {"index": "0"})
    remaining = definition(draft).validations
    assert len(remaining) == 2 and remaining[0]["if"]["equals"] == "yes"


def test_a_rule_with_an_impossible_answer_is_refused(admin_client, draft):
    before = snapshot(draft)
    response = admin_client.post(
        url("validations", draft),
        {
            "if_question": "L1",
            "equals": "7",
            "then_question": "T1",
            "then": "empty",
            "message": "x",
        },
    )
    assert response.status_code == 400 and "0〜4" in response.content.decode()
    same = admin_client.post(
        url("validations", draft),
        {
            "if_question": "T1",
            "equals": "a",
            "then_question": "T1",
            "then": "empty",
            "message": "x",
        },
    )
    assert same.status_code == 400 and "別の設問" in same.content.decode()
    assert snapshot(draft) == before


# --- refusals ----------------------------------------------------------------------------------


def test_published_versions_refuse_every_edit(admin_client, sample_version, user_named):
    before = snapshot(sample_version)
    with pytest.raises(ServiceError, match="公開済みの版は変更できません"):
        services.delete_question(
            acting_user=user_named("pref-admin"), version=sample_version, code="T1"
        )
    for name, kwargs in [
        ("version_edit", {}),
        ("dimension_new", {}),
        ("dimension_edit", {"dimension_code": "a"}),
        ("question_new", {}),
        ("question_edit", {"question_code": "T1"}),
        ("validations", {}),
        ("question_delete", {"question_code": "T1"}),
        ("question_move", {"question_code": "T1"}),
        ("dimension_move", {"dimension_code": "b"}),
        ("validation_delete", {}),
    ]:
        response = admin_client.post(url(name, sample_version, **kwargs), {"index": "0"})
        assert response.status_code == 302, name
        assert response["Location"] == url("version", sample_version)
    page = admin_client.get(url("question_edit", sample_version, question_code="T1"), follow=True)
    assert "公開済みの版は変更できません" in page.content.decode()
    assert snapshot(sample_version) == before


def test_another_prefectures_version_is_404(client, user_named, draft):
    client.force_login(user_named("t-pref-admin"))
    other = reverse(
        "assessments:question_edit",
        kwargs={"lgcode": "980005", "version_id": draft.pk, "question_code": "T1"},
    )
    assert client.get(other).status_code == 404
    assert (
        client.post(
            reverse(
                "assessments:question_delete",
                kwargs={"lgcode": "980005", "version_id": draft.pk, "question_code": "T1"},
            )
        ).status_code
        == 404
    )
    assert "T1" in definition(draft).question_map()


def test_staff_who_may_not_manage_cannot_edit(client, user_named, draft):
    client.force_login(user_named("pref-staff"))
    assert client.post(url("question_delete", draft, question_code="T1")).status_code == 403
    assert "T1" in definition(draft).question_map()


# --- writing -----------------------------------------------------------------------------------


def test_an_edit_writes_only_what_changed(admin_client, draft):
    before = AuditEntry.objects.count()
    admin_client.post(
        url("question_edit", draft, question_code="T1"),
        question_post("T1", "b", "text") | {"text": "補足(改)"},
    )
    entries = list(AuditEntry.objects.order_by("seq")[before:])
    assert [(e.model_label, e.action) for e in entries] == [("assessments.Question", "update")]
    assert entries[0].after == {"text": "補足(改)", "required": True}  # T1 was optional


def test_a_new_draft_reads_back_like_its_source(draft):
    ours, theirs = (
        definition(draft),
        frameworks.definition_of(FrameworkVersion.objects.get(framework=draft.framework, number=1)),
    )
    assert ours.dimensions == theirs.dimensions and ours.validations == theirs.validations


def test_an_empty_draft_can_be_viewed_and_exported(admin_client):
    admin_client.post(
        reverse("assessments:framework_new", kwargs={"lgcode": PREF}),
        {"code": "blank", "title": "空のフレームワーク"},
    )
    version = FrameworkVersion.objects.get(framework__code="blank")
    for name in ("version", "version_yaml", "version_excel", "question_new", "validations"):
        assert admin_client.get(url(name, version)).status_code in (200, 302), name
