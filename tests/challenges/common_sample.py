"""The prefecture's common-issue groups for tests: made through the services, of challenges the
municipalities shared (prefecture A: あおば市 992011 and わかば町 993018; prefecture B: its
two demo municipalities)."""

from chiikidx.challenges.common import services
from chiikidx.challenges.models import Challenge, CommonIssueGroup
from chiikidx.core.models import Organization

from ..plans.sample import admin_of
from .sample import make_challenge

SAMPLE_GROUP = "買い物困難者への配送"
# (municipality suffix of the demo prefecture, title, description)
SAMPLE_ISSUES = (
    ("201", "中山間地域の買い物困難者への配送", "ドローンによる配送を近隣と共同で試したい。"),
    ("301", "買い物弱者への共同配送", "宅配事業者と共同配送の仕組みを作りたい。"),
)


def municipality(prefecture, suffix: str) -> Organization:
    return Organization.objects.get(code__startswith=f"{prefecture.code[:2]}{suffix}")


def shared_issue(prefecture, suffix: str, title: str, description: str = "", **fields):
    """A challenge of the prefecture's municipality, shared (or escalated: escalated=True)."""
    org = municipality(prefecture, suffix)
    found = Challenge.objects.filter(organization=org, title=title).first()
    if found is not None:
        return found
    escalate = fields.pop("escalated", False)
    challenge = make_challenge(org, title=title, description=description, shared=True, **fields)
    if escalate:
        from chiikidx.challenges import services as challenge_services

        challenge_services.escalate(
            acting_user=admin_of(org), challenge=challenge, note="県で取りまとめてほしい。"
        )
    return challenge


def sample_group(prefecture) -> CommonIssueGroup:
    """The prefecture's sample group of two shared challenges, created on demand."""
    found = CommonIssueGroup.objects.filter(organization=prefecture, title=SAMPLE_GROUP).first()
    if found is not None:
        return found
    challenges = [shared_issue(prefecture, *issue) for issue in SAMPLE_ISSUES]
    return services.create_group(
        acting_user=admin_of(prefecture),
        prefecture=prefecture,
        challenges=challenges,
        title=SAMPLE_GROUP,
    )


def group_id_of(lgcode: str) -> int:
    """The sample group of a prefecture (0 for a municipality: the route is a 404 there)."""
    org = Organization.objects.get(code=lgcode)
    return sample_group(org).pk if org.is_prefecture else 0
