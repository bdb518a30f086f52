"""The bulk scoring table: the page (legend, formula, filters, labels, pinned queries), the
per-row save that scoring.js posts (JSON or form, rights per row, Japanese errors, audited),
and the whole-table form without JavaScript (every row checked first, nothing saved if any row
is wrong)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chiikidx.challenges import services
from chiikidx.challenges.models import Challenge
from chiikidx.core.models import AuditEntry, Organization

from .triage_sample import add, aoba, client_of, scored, url

pytestmark = pytest.mark.django_db
ROW = ("benefit", "difficulty", "urgency", "scope", "timing")


def _values(challenge):
    challenge.refresh_from_db()
    return (challenge.benefit, challenge.difficulty, challenge.urgency, challenge.scope)


def _save(client, challenge, data, org_code="992011", as_json=True):
    address = url("scoring_save", org_code, challenge_id=challenge.pk)
    if as_json:
        return client.post(address, json.dumps(data), content_type="application/json")
    return client.post(address, data)


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_legend_the_formula_and_labelled_inputs():
    challenge = scored(b=4, d=2, u=3)
    page = client_of("muni-admin-1").get(url("scoring")).content.decode()
    # the organization's weights (the defaults 2, 1, 2) in the formula, and each descriptor
    assert "優先度 = 100 × (2 ×(裨益性−1) + 1 ×(5−難易度) + 2 ×(緊急性−1)) ÷ (4 × 5)" in page
    assert "ほぼ全住民か全庁に大きな効果" in page and "いつ取り組んでもよい" in page
    # each input is named by its row's title and its column's heading
    assert f'id="t-{challenge.pk}"' in page
    assert f'aria-labelledby="t-{challenge.pk} h-benefit"' in page
    assert f'name="c{challenge.pk}-urgency" id="c{challenge.pk}-urgency" value="3"' in page
    # 100 × (2×3 + 1×3 + 2×2) ÷ 20 = 65.0
    assert "<strong>65.0</strong>" in page
    assert f'data-save-url="/o/992011/challenges/scoring/{challenge.pk}/"' in page


def test_the_scripts_words_come_translated_from_the_page():
    """scoring.js and map.js hold no Japanese of their own (comments aside): the page gives it
    through gettext."""
    import re
    from pathlib import Path

    import chiikidx.challenges

    static = Path(chiikidx.challenges.__file__).parent / "static" / "challenges"
    japanese = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u4e00-\u9fff]")  # "・" may stay
    for name in ("scoring.js", "map.js"):
        code = [line.split("//")[0] for line in (static / name).read_text().splitlines()]
        assert not [line for line in code if japanese.search(line)], name
    scored()
    page = client_of("muni-admin-1").get(url("scoring")).content.decode()
    for text in (
        'data-text-saved="保存しました"',
        'data-text-saving="保存しています…"',
        'data-text-hint="1〜5の数字で入力してください(空欄は未採点)。"',
        'data-text-failed="保存できませんでした。通信を確かめて、もう一度入力してください。"',
        'data-text-unscored="未評価"',
        'data-text-live="変えた行はその場で保存されます。このボタンは表全体をまとめて保存します。"',
    ):
        assert text in page


def test_filters_by_field_department_status_and_unscored():
    org = aoba()
    welfare = scored(org, "福祉の課題", field="福祉", dept="福祉課")
    general = scored(org, "総務の課題", field="内部事務", dept="総務課")
    open_one = add(org, "採点前の課題", field="福祉", dept="総務課")
    services.set_status(acting_user=_admin(), challenge=general, status="adopted")
    client = client_of("muni-admin-1")

    def titles(**query):
        page = client.get(url("scoring"), query).content.decode()
        return {c.title for c in (welfare, general, open_one) if c.title in page}

    assert titles() == {"福祉の課題", "総務の課題", "採点前の課題"}
    assert titles(field="福祉") == {"福祉の課題", "採点前の課題"}
    assert titles(department=general.department_id) == {"総務の課題", "採点前の課題"}
    assert titles(status="adopted") == {"総務の課題"}
    assert titles(unscored="1") == {"採点前の課題"}
    assert titles(field="ない分野", status="nonsense") == titles()  # unknown values: no filter
    # a 分野 removed from the organization's list still filters, as on the list page
    services.save_settings(acting_user=_admin(), organization=org, fields=["内部事務"])
    assert titles(field="福祉") == {"福祉の課題", "採点前の課題"}
    assert titles(scope="self", unscored="1") == {"採点前の課題"}  # the list's filters too


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="muni-admin-1")


def _count(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_page_has_a_pinned_query_count(django_assert_num_queries):
    org = aoba()
    for i in range(2):
        scored(org, f"課題{i}")
    admin, staff = client_of("muni-admin-1"), client_of("dept-staff-1")
    few = (_count(admin, url("scoring")), _count(staff, url("scoring")))
    for i in range(12):
        scored(org, f"追加の課題{i}", dept=["福祉課", "総務課", None][i % 3])
    # session, user, the organization, memberships, wards, the settings, the departments and the
    # 分野 in use of the filter, the count and the page of challenges (with their departments),
    # the demo flag
    with django_assert_num_queries(few[0]):
        page = admin.get(url("scoring"))
    assert page.content.decode().count('class="score-input"') == 14 * 3
    with django_assert_num_queries(few[1]):
        page = staff.get(url("scoring"))
    assert page.content.decode().count('name="row"') == 2 + 4  # 福祉課's rows only
    assert few == (11, 11)


# --- one row (scoring.js) ---------------------------------------------------------------------


def test_a_row_is_saved_as_json_with_full_width_digits_and_audited():
    challenge = add()
    before = AuditEntry.objects.count()
    data = {"benefit": "5", "difficulty": "１", "urgency": "4", "scope": "wide", "timing": "now"}
    response = _save(client_of("muni-admin-1"), challenge, data)
    assert response.status_code == 200
    answer = response.json()
    # 100 × (2×4 + 1×4 + 2×3) ÷ 20 = 90.0
    assert answer == {
        "ok": True,
        "message": "保存しました",
        "priority": "90.0",
        "quadrant": "すぐやる(効果大・易しい)",
        "values": {
            "benefit": 5,
            "difficulty": 1,
            "urgency": 4,
            "scope": "wide",
            "timing": "now",
        },
    }
    assert _values(challenge) == (5, 1, 4, "wide")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_id, entry.actor.username) == (
        "update",
        str(challenge.pk),
        "muni-admin-1",
    )
    assert entry.after == {"benefit": 5, "difficulty": 1, "urgency": 4, "scope": "wide"} | {
        "timing": "now"
    } | {k: v for k, v in entry.after.items() if k not in ROW}


def test_a_row_is_saved_as_a_form_and_a_blank_score_clears_it():
    challenge = scored(b=4, d=2, u=3)
    response = _save(
        client_of("muni-staff-1"), challenge, {"benefit": "", "urgency": "5"}, as_json=False
    )
    assert response.status_code == 200
    assert response.json()["priority"] == ""  # unscored again: no priority
    assert _values(challenge) == (None, 2, 5, "self")


def test_a_bad_row_is_refused_in_japanese_and_nothing_changes():
    challenge = scored(b=4, d=2, u=3)
    before = AuditEntry.objects.count()
    data = {"benefit": "6", "difficulty": "x", "urgency": "3", "scope": "town", "timing": "mid"}
    response = _save(client_of("muni-admin-1"), challenge, data)
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert answer["errors"] == {
        "benefit": "裨益性は1から5の数字で入力してください(空欄にすると未採点に戻ります)。",
        "difficulty": "難易度は1から5の数字で入力してください(空欄にすると未採点に戻ります)。",
        "scope": "対応主体は次から選んでください: 自団体で対応可、県・広域で対応、国・制度",
    }
    assert _values(challenge) == (4, 2, 3, "self")
    assert AuditEntry.objects.count() == before


def test_unreadable_json_is_a_400():
    challenge = add()
    address = url("scoring_save", challenge_id=challenge.pk)
    for body in ("{", "[1, 2]"):
        response = client_of("muni-admin-1").post(address, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["message"] == "送られた内容を読めません。"


def test_rights_are_decided_per_row():
    org = aoba()
    own = add(org, "福祉課の課題", dept="福祉課")
    other = add(org, "総務課の課題", dept="総務課")
    shared = add(org, "共有した課題", dept="総務課")
    services.share(acting_user=_admin(), challenge=shared)
    data = {"benefit": "3"}
    # 原課担当: their own department's rows only
    assert _save(client_of("dept-staff-1"), own, data).status_code == 200
    refused = _save(client_of("dept-staff-1"), other, data)
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("この課題を変更する権限がありません。")
    # executives read only; the prefecture sees only what is shared, and changes none of it
    assert _save(client_of("executive-1"), own, data).status_code == 403
    assert _save(client_of("pref-admin"), shared, data).status_code == 403
    assert _save(client_of("pref-admin"), own, data).status_code == 404
    # another organization's challenge through this organization's URL, or that one's URL
    elsewhere = add(Organization.objects.get(code="993018"), "わかば町の課題", dept=None)
    assert _save(client_of("muni-admin-1"), elsewhere, data).status_code == 404
    assert _save(client_of("muni-admin-1"), elsewhere, data, org_code="993018").status_code == 404
    assert (
        _values(other)[0] is None and _values(shared)[0] is None and _values(elsewhere)[0] is None
    )
    assert _values(own)[0] == 3


def test_a_row_save_has_a_pinned_query_count(django_assert_num_queries):
    challenge = scored()
    client = client_of("muni-admin-1")
    # session, user, the organization, memberships, wards, the challenge; the save: a
    # savepoint, the audit chain locked, the stored row, the update, the audit entry, the chain
    # head, the savepoint released; the settings (the weights of the new priority)
    with django_assert_num_queries(14):
        response = _save(client, challenge, {"benefit": "5", "difficulty": "2", "urgency": "3"})
    assert response.status_code == 200


# --- the whole table as one form (no JavaScript) -------------------------------------------


def _table_post(client, rows: dict, query=""):
    data = {"row": [str(pk) for pk in rows]}
    for pk, values in rows.items():
        data |= {f"c{pk}-{name}": value for name, value in values.items()}
    return client.post(url("scoring") + query, data)


def _row(b, d, u, scope="self", timing="mid"):
    return {"benefit": b, "difficulty": d, "urgency": u, "scope": scope, "timing": timing}


def test_the_whole_table_is_saved_in_one_post():
    first, second = add(title="一つ目"), add(title="二つ目")
    client = client_of("muni-admin-1")
    response = _table_post(
        client,
        {first.pk: _row("5", "1", "5", "wide"), second.pk: _row("２", "3", "", timing="long")},
        query="?field=%E7%AA%93%E5%8F%A3&page=1",
    )
    assert response.status_code == 302
    assert response["Location"] == url("scoring") + "?field=%E7%AA%93%E5%8F%A3"
    assert _values(first) == (5, 1, 5, "wide")
    assert _values(second) == (2, 3, None, "self")
    second.refresh_from_db()
    assert second.timing == "long"
    assert "2件の課題を保存しました。" in client.get(response["Location"]).content.decode()


def test_nothing_is_saved_when_any_row_is_wrong_and_every_bad_row_is_reported():
    good, bad1, bad2 = add(title="正しい行"), add(title="誤りの行1"), add(title="誤りの行2")
    before = AuditEntry.objects.count()
    response = _table_post(
        client_of("muni-admin-1"),
        {
            good.pk: _row("4", "2", "3"),
            bad1.pk: _row("0", "2", "3"),
            bad2.pk: _row("3", "2", "3", timing="someday"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "2行に誤りがあります。何も保存していません。" in page
    assert f'<a href="#row-{bad1.pk}">誤りの行1</a>: 裨益性は1から5の数字で入力してください' in page
    assert f'<a href="#row-{bad2.pk}">誤りの行2</a>: 着手時期は次から選んでください' in page
    # the posted values stay in the table, marked
    assert f'id="c{bad1.pk}-benefit" value="0"' in page
    assert 'aria-invalid="true"' in page
    assert _values(good) == (None, None, None, "self")
    assert AuditEntry.objects.count() == before


def test_an_unchanged_table_writes_nothing():
    challenge = scored(b=4, d=2, u=3)
    before = AuditEntry.objects.count()
    client = client_of("muni-admin-1")
    response = _table_post(client, {challenge.pk: _row("4", "2", "3")})
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before
    assert "変更はありませんでした。" in client.get(response["Location"]).content.decode()


def test_a_department_staff_member_changes_their_rows_only():
    own, other = add(title="福祉課の行", dept="福祉課"), add(title="総務課の行", dept="総務課")
    client = client_of("dept-staff-1")
    page = client.get(url("scoring")).content.decode()
    assert f'name="c{own.pk}-benefit"' in page
    assert f'name="c{other.pk}-benefit"' not in page  # read-only: shown as text
    response = _table_post(client, {own.pk: _row("3", "3", "3"), other.pk: _row("5", "5", "5")})
    assert response.status_code == 400
    assert "この課題を変更する権限がありません。" in response.content.decode()
    assert _values(own)[0] is None and _values(other)[0] is None
    # unchanged rows of other departments are fine
    response = _table_post(
        client, {own.pk: _row("3", "3", "3"), other.pk: _row("", "", "", "self", "mid")}
    )
    assert response.status_code == 302
    assert _values(own) == (3, 3, 3, "self")


def test_the_prefecture_sees_shared_rows_only_and_cannot_post():
    shared, private = add(title="共有した課題"), add(title="共有していない課題")
    services.share(acting_user=_admin(), challenge=shared)
    client = client_of("pref-staff")
    page = client.get(url("scoring")).content.decode()
    assert "共有した課題" in page and "共有していない課題" not in page
    assert 'class="score-input"' not in page and "閲覧のみ" in page
    assert _table_post(client, {shared.pk: _row("5", "1", "5")}).status_code == 403
    assert _values(shared)[0] is None and Challenge.objects.get(pk=private.pk).benefit is None
