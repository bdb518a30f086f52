"""Evidence questions take files as well as a URL: upload, limits, download, delete, rules."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from chiikidx.assessments import excel, frameworks, services
from chiikidx.assessments.models import EvidenceFile, Response, evidence_storage
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError

pytestmark = pytest.mark.django_db

EVIDENCE_YAML = """
code: evidence-test
title: 根拠資料のテスト
version: 1
dimensions:
  - code: a
    title: 体制
    questions:
      - code: Y1
        text: 計画はありますか
        type: yesno
      - code: E1
        text: 計画書(ファイルまたはURL)
        type: evidence
      - code: E2
        text: 参考資料
        type: evidence
        required: false
validations:
  - if: {question: Y1, equals: no}
    then: {question: E2, empty: true}
    message: 計画がない場合、参考資料は添付しないでください。
"""
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def response(user_named, org_coded):
    admin, prefecture = user_named("pref-admin"), org_coded("990001")
    version = services.install(
        acting_user=admin,
        organization=prefecture,
        definition=frameworks.read_yaml(EVIDENCE_YAML.encode()),
    )
    version = services.publish(acting_user=admin, version=version)
    survey = services.open_round(
        acting_user=admin,
        prefecture=prefecture,
        version=version,
        title="根拠資料の調査",
        fiscal_year=2025,
        opens_on=datetime.date(2025, 6, 1),
        due_on=datetime.date(2025, 7, 31),
    )
    return Response.objects.get(round=survey, organization__code="992011")


def _client(user_named, username):
    client = Client()
    client.force_login(user_named(username))
    return client


def _url(name, response, **kwargs):
    return reverse(
        f"assessments:{name}",
        kwargs={"lgcode": response.organization.code, "response_id": response.pk, **kwargs},
    )


def _upload(client, response, name="計画書.pdf", content=PDF, question="E1"):
    return client.post(
        _url("evidence_upload", response),
        {"question": question, "file": SimpleUploadedFile(name, content, "application/pdf")},
    )


def _attach(response, user, name="計画書.pdf", content=PDF, question="E1"):
    return services.attach_evidence(
        acting_user=user,
        response=response,
        question_code=question,
        upload=SimpleUploadedFile(name, content),
    )


def test_upload_stores_the_file_under_a_generated_name(response, user_named, media):
    client = _client(user_named, "muni-staff-1")
    result = _upload(client, response)
    assert result.status_code == 302 and result["Location"].endswith("#q-E1")
    item = EvidenceFile.objects.get(response=response)
    assert (item.question_code, item.original_name, item.size) == ("E1", "計画書.pdf", len(PDF))
    assert item.content_type == "application/pdf" and len(item.sha256) == 64
    assert item.uploaded_by == user_named("muni-staff-1")
    stored = Path(item.file.path)
    assert stored.read_bytes() == PDF
    assert stored.is_relative_to(media / "evidence" / "992011" / str(response.pk))
    assert "計画書" not in item.file.name and not item.file.name.endswith(".pdf")
    page = client.get(_url("response", response))
    assert "計画書.pdf" in page.content.decode() and "を添付しました" in page.content.decode()


def test_the_clients_file_name_is_never_a_path(response, user_named, media):
    item = _attach(response, user_named("muni-staff-1"), name="..\\../../etc/報告\x00書.pdf")
    assert item.original_name == "報告書.pdf"
    assert Path(item.file.path).resolve().is_relative_to(media.resolve() / "evidence")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ", "添付できない種類のファイルです"),
        ("noext", b"data", "添付できない種類のファイルです"),
        ("empty.pdf", b"", "空のファイル(0バイト)です"),
        ("big.pdf", b"x" * 2048, "上限の 1.0 KB を超えています"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(
    response, user_named, settings, media, name, content, message
):
    settings.EVIDENCE_MAX_BYTES = 1024
    result = _upload(_client(user_named, "muni-staff-1"), response, name=name, content=content)
    assert result.status_code == 400
    assert message in result.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_upload_without_a_file_or_to_another_kind_of_question_is_refused(response, user_named):
    client = _client(user_named, "muni-staff-1")
    empty = client.post(_url("evidence_upload", response), {"question": "E1"})
    assert empty.status_code == 400 and "添付するファイルを選んで" in empty.content.decode()
    other = _upload(client, response, question="Y1")
    assert other.status_code == 302
    assert not EvidenceFile.objects.exists()
    with pytest.raises(ServiceError, match="根拠資料の設問だけ"):
        _attach(response, user_named("muni-staff-1"), question="NOPE")


@pytest.mark.parametrize("username", ["muni-staff-1", "executive-1", "pref-staff", "liaison"])
def test_download_by_those_who_see_the_response(response, user_named, username):
    item = _attach(response, user_named("muni-staff-1"))
    result = _client(user_named, username).get(_url("evidence_download", response, file_id=item.pk))
    assert result.status_code == 200
    assert b"".join(result.streaming_content) == PDF
    assert result["Content-Type"] == "application/pdf"
    assert result["X-Content-Type-Options"] == "nosniff"
    disposition = result["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%A8%88%E7%94%BB%E6%9B%B8.pdf" in disposition
    assert 'filename="evidence.pdf"' in disposition


def test_another_organizations_file_is_a_404(response, user_named, org_coded):
    item = _attach(response, user_named("muni-staff-1"))
    other = Response.objects.get(round=response.round, organization__code="993018")
    # someone of another municipality or prefecture, through their own workspace
    for username, lgcode, response_id in [
        ("muni-admin-2", "993018", other.pk),
        ("t-pref-admin", "980005", response.pk),
    ]:
        url = reverse(
            "assessments:evidence_download",
            kwargs={"lgcode": lgcode, "response_id": response_id, "file_id": item.pk},
        )
        assert _client(user_named, username).get(url).status_code == 404
    # and through the file's own workspace they do not see
    assert (
        _client(user_named, "muni-admin-2")
        .get(_url("evidence_download", response, file_id=item.pk))
        .status_code
        == 404
    )


def test_delete_while_editable_removes_row_and_file(
    response, user_named, django_capture_on_commit_callbacks
):
    item = _attach(response, user_named("muni-staff-1"))
    path = Path(item.file.path)
    client = _client(user_named, "muni-staff-1")
    with django_capture_on_commit_callbacks(execute=True):
        result = client.post(_url("evidence_delete", response, file_id=item.pk))
    assert result.status_code == 302
    assert not EvidenceFile.objects.exists() and not path.exists()


def test_viewers_who_may_not_change_cannot_upload_or_delete(response, user_named):
    item = _attach(response, user_named("muni-staff-1"))
    for username in ["executive-1", "liaison", "pref-staff"]:
        client = _client(user_named, username)
        assert _upload(client, response).status_code == 403
        assert client.post(_url("evidence_delete", response, file_id=item.pk)).status_code == 403
    assert EvidenceFile.objects.count() == 1


def test_files_are_frozen_once_submitted(response, user_named):
    staff = user_named("muni-staff-1")
    item = _attach(response, staff)
    services.save_answers(acting_user=staff, response=response, raw={"Y1": "はい"})
    services.submit(acting_user=staff, response=response)
    client = _client(user_named, "muni-staff-1")
    refused = _upload(client, response)
    assert refused.status_code == 400 and "提出済みの回答のファイルは変更できません" in (
        refused.content.decode()
    )
    client.post(_url("evidence_delete", response, file_id=item.pk))
    assert list(EvidenceFile.objects.all()) == [item] and Path(item.file.path).exists()
    page = client.get(_url("response", response)).content.decode()
    assert "計画書.pdf" in page and 'type="file"' not in page


def test_required_evidence_is_satisfied_by_a_file(response, user_named):
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw={"Y1": "はい"})
    with pytest.raises(services.AnswerErrors) as failed:
        services.submit(acting_user=staff, response=response)
    assert {e.question: e.message for e in failed.value.errors} == {
        "E1": "根拠資料が必要です。URLを入力するか、ファイルを添付してから提出してください。"
    }
    _attach(response, staff)
    services.submit(acting_user=staff, response=response)
    response.refresh_from_db()
    assert response.status == "submitted" and services.answer_values(response).get("E1") is None


def test_a_url_still_answers_the_question(response, user_named):
    staff = user_named("muni-staff-1")
    raw = {"Y1": "はい", "E1": "https://www.example.lg.jp/plan.pdf"}
    services.save_answers(acting_user=staff, response=response, raw=raw)
    services.submit(acting_user=staff, response=response)


def test_an_empty_rule_counts_files(response, user_named):
    staff = user_named("muni-staff-1")
    _attach(response, staff, question="E2")
    _attach(response, staff, question="E1")
    services.save_answers(acting_user=staff, response=response, raw={"Y1": "いいえ"})
    with pytest.raises(services.AnswerErrors) as failed:
        services.submit(acting_user=staff, response=response)
    assert [e.question for e in failed.value.errors] == ["E2"]


def test_progress_counts_a_file_as_an_answer(response, user_named):
    client = _client(user_named, "muni-staff-1")
    _attach(response, user_named("muni-staff-1"))
    saved = client.post(
        _url("response_save", response), {"q-Y1": "はい"}, HTTP_ACCEPT="application/json"
    )
    assert saved.json()["progress"] == {"a": 67}  # Y1 and E1 of Y1, E1, E2


def test_uploads_and_deletions_are_audited(
    response, user_named, django_capture_on_commit_callbacks
):
    staff = user_named("muni-staff-1")
    item = _attach(response, staff)
    pk = item.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_evidence(acting_user=staff, item=item)
    entries = AuditEntry.objects.filter(
        model_label="assessments.EvidenceFile", object_id=str(pk)
    ).order_by("seq")
    assert [(e.action, e.actor_name, e.organization.code) for e in entries] == [
        ("create", "muni-staff-1", "992011"),
        ("delete", "muni-staff-1", "992011"),
    ]
    assert entries[0].after["original_name"] == "計画書.pdf"


def test_reviewing_prefecture_sees_files_with_size_and_link(response, user_named):
    staff = user_named("muni-staff-1")
    item = _attach(response, staff)
    services.save_answers(acting_user=staff, response=response, raw={"Y1": "はい"})
    services.submit(acting_user=staff, response=response)
    page = _client(user_named, "pref-staff").get(_url("response", response)).content.decode()
    assert "計画書.pdf" in page and f"{len(PDF)} バイト" in page
    assert _url("evidence_download", response, file_id=item.pk) in page
    assert "(未回答)" not in page.split('id="q-E1"')[1].split('id="q-E2"')[0]


def test_editable_page_has_an_upload_form_per_evidence_question(response, user_named):
    _attach(response, user_named("muni-staff-1"))
    page = _client(user_named, "muni-staff-1").get(_url("response", response)).content.decode()
    for code in ("E1", "E2"):
        assert f'<form id="evidence-upload-{code}"' in page
        assert f'form="evidence-upload-{code}"' in page
    assert 'enctype="multipart/form-data"' in page and "evidence-delete-" in page


def test_excel_shows_file_names_and_import_leaves_files_alone(response, user_named):
    staff = user_named("muni-staff-1")
    item = _attach(response, staff)
    raw = {"Y1": "はい", "E2": "https://www.example.lg.jp/ref.pdf"}
    services.save_answers(acting_user=staff, response=response, raw=raw)
    before = services.answer_values(response)
    data = excel.template(response)
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=excel.HEADER_ROW + 1)}
    assert rows["E1"][4].value is None and rows["E1"][7].value == f"計画書.pdf({len(PDF)} バイト)"
    assert rows["E1"][7].protection.locked
    excel.import_upload(acting_user=staff, response=response, data=data, filename="a.xlsx")
    assert services.answer_values(response) == before
    assert list(EvidenceFile.objects.all()) == [item]


def test_round_workbook_lists_files_and_round_trips(response, user_named):
    staff = user_named("muni-staff-1")
    item = _attach(response, staff)
    services.save_answers(acting_user=staff, response=response, raw={"Y1": "はい"})
    survey = response.round
    responses = list(survey.responses.select_related("organization").order_by("organization"))
    data = excel.round_workbook(survey, responses)
    listed = load_workbook(io.BytesIO(data))[excel.FILES_SHEET]
    assert [c.value for c in listed[2]][:4] == [
        "992011",
        response.organization.name,
        "E1",
        "計画書.pdf",
    ]
    excel.import_round_workbook(acting_user=staff, round_=survey, data=data, filename="r.xlsx")
    assert list(EvidenceFile.objects.all()) == [item]


def test_api_lists_file_metadata_read_only(response, user_named):
    item = _attach(response, user_named("muni-staff-1"))
    api = APIClient()
    api.force_authenticate(user_named("pref-staff"))
    data = api.get(f"/api/v1/assessment-responses/{response.pk}/").json()
    assert data["evidence_files"] == [
        {
            "id": item.pk,
            "question_code": "E1",
            "name": "計画書.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "sha256": item.sha256,
            "uploaded_at": data["evidence_files"][0]["uploaded_at"],
            "download_url": "http://testserver"
            + _url("evidence_download", response, file_id=item.pk),
        }
    ]
    assert data["answers"] == {}


def test_files_live_outside_static_and_have_no_public_url(response, user_named, media):
    item = _attach(response, user_named("muni-staff-1"))
    path = Path(item.file.path).resolve()
    assert not path.is_relative_to(Path(django_settings.STATIC_ROOT).resolve())
    assert not path.is_relative_to(Path(django_settings.PACKAGE_DIR).resolve())
    with pytest.raises(ValueError):
        evidence_storage.url(item.file.name)
    with pytest.raises(Resolver404):
        resolve("/media/evidence/" + item.file.name)
    anonymous = Client().get(_url("evidence_download", response, file_id=item.pk))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("core:login"))


def test_scores_do_not_depend_on_evidence(response, user_named):
    staff = user_named("muni-staff-1")
    services.save_answers(acting_user=staff, response=response, raw={"Y1": "はい"})
    _attach(response, staff)
    services.submit(acting_user=staff, response=response)
    response.refresh_from_db()
    assert response.overall_score == 100  # Y1 only: evidence questions are never scored
