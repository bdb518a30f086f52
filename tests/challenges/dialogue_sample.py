"""Dialogue records for tests: made through the services, idempotent (found by title)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from chiikidx.challenges.dialogue import services
from chiikidx.challenges.models import DialogueRecord, Opinion

from ..plans.sample import admin_of, department

SAMPLE_TITLE = "権限テストのアンケート"
HELD_ON = datetime.date(2025, 6, 10)


def owner_department(org):
    """あおば市: 福祉課 (dept-staff-1's department); elsewhere the first department."""
    return department(org, "福祉課") if org.code == "992011" else department(org)


def make_record(org, user=None, **fields) -> DialogueRecord:
    values = {
        "kind": "survey",
        "title": "市民アンケート",
        "held_on": HELD_ON,
        "department": owner_department(org),
        "participants": "福祉課長、DX推進室 2名",
        "notes": "窓口の待ち時間と申請書の書きにくさについて意見が多かった。",
    }
    values.update(fields)
    return services.create_record(acting_user=user or admin_of(org), organization=org, **values)


def add_opinion(record, user=None, **values) -> Opinion:
    values = {"text": "窓口の待ち時間が長い。土日も開けてほしい。", **values}
    return services.add_opinion(
        acting_user=user or admin_of(record.organization), record=record, **values
    )


def sample_record(org) -> DialogueRecord:
    """The organization's survey of 福祉課 (あおば市) or of its first department, with one
    opinion and one attached PDF, created on demand."""
    found = DialogueRecord.objects.filter(organization=org, title=SAMPLE_TITLE).first()
    if found is None:
        found = make_record(org, title=SAMPLE_TITLE)
        add_opinion(found, age_band="30代", area="北地区")
        upload = SimpleUploadedFile("議事メモ.pdf", b"%PDF-1.4\n", content_type="application/pdf")
        services.attach_file(acting_user=admin_of(org), record=found, upload=upload)
    return found


def sample_opinion(org) -> Opinion:
    return sample_record(org).opinions.order_by("number").first()


def sample_attachment(org):
    return sample_record(org).attachments.order_by("pk").first()
