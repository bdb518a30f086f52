"""Reads of the prefecture's common issues (県内の共通課題) that pages, the API and the panel on a
challenge's page share.

The prefecture's queue is `Challenge.objects.visible_to(user)`: a municipality's challenge
shows only once it is shared (`shared_at`, set also by escalating it), and a liaison sees only
the municipalities assigned to them. The page's reads are a fixed number of queries whatever
the number of issues (the tests pin them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext

from chiikidx.core import access
from chiikidx.core.panels import Panel
from chiikidx.core.queries import municipalities_of
from chiikidx.plans.queries import user_departments

from ..choices import InitiativeKind
from ..models import Challenge, CommonIssueGroup, CommonIssueMember
from . import services, similarity

EXCERPT_CHARS = 120


def queue(prefecture, user) -> QuerySet:
    """The shared challenges of the prefecture's municipalities that `user` may see, with
    their municipality."""
    return (
        Challenge.objects.visible_to(user)
        .filter(organization__prefecture=prefecture, shared_at__isnull=False)
        .exclude(organization=prefecture)
        .select_related("organization")
    )


def filtered(found: QuerySet, *, field: str = "", region: str = "") -> QuerySet:
    if field:
        found = found.filter(field=field)
    if region:
        found = found.filter(organization__region=region)
    return found


def totals(found: QuerySet) -> dict:
    """Counts for the page's header (one query)."""
    return found.aggregate(
        shared=Count("pk"),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        municipalities=Count("organization", distinct=True),
    )


def fields_of(found: QuerySet) -> list[str]:
    names = found.order_by().values_list("field", flat=True).distinct()
    return sorted(n for n in names if n)


def regions_of(prefecture) -> list[str]:
    names = municipalities_of(prefecture).order_by().values_list("region", flat=True).distinct()
    return sorted(n for n in names if n)


def queue_rows(found: QuerySet, *, escalated: bool) -> QuerySet:
    """Escalated challenges (県・広域で対応) or the other shared ones, by 分野, newest first."""
    found = found.filter(escalated_at__isnull=not escalated)
    order = "-escalated_at" if escalated else "-shared_at"
    return found.order_by("field", order, "pk")


def items_of(found: QuerySet) -> list[similarity.Item]:
    """What the similarity reads of each challenge (one query, texts only)."""
    rows = found.order_by("pk").values_list("pk", "title", "description")
    return [similarity.Item(pk, title, description) for pk, title, description in rows]


# --- the similarity grouping ---------------------------------------------------------------------


@dataclass
class Member:
    """A challenge shown side by side with the others of its group, the shared words marked."""

    challenge: Challenge
    title: list
    excerpt: list
    groups: list = field(default_factory=list)  # the prefecture's groups it is already in


@dataclass
class SimilarGroup:
    number: int
    members: list[Member]
    cohesion: float
    terms: list[str]
    municipality_count: int
    fields: list[str]
    grouped_as: CommonIssueGroup | None = None  # a group holding every member already
    size: int = 0  # members in all (more than `members` when the page shows only some)
    hidden_keys: list[int] = field(default_factory=list)  # members not shown
    suggested_title: str = ""  # a neutral name for the group it may become

    @property
    def form_id(self) -> str:
        return f"sg-form-{self.number}"

    @property
    def more(self) -> int:
        return len(self.hidden_keys)

    @property
    def cohesion_percent(self) -> int:
        return round(self.cohesion * 100)

    @property
    def keys(self) -> list[int]:
        return [m.challenge.pk for m in self.members]


def group_similar(found: QuerySet, threshold: float) -> similarity.Grouping:
    """The grouping of every challenge in `found` (texts read in one query; the grouping of
    the same texts at the same threshold is kept, see similarity.group_items_kept)."""
    return similarity.group_items_kept(items_of(found), threshold)


def similar_groups(
    prefecture, found: QuerySet, groups: list[similarity.Group], numbers: range
) -> list[SimilarGroup]:
    """The given groups (one page of them) with their challenges read in one query and the
    prefecture's existing groups in another."""
    wanted = {k for g in groups for k in g.keys}
    challenges = found.filter(pk__in=wanted).in_bulk() if wanted else {}
    existing = _existing_groups(prefecture, wanted)
    shown = []
    for number, group in zip(numbers, groups, strict=False):
        members = [_member(challenges[k], group.terms, existing.get(k, [])) for k in group.keys]
        member_challenges = [m.challenge for m in members]
        shown.append(
            SimilarGroup(
                number=number,
                members=members,
                cohesion=group.cohesion,
                terms=group.terms,
                municipality_count=len({c.organization_id for c in member_challenges}),
                fields=sorted({c.field for c in member_challenges if c.field}),
                grouped_as=_common_group(members),
                suggested_title=services.suggested_title(member_challenges, group.terms),
            )
        )
    return shown


