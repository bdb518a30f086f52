"""Frameworks travel as YAML or Excel without loss, and broken files explain every problem."""

import io

import pytest
from openpyxl import load_workbook

from chiikidx.assessments import framework_excel, frameworks
from chiikidx.assessments.definition import DefinitionError
from chiikidx.assessments.models import FrameworkVersion

from .sample import SAMPLE_YAML

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["chiiki-dx-taisei", "jichitai-dx-status"])
def test_shipped_frameworks_round_trip_through_excel(code):
    original = frameworks.shipped(code)
    assert framework_excel.read(framework_excel.write(original)) == original


def test_sample_round_trips_through_excel():
    sample = frameworks.read_yaml(SAMPLE_YAML.encode())
    assert framework_excel.read(framework_excel.write(sample)) == sample


def test_excel_problems_are_reported_like_yaml_problems():
    book = load_workbook(
        io.BytesIO(framework_excel.write(frameworks.read_yaml(SAMPLE_YAML.encode())))
    )
    book["設問"]["E3"] = "slider"  # an unknown type (Y1)
    book["レベル"].delete_rows(2)  # one level descriptor missing
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(DefinitionError) as failure:
        framework_excel.read(out.getvalue())
    text = "\n".join(failure.value.problems)
    assert "slider" in text and "5つの説明" in text


def test_import_page_accepts_excel_as_a_new_draft(client, sample_version, user_named):
    client.force_login(user_named("pref-admin"))
    body = client.get(f"/o/990001/assessments/versions/{sample_version.pk}/excel/").content
    upload = io.BytesIO(body)
    upload.name = "sample.xlsx"
    response = client.post("/o/990001/assessments/import/", {"file": upload})
    assert response.status_code == 302
    latest = (
        FrameworkVersion.objects.filter(framework=sample_version.framework)
        .order_by("-number")
        .first()
    )
    assert latest.number == 2 and latest.status == "draft"
    assert (
        frameworks.definition_of(latest).questions()
        == frameworks.definition_of(sample_version).questions()
    )
