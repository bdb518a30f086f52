"""Challenges (課題) for tests: made through the services, owned by a department of the
organization (あおば市: 福祉課, dept-staff-1's department)."""

from chiikidx.challenges import services
from chiikidx.challenges.models import Challenge

from ..plans.sample import admin_of, department

SAMPLE_TITLE = "窓口の待ち時間が長い"


def owner_department(org):
    """あおば市: 福祉課 (dept-staff-1's department); elsewhere the first department."""
    return department(org, "福祉課") if org.code == "992011" else department(org)


def make_challenge(org, user=None, *, shared=False, **fields) -> Challenge:
    values = {
        "title": "紙の申請書を基幹システムに転記している",
        "description": "児童手当の申請書を、窓口で受け取ったあと職員が手で入力している。",
        "department": owner_department(org),
        "field": "窓口",
        "benefit": 4,
        "difficulty": 2,
        "urgency": 3,
    }
    values.update(fields)
    user = user or admin_of(org)
    challenge = services.create_challenge(acting_user=user, organization=org, **values)
    if shared:
        services.share(acting_user=user, challenge=challenge)
    return challenge


def sample_challenge(org) -> Challenge:
    """The organization's shared sample challenge (a 候補), created on demand. It is shared so
    the prefecture's ordinary rights apply to it; privacy is tested on its own."""
    found = Challenge.objects.filter(organization=org, title=SAMPLE_TITLE).first()
    return found or make_challenge(org, title=SAMPLE_TITLE, shared=True)