def _member(challenge: Challenge, terms: list[str], groups: list) -> Member:
    return Member(
        challenge=challenge,
        title=similarity.highlight(challenge.title, terms),
        excerpt=similarity.highlight(excerpt(challenge.description), terms),
        groups=groups,
    )


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _existing_groups(prefecture, challenge_ids: set[int]) -> dict[int, list]:
    """challenge id → the prefecture's groups holding it (one query)."""
    found: dict[int, list] = defaultdict(list)
    if not challenge_ids:
        return found
    members = (
        CommonIssueMember.objects.filter(
            group__organization=prefecture, challenge_id__in=challenge_ids
        )
        .select_related("group")
        .order_by("group_id")
    )
    for member in members:
        found[member.challenge_id].append(member.group)
    return found


def attach_groups(prefecture, challenges) -> None:
    """Give each challenge (of one page) `common_groups`: the prefecture's groups holding it."""
    challenges = list(challenges)
    existing = _existing_groups(prefecture, {c.pk for c in challenges})
    for challenge in challenges:
        challenge.common_groups = existing.get(challenge.pk, [])


def _common_group(members: list[Member]) -> CommonIssueGroup | None:
    if not members or not members[0].groups:
        return None
    for group in members[0].groups:
        if all(any(g.pk == group.pk for g in m.groups) for m in members[1:]):
            return group
    return None


# --- the prefecture's groups ---------------------------------------------------------------------


def shared_visible(user) -> QuerySet:
    """The challenges `user` may see that are shared: what a group's counts and defaults are
    made of (a municipality's own unshared challenge is visible to its staff, never counted
    in a prefecture's group)."""
    return Challenge.objects.visible_to(user).filter(shared_at__isnull=False)


def groups_of(prefecture, user) -> QuerySet:
    """The prefecture's groups the user may see, newest first, with how many of their
    challenges and municipalities the user may see (a liaison: those assigned to them)."""
    counted = Q(members__challenge_id__in=shared_visible(user).values("pk"))
    return (
        CommonIssueGroup.objects.visible_to(user)
        .filter(organization=prefecture)
        .select_related("measure__plan")
        .annotate(
            member_count=Count("members", filter=counted, distinct=True),
            municipality_count=Count(
                "members__challenge__organization", filter=counted, distinct=True
            ),
        )
        .order_by("-updated_at", "-pk")
    )


def group_of(prefecture, user, group_id) -> CommonIssueGroup:
    """A group of the URL's prefecture (another's id: DoesNotExist → 404)."""
    return (
        CommonIssueGroup.objects.visible_to(user)
        .select_related("organization", "measure__plan", "created_by", "updated_by")
        .get(pk=group_id, organization=prefecture)
    )


@dataclass
class Members:
    """A group's challenges as one user sees them."""

    shown: list[Challenge]  # those the user may see, by municipality code
    hidden: int  # shared ones the user may not see (a liaison: other municipalities')
    hidden_municipalities: int  # how many municipalities those are, never which


def members_of(group: CommonIssueGroup, user) -> Members:
    """The group's challenges the user may see (a liaison: those of their municipalities), and
    how many other shared ones it holds (two queries). A challenge its municipality stopped
    sharing is not in any group any more (`services.leave_groups`), and would count nowhere."""
    shown = list(
        shared_visible(user)
        .filter(pk__in=group.members.values("challenge_id"))
        .select_related("organization", "department")
        .order_by("organization__code", "pk")
    )
    every = group.members.filter(challenge__shared_at__isnull=False).values_list(
        "challenge_id", "challenge__organization_id"
    )
    seen = {c.pk for c in shown}
    seen_orgs = {c.organization_id for c in shown}
    hidden = [(pk, org) for pk, org in every if pk not in seen]
    return Members(shown, len(hidden), len({org for _pk, org in hidden} - seen_orgs))


def participants_of(group: CommonIssueGroup, user) -> tuple[list, int]:
    """The study group's municipalities the user may see (a liaison: those assigned to them),
    in code order, and how many others take part (no names)."""
    taking_part = sorted(group.municipalities.all(), key=lambda o: o.code)
    shown = [o for o in taking_part if access.can(user, "view", o)]
    return shown, len(taking_part) - len(shown)


