"""The minutes (議事録) of a plan decision as an uploaded file: on the advance page or later from
the plan's history; kinds and size like evidence files; stored under the data directory with a
generated name; downloaded only through an access-checked view; audited."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans import services
from chiikidx.plans.models import Baseline, Plan, PlanDecision, minutes_storage

from .sample import make_plan

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
DAY = datetime.date(2025, 5, 20)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def plan(org_coded, admin):
    return make_plan(org_coded(AOBA), admin, measures=1)


def _client(user_named, username):
    client = Client()
    client.force_login(user_named(username))
    return client


def _advance_page(client, plan, name="議事録.pdf", content=PDF, **extra):
    data = {
        "to_status": "genka",
        "decided_on": "令和7年5月20日",
        "decided_by": "原課合意会議",
        "meeting": "第1回",
    } | extra
    if name is not None:
        data["minutes_file"] = SimpleUploadedFile(name, content, "application/octet-stream")
    return client.post(reverse("plans:plan_advance", args=[AOBA, plan.pk]), data)


def _decide(plan, user, upload=None, to_status="genka"):
    return services.advance_plan(
        acting_user=user,
        plan=plan,
        to_status=to_status,
        decided_on=DAY,
        decided_by="原課合意会議",
        minutes_file=upload,
    )


def _download_url(plan, decision, lgcode=AOBA):
    return reverse("plans:minutes", args=[lgcode, plan.pk, decision.pk])


def _files(media):
    return [p for p in media.rglob("*") if p.is_file()]


def test_advance_with_a_minutes_file_stores_it_under_a_generated_name(plan, user_named, media):
    client = _client(user_named, "muni-staff-1")
    answer = _advance_page(client, plan, minutes_url="https://example.lg.jp/m.html")
    assert answer.status_code == 302
    decision = PlanDecision.objects.get(plan=plan)
    assert (decision.minutes_name, decision.minutes_size) == ("議事録.pdf", len(PDF))
    assert decision.minutes_content_type == "application/pdf"
    assert len(decision.minutes_sha256) == 64
    assert decision.minutes_url == "https://example.lg.jp/m.html"
    stored = Path(decision.minutes_file.path)
    assert stored.read_bytes() == PDF
    assert stored.is_relative_to(media / "minutes" / AOBA / str(plan.pk))
    assert "議事録" not in decision.minutes_file.name
    assert not decision.minutes_file.name.endswith(".pdf")
    page = client.get(reverse("plans:plan", args=[AOBA, plan.pk])).content.decode()
    assert _download_url(plan, decision) in page and "議事録.pdf" in page
    assert f"({len(PDF)} バイト)" in page and "https://example.lg.jp/m.html" in page


def test_the_advance_page_offers_the_file_with_its_kinds_and_limit(plan, user_named):
    page = _client(user_named, "muni-admin-1").get(
        reverse("plans:plan_advance", args=[AOBA, plan.pk])
    )
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="minutes_file"' in html
    assert 'accept=".doc,.docx,.jpeg,.jpg,.ods,.odt,.pdf,.png,.xls,.xlsx"' in html
    assert "1ファイル 20.0 MB まで" in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ", "「tool.exe」は添付できない種類のファイルです。"),
        ("slides.pptx", b"PK", "添付できない種類のファイルです"),  # not minutes
        ("big.pdf", b"x" * 2048, "上限の 1.0 KB を超えています"),
        ("empty.pdf", b"", "添付ファイルの中身が空でした。"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_saved(
    plan, user_named, settings, media, name, content, message
):
    settings.EVIDENCE_MAX_BYTES = 1024
    before = AuditEntry.objects.count()
    answer = _advance_page(_client(user_named, "muni-admin-1"), plan, name=name, content=content)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not PlanDecision.objects.filter(plan=plan).exists()
    assert Plan.objects.get(pk=plan.pk).status == "draft"
    assert AuditEntry.objects.count() == before
    assert _files(media) == []


def test_a_refused_step_leaves_no_file(plan, admin, media):
    with pytest.raises(ServiceError, match="へは進められません"):
        _decide(plan, admin, SimpleUploadedFile("議事録.pdf", PDF), to_status="gikai")
    with pytest.raises(ServiceError, match="添付できない種類"):
        _decide(plan, admin, SimpleUploadedFile("議事録.html", b"<p>"))
    assert _files(media) == [] and not PlanDecision.objects.exists()


def test_a_failure_after_the_file_is_written_removes_it(plan, admin, media, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "take_baseline", broken)
    for step in ("genka", "honbu"):
        _decide(plan, admin, to_status=step)
    with pytest.raises(RuntimeError):
        services.advance_plan(
            acting_user=admin,
            plan=plan,
            to_status="gikai",
            decided_on=DAY,
            decided_by="議会",
            minutes_file=SimpleUploadedFile("議事録.pdf", PDF),
            with_baseline=True,
        )
    assert _files(media) == []
    assert not Baseline.objects.exists()


@pytest.mark.parametrize(
    "username", ["muni-staff-1", "dept-staff-1", "executive-1", "pref-staff", "liaison"]
)
def test_download_by_those_who_see_the_plan(plan, admin, user_named, username):
    decision = _decide(plan, admin, SimpleUploadedFile("第1回 議事録.pdf", PDF))
    answer = _client(user_named, username).get(_download_url(plan, decision))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == PDF
    assert answer["Content-Type"] == "application/pdf"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Cache-Control"] == "private, no-store"
    disposition = answer["Content-Disposition"]
    assert disposition.startswith('attachment; filename="1 .pdf";')
    assert "filename*=UTF-8''%E7%AC%AC1%E5%9B%9E%20%E8%AD%B0%E4%BA%8B%E9%8C%B2.pdf" in disposition


def test_another_organizations_minutes_are_404(plan, admin, user_named):
    decision = _decide(plan, admin, SimpleUploadedFile("議事録.pdf", PDF))
    for username, lgcode in [("muni-admin-2", WAKABA), ("t-pref-admin", "980005")]:
        url = _download_url(plan, decision, lgcode)
        assert _client(user_named, username).get(url).status_code == 404
    assert _client(user_named, "muni-admin-2").get(_download_url(plan, decision)).status_code == 404
    other = make_plan(plan.organization, admin, title="別の計画", measures=0)
    wrong_plan = reverse("plans:minutes", args=[AOBA, other.pk, decision.pk])
    assert _client(user_named, "muni-admin-1").get(wrong_plan).status_code == 404


def test_a_decision_without_a_file_has_no_download(plan, admin, user_named):
    decision = _decide(plan, admin)
    answer = _client(user_named, "muni-admin-1").get(_download_url(plan, decision))
    assert answer.status_code == 404


def test_files_have_no_public_url_and_anonymous_must_log_in(plan, admin):
    decision = _decide(plan, admin, SimpleUploadedFile("議事録.pdf", PDF))
    with pytest.raises(ValueError):
        minutes_storage.url(decision.minutes_file.name)
    with pytest.raises(Resolver404):
        resolve("/media/minutes/" + decision.minutes_file.name)
    anonymous = Client().get(_download_url(plan, decision))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("core:login"))


def test_attach_later_and_replace_from_the_history_with_audit(
    plan, admin, user_named, media, django_capture_on_commit_callbacks
):
    decision = _decide(plan, admin)
    client = _client(user_named, "muni-staff-1")
    page = client.get(reverse("plans:plan", args=[AOBA, plan.pk])).content.decode()
    upload_url = reverse("plans:minutes_upload", args=[AOBA, plan.pk, decision.pk])
    assert upload_url in page and "議事録のファイルを添付する" in page
    answer = client.post(upload_url, {"file": SimpleUploadedFile("確定版.docx", b"PK\x03\x04")})
    assert answer.status_code == 302 and answer["Location"].endswith("#decisions")
    decision.refresh_from_db()
    first = Path(decision.minutes_file.path)
    assert decision.minutes_name == "確定版.docx" and first.exists()
    assert decision.minutes_content_type.endswith("wordprocessingml.document")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload_url, {"file": SimpleUploadedFile("修正版.pdf", PDF)})
    decision.refresh_from_db()
    assert decision.minutes_name == "修正版.pdf" and not first.exists()
    assert _files(media) == [Path(decision.minutes_file.path)]
    page = client.get(reverse("plans:plan", args=[AOBA, plan.pk])).content.decode()
    assert "議事録のファイルを差し替える" in page and "修正版.pdf" in page
    entries = AuditEntry.objects.filter(
        model_label="plans.PlanDecision", object_id=str(decision.pk), action="update"
    ).order_by("seq")
    assert [(e.actor_name, e.organization.code) for e in entries] == [
        ("muni-staff-1", AOBA),
        ("muni-staff-1", AOBA),
    ]
    assert entries[1].before["minutes_name"] == "確定版.docx"
    assert entries[1].after["minutes_name"] == "修正版.pdf"
    assert entries[1].after["minutes_sha256"] == decision.minutes_sha256


def test_attach_refusals_keep_the_record_as_it_was(plan, admin, user_named, media):
    decision = _decide(plan, admin)
    url = reverse("plans:minutes_upload", args=[AOBA, plan.pk, decision.pk])
    client = _client(user_named, "muni-admin-1")
    empty = client.post(url, follow=True)
    assert "添付するファイルを選んでから「添付する」を押してください。" in empty.content.decode()
    wrong = client.post(url, {"file": SimpleUploadedFile("a.exe", b"MZ")}, follow=True)
    assert "議事録を添付できませんでした: 「a.exe」は添付できない種類" in wrong.content.decode()
    before = AuditEntry.objects.count()
    for username in ("executive-1", "dept-staff-1", "pref-staff", "liaison"):
        refused = _client(user_named, username).post(
            url, {"file": SimpleUploadedFile("議事録.pdf", PDF)}
        )
        assert refused.status_code == 403, username
    refused = _client(user_named, "muni-admin-2").post(
        url, {"file": SimpleUploadedFile("議事録.pdf", PDF)}
    )
    assert refused.status_code == 404
    assert AuditEntry.objects.count() == before
    decision.refresh_from_db()
    assert not decision.minutes_file and _files(media) == []


def test_a_superseded_versions_minutes_are_read_only(plan, admin, user_named):
    for step in ("genka", "honbu"):
        decision = _decide(plan, admin, to_status=step)
    services.revise_plan(acting_user=admin, plan=plan)
    with pytest.raises(ServiceError, match="改定前の版"):
        services.attach_minutes(
            acting_user=admin, decision=decision, upload=SimpleUploadedFile("a.pdf", PDF)
        )
    page = _client(user_named, "muni-admin-1").get(reverse("plans:plan", args=[AOBA, plan.pk]))
    assert "議事録のファイルを添付する" not in page.content.decode()


def test_the_history_hides_the_upload_from_viewers(plan, admin, user_named):
    _decide(plan, admin, SimpleUploadedFile("議事録.pdf", PDF))
    page = _client(user_named, "executive-1").get(reverse("plans:plan", args=[AOBA, plan.pk]))
    html = page.content.decode()
    assert "議事録.pdf" in html and 'type="file"' not in html


def test_the_api_lists_decisions_with_the_minutes_file(plan, admin, user_named):
    from rest_framework.test import APIClient

    first = _decide(plan, admin, SimpleUploadedFile("議事録.pdf", PDF))
    services.advance_plan(
        acting_user=admin,
        plan=plan,
        to_status="honbu",
        decided_on=DAY,
        decided_by="推進本部",
        minutes_url="https://example.lg.jp/honbu.html",
    )
    api = APIClient()
    api.force_authenticate(user_named("executive-1"))
    decisions = api.get(f"/api/v1/plans/{plan.pk}/").json()["decisions"]
    assert [(d["from_status"], d["to_status"]) for d in decisions] == [
        ("draft", "genka"),
        ("genka", "honbu"),
    ]
    assert decisions[0]["minutes_file"] == {
        "name": "議事録.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sha256": first.minutes_sha256,
        "download_url": "http://testserver" + _download_url(plan, first),
    }
    assert decisions[1]["minutes_file"] is None
    assert decisions[1]["minutes_url"] == "https://example.lg.jp/honbu.html"
