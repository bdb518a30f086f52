"""The prefecture's 地域区分 of its municipalities: all or nothing, normalized and audited."""

import pytest

from chiikidx.core import queries, services
from chiikidx.core.choices import OrgKind
from chiikidx.core.demo import REGIONS
from chiikidx.core.models import AuditEntry, Organization
from chiikidx.core.services import ServiceError

pytestmark = pytest.mark.django_db

URL = "/o/990001/regions/"


def region_of(code):
    return Organization.objects.get(code=code).region


def regions_of(prefecture_code):
    return dict(
        queries.municipalities_of(Organization.objects.get(code=prefecture_code)).values_list(
            "code", "region"
        )
    )


def last_seq():
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()


def region_entries(after):
    """Audited changes of 地域区分 (the world's build set them once: pass `after` to skip)."""
    entries = AuditEntry.objects.filter(
        model_label="core.Organization", action="update", seq__gt=after
    )
    return [e for e in entries.order_by("seq") if e.after and "region" in e.after]


def set_regions(user_named, org_coded, regions, username="pref-admin"):
    return services.set_regions(
        acting_user=user_named(username), prefecture=org_coded("990001"), regions=regions
    )


def test_the_demo_sets_every_municipality_s_region(org_coded):
    stored = regions_of("990001")
    assert len(stored) == 24 and all(stored.values())
    assert sorted(code[2:5] for code, r in stored.items() if r == "沿岸") == REGIONS["沿岸"]
    assert set(regions_of("980005").values()) == set(REGIONS)  # the second tenant too


def test_set_regions_changes_normalizes_and_audits(user_named, org_coded):
    start = last_seq()
    changed = set_regions(
        user_named,
        org_coded,
        {"992011": "  県央　広域圏 ", "992020": "ｹﾝﾅﾝ", "993018": "沿岸"},  # 993018 unchanged
    )
    assert changed == 2
    assert region_of("992011") == "県央 広域圏" and region_of("992020") == "ケンナン"
    assert region_of("993018") == "沿岸"
    entries = region_entries(after=start)
    assert len(entries) == 2
    by_org = {e.organization_id: e for e in entries}
    aoba = org_coded("992011")
    entry = by_org[aoba.pk]
    assert entry.object_id == str(aoba.pk) and entry.actor_name == "pref-admin"
    assert (entry.before, entry.after) == ({"region": "県央"}, {"region": "県央 広域圏"})


def test_set_regions_without_changes_writes_nothing(user_named, org_coded):
    before = AuditEntry.objects.count()
    assert set_regions(user_named, org_coded, {"992011": "県央", "993018": " 沿岸 "}) == 0
    assert set_regions(user_named, org_coded, {}) == 0
    assert AuditEntry.objects.count() == before


def test_a_region_can_be_cleared(user_named, org_coded):
    assert set_regions(user_named, org_coded, {"992011": "  "}) == 1
    assert region_of("992011") == ""


def test_forty_characters_pass_and_one_more_saves_nothing(user_named, org_coded):
    assert set_regions(user_named, org_coded, {"992011": "あ" * 40}) == 1
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as refused:
        set_regions(
            user_named,
            org_coded,
            {"992020": "県北", "993018": "い" * 41, "992011": "う" * 41, "992038": "県南"},
        )
    assert str(refused.value) == (
        "地域区分は40文字以内で入力してください(団体コード: 992011、993018)。"
    )
    assert (region_of("992011"), region_of("992020")) == ("あ" * 40, "県央")
    assert (region_of("993018"), region_of("992038")) == ("沿岸", "県北")
    assert AuditEntry.objects.count() == before


def test_codes_outside_the_prefecture_s_municipalities_save_nothing(user_named, org_coded):
    other = queries.municipalities_of(org_coded("980005")).first()
    ward = Organization.objects.filter(prefecture__code="990001", kind=OrgKind.WARD).first()
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as refused:
        set_regions(
            user_named,
            org_coded,
            {"992020": "県北", other.code: "県北", ward.code: "県北", "990001": "県北"},
        )
    codes = "、".join(sorted([other.code, ward.code, "990001"]))
    assert str(refused.value) == f"管内の市町村ではない団体コードがあります: {codes}"
    assert region_of("992020") == "県央" and region_of(other.code) != "県北"
    assert AuditEntry.objects.count() == before


# --- page ---------------------------------------------------------------------------------


def test_regions_page_lists_every_municipality_with_its_region(client, user_named):
    client.force_login(user_named("pref-admin"))
    page = client.get(URL)
    assert page.status_code == 200
    assert [m.code for m in page.context["municipalities"]] == sorted(regions_of("990001"))
    assert page.context["names"] == sorted(REGIONS)
    body = page.content.decode()
    assert 'name="region-992011" value="県央"' in body
    home = client.get("/o/990001/").content.decode()
    assert "地域区分を編集する" in home and URL in home


def test_regions_page_saves_and_says_how_many_changed(client, user_named):
    client.force_login(user_named("pref-admin"))
    start = last_seq()
    page = client.post(URL, {"region-992011": "県北", "region-992020": "県央"}, follow=True)
    assert page.redirect_chain == [(URL, 302)]
    assert [str(m) for m in page.context["messages"]] == ["1 団体の地域区分を更新しました。"]
    assert region_of("992011") == "県北" and region_of("993018") == "沿岸"  # others kept
    (entry,) = region_entries(after=start)
    assert entry.actor_name == "pref-admin" and entry.after == {"region": "県北"}


def test_regions_page_with_one_bad_row_saves_nothing_and_shows_what_was_typed(client, user_named):
    client.force_login(user_named("pref-admin"))
    before = AuditEntry.objects.count()
    page = client.post(URL, {"region-992011": "県北", "region-993018": "あ" * 41})
    assert page.status_code == 400
    body = page.content.decode()
    assert "地域区分は40文字以内で入力してください(団体コード: 993018)。" in body
    assert 'name="region-992011" value="県北"' in body  # kept for correction
    assert region_of("992011") == "県央" and region_of("993018") == "沿岸"
    assert AuditEntry.objects.count() == before


def test_only_the_prefecture_s_admin_edits_regions(client, user_named):
    start = last_seq()
    client.force_login(user_named("pref-staff"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"region-992011": "県北"}).status_code == 403
    assert "地域区分を編集する" not in client.get("/o/990001/").content.decode()
    client.force_login(user_named("muni-admin-1"))
    assert client.get("/o/992011/regions/").status_code == 404  # municipalities have none
    assert client.post(URL, {"region-992011": "県北"}).status_code in (403, 404)
    client.force_login(user_named("t-pref-admin"))
    assert client.post(URL, {"region-992011": "県北"}).status_code in (403, 404)
    assert region_of("992011") == "県央"
    assert region_entries(after=start) == []