def group_detail(group: CommonIssueGroup, user, threshold: float) -> dict:
    """The members side by side with the words they share marked, and challenges outside the
    group that resemble it (IDF over the prefecture's whole queue the user sees)."""
    found_members = members_of(group, user)
    members = found_members.shown
    found = queue(group.organization, user)
    items = items_of(found)
    positions = {item.key: i for i, item in enumerate(items)}
    corpus = similarity.Corpus(items)
    terms = corpus.terms([positions[c.pk] for c in members if c.pk in positions])
    suggested = similarity.suggestions(items, [c.pk for c in members], threshold)
    suggested_rows = found.filter(pk__in=[k for k, _score in suggested]).in_bulk()
    return {
        "members": [_member(c, terms, []) for c in members],
        "hidden_count": found_members.hidden,
        "hidden_municipalities": found_members.hidden_municipalities,
        "terms": terms,
        "suggestions": [
            (suggested_rows[k], score) for k, score in suggested if k in suggested_rows
        ],
    }


def candidate_plans(prefecture):
    """The prefecture's plans a candidate measure may go into (下書き・改定中)."""
    from chiikidx.plans.choices import CANDIDATE_PLAN_STATUSES
    from chiikidx.plans.models import Plan

    return Plan.objects.filter(
        organization=prefecture, status__in=CANDIDATE_PLAN_STATUSES
    ).order_by("-start_fy", "title", "pk")


def default_department(user, prefecture) -> int | None:
    """The acting user's own department in the prefecture: the measure's owner by default."""
    return next(iter(user_departments(user, prefecture)), None)


# --- the panel on a municipality's challenge ------------------------------------------------------


@dataclass
class Joined:
    """What a challenge's municipality may know of a prefecture group its challenge is in."""

    title: str
    initiative: str
    study_group_name: str
    study_group_starts_on: object
    has_measure: bool
    measure_title: str  # "" when the user may not see the prefecture's plan
    plan_title: str
    invited: bool | None  # to the study group (None: no study group)
    url: str = ""  # the group's page, for those who may see it (the prefecture)


def challenge_panel(request, challenge) -> Panel | None:
    """「県・広域での取組」 on a challenge's page: which prefecture group its challenge joined and
    what the prefecture made of it.

    The municipality may not see the prefecture's groups (they are the prefecture's objects,
    holding other municipalities' shared challenges). Its members are shown only what concerns
    them: the group's name, the kind of initiative, the study group's name, first date and
    whether they are invited, and that it became a prefecture measure, with the measure's and
    its plan's names only if they may see that plan (a draft plan is the prefecture's own). Never
    the other members, the other municipalities, nor the prefecture's note. The prefecture's
    staff and liaisons (who may see the group) get the same with a link to the group."""
    user = getattr(request, "user", None)
    if user is None or not access.can(user, "view", challenge):
        return None
    members = list(
        CommonIssueMember.objects.filter(challenge=challenge)
        .select_related("group__organization", "group__measure__plan__organization")
        .prefetch_related("group__municipalities")
        .order_by("group_id")
    )
    if not members:
        return None
    joined = [_joined(user, m.group, challenge.organization_id) for m in members]
    context = {"panel_joined": joined, "panel_escalated": challenge.escalated_at is not None}
    return Panel("challenges/common_panel.html", context, order=70)


def _joined(user, group: CommonIssueGroup, municipality_id: int) -> Joined:
    measure = group.measure
    plan = measure.plan if measure is not None and access.can(user, "view", measure.plan) else None
    invited = None
    if group.study_group_name:
        invited = any(o.pk == municipality_id for o in group.municipalities.all())
    url = ""
    if access.can(user, "view", group):
        url = reverse("challenges:common_group", args=[group.organization.code, group.pk])
    return Joined(
        title=group.title,
        initiative=InitiativeKind(group.initiative).label if group.initiative else "",
        study_group_name=group.study_group_name,
        study_group_starts_on=group.study_group_starts_on,
        has_measure=measure is not None,
        measure_title=measure.title if plan else "",
        plan_title=plan.title if plan else "",
        invited=invited,
        url=url,
    )


def initiative_label(group: CommonIssueGroup) -> str:
    return InitiativeKind(group.initiative).label if group.initiative else gettext("未定")
