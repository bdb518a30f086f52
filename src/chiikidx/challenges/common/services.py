"""Writes of the prefecture's common issues (県内の共通課題): groups of similar challenges from
several municipalities, and the wide-area initiative a group becomes — a candidate measure in
one of the prefecture's plans, or a study group (勉強会) with the municipalities taking part.

Every write is atomic, takes the acting user and is audited (the models' audited saves, and an
explicit entry for the participating municipalities, a many-to-many the models cannot see).

Who may do what (core.access): the prefecture's DX推進課 (pref_admin and pref_staff: "change"
on the prefecture) writes; liaisons and the prefecture's other readers only read. A group holds
only challenges the acting user may see (`Challenge.objects.visible_to`), so only shared ones,
of municipalities of that prefecture. The challenges stay their municipalities': nothing here
changes a challenge.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from chiikidx.core import access, audit
from chiikidx.core.choices import AuditAction, OrgKind
from chiikidx.core.models import Organization
from chiikidx.core.services import ServiceError

from ..choices import InitiativeKind
from ..models import Challenge, CommonIssueGroup, CommonIssueMember
from . import similarity

GROUP_FIELDS = ("title", "field", "note")
TITLE_LIMIT = 200
NOTE_LIMIT = 4000
SUGGESTED_TERMS = 2
_PHRASE = re.compile("[\u3041-\u309f]{2,}")


# --- rights ---------------------------------------------------------------------------------


def can_edit(user, prefecture) -> bool:
    """The prefecture's DX推進課 (and system admins) make and change groups."""
    return prefecture.kind == OrgKind.PREFECTURE and access.can(user, "change", prefecture)


def _require_edit(user, prefecture) -> None:
    if prefecture.kind != OrgKind.PREFECTURE:
        raise ServiceError(_("共通課題のグループは県の画面で作ります。"))
    if not access.can(user, "change", prefecture):
        raise ServiceError(
            _("共通課題のグループを作成・変更できるのは、県のDX推進課の管理者・職員だけです。")
        )


# --- groups ---------------------------------------------------------------------------------


def _checked_challenges(user, prefecture, challenges: Iterable) -> list[Challenge]:
    """The challenges as the acting user may see them: shared, of a municipality of this
    prefecture. Anything else is refused as a whole (nothing is half-done)."""
    wanted = sorted({_id(c) for c in challenges})
    found = {
        c.pk: c
        for c in Challenge.objects.visible_to(user)
        .filter(pk__in=wanted, shared_at__isnull=False, organization__prefecture=prefecture)
        .exclude(organization=prefecture)
        .select_related("organization")
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ServiceError(
            _(
                "課題(ID: %(ids)s)は、この県の市町村が共有した課題として見つかりません。"
                "一覧から選び直してください。"
            )
            % {"ids": "、".join(str(pk) for pk in missing)}
        )
    return [found[pk] for pk in wanted]


def _id(value) -> int:
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(str(value).strip())
    except ValueError:
        raise ServiceError(
            _("「%(v)s」はIDとして読めません。数字で指定してください。") % {"v": value}
        ) from None


def _clean_text(value, label: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ServiceError(_("%(f)sを入力してください。") % {"f": label})
    if len(text) > limit:
        raise ServiceError(_("%(f)sは%(n)s文字以内で入力してください。") % {"f": label, "n": limit})
    return text


def most_common_field(challenges: list[Challenge]) -> str:
    fields = Counter(c.field for c in challenges if c.field)
    return min(fields.items(), key=lambda f: (-f[1], f[0]))[0] if fields else ""


def suggested_title(
    challenges: list[Challenge], terms: list[str] | None = None, field: str | None = None
) -> str:
    """A neutral name for a group of `challenges`: up to two words that challenges of at least
    two municipalities share, and their 分野 (「配送・買い物(福祉)の共通課題」).

    Never a challenge's own title or wording: the group's name reaches every member
    municipality (the panel on its challenge, the study group, the measure), while each one
    shared its text with the prefecture only. `terms`: the shared words when the caller has
    them (the similarity grouping), else they are found among these challenges."""
    if terms is None:
        items = [similarity.Item(c.pk, c.title, c.description) for c in challenges]
        terms = similarity.Corpus(items).terms(range(len(items)))
    words = _terms_of_several_municipalities(challenges, terms)[:SUGGESTED_TERMS]
    field = most_common_field(challenges) if field is None else field
    if words and field:
        title = _("%(words)s(%(field)s)の共通課題") % {"words": "・".join(words), "field": field}
    elif words:
        title = _("%(words)sの共通課題") % {"words": "・".join(words)}
    elif field:
        title = _("%(field)sの共通課題") % {"field": field}
    else:
        title = _("市町村に共通する課題")
    return title[:TITLE_LIMIT]


def _terms_of_several_municipalities(challenges: list[Challenge], terms: list[str]) -> list[str]:
    """The terms found in the challenges of two municipalities or more (two challenges of one
    municipality share its own words, not a common issue's), those in the titles of two
    municipalities first; runs of a phrase (「町単独では実証」: two hiragana or more inside) do not
    make a name."""
    titles = [(c.organization_id, "\n".join(similarity.pieces(c.title))) for c in challenges]
    texts = [
        (c.organization_id, "\n".join(similarity.pieces(f"{c.title}\n{c.description}")))
        for c in challenges
    ]
    words = [t for t in terms if _municipalities_writing(t, texts) >= 2 and not _PHRASE.search(t)]
    return sorted(words, key=lambda t: _municipalities_writing(t, titles) < 2)


def _municipalities_writing(term: str, texts: list[tuple[int, str]]) -> int:
    return len({org for org, text in texts if term in text})


@transaction.atomic
def create_group(
    *,
    acting_user,
    prefecture: Organization,
    challenges: Iterable,
    title: str = "",
    field: str | None = None,
    note: str = "",
) -> CommonIssueGroup:
    """A group of shared challenges (one or more, usually from several municipalities). Without a
    field, the one most members have; without a title, a neutral one from the words they share
    and the field (`suggested_title`), never a municipality's own title."""
    _require_edit(acting_user, prefecture)
    chosen = _checked_challenges(acting_user, prefecture, challenges)
    if not chosen:
        raise ServiceError(_("グループにする課題を1件以上選んでください。"))
    field = _clean_text(field if field is not None else most_common_field(chosen), _("分野"), 40)
    title = _clean_text(title, _("共通課題の名前"), TITLE_LIMIT)
    group = CommonIssueGroup(
        organization=prefecture,
        title=title or suggested_title(chosen, field=field),
        field=field,
        note=_clean_text(note, _("メモ"), NOTE_LIMIT),
    )
    with audit.acting_as(acting_user):
        group.save()
        CommonIssueMember.objects.bulk_create(
            [CommonIssueMember(group=group, challenge=c) for c in chosen]
        )
    return group


@transaction.atomic
def update_group(*, acting_user, group: CommonIssueGroup, **fields) -> CommonIssueGroup:
    """The group's name, field and note (メモ: the prefecture's own, never shown to
    municipalities)."""
    _require_edit(acting_user, group.organization)
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise ServiceError(_("変更できない項目です: %(f)s") % {"f": "、".join(sorted(unknown))})
    labels = {"title": _("共通課題の名前"), "field": _("分野"), "note": _("メモ")}
    limits = {"title": TITLE_LIMIT, "field": 40, "note": NOTE_LIMIT}
    for name, value in fields.items():
        setattr(
            group, name, _clean_text(value, labels[name], limits[name], required=name == "title")
        )
    with audit.acting_as(acting_user):
        group.save()
    return group


@transaction.atomic
def add_members(*, acting_user, group: CommonIssueGroup, challenges: Iterable) -> int:
    """Add challenges to the group (those already in it are skipped); returns how many were
    added."""
    _require_edit(acting_user, group.organization)
    chosen = _checked_challenges(acting_user, group.organization, challenges)
    present = set(group.members.values_list("challenge_id", flat=True))
    new = [CommonIssueMember(group=group, challenge=c) for c in chosen if c.pk not in present]
    with audit.acting_as(acting_user):
        CommonIssueMember.objects.bulk_create(new)
        if new:
            group.save()  # updated_at / updated_by: the group changed
    return len(new)


@transaction.atomic
def remove_member(*, acting_user, group: CommonIssueGroup, challenge_id: int) -> None:
    _require_edit(acting_user, group.organization)
    member = group.members.filter(challenge_id=challenge_id).first()
    if member is None:
        raise ServiceError(_("この課題はグループに入っていません。"))
    with audit.acting_as(acting_user):
        member.delete()
        group.save()


@transaction.atomic
def delete_group(*, acting_user, group: CommonIssueGroup) -> None:
    """Dissolve a group (its challenges stay with their municipalities). A group that became a
    plan measure stays: the measure points back at it."""
    _require_edit(acting_user, group.organization)
    if group.measure_id is not None:
        raise ServiceError(
            _(
                "県の施策「%(title)s」になったグループは削除できません。"
                "施策を計画から外してから削除してください。"
            )
            % {"title": group.measure.title}
        )
    with audit.acting_as(acting_user):
        _set_municipalities(group, [])  # the many-to-many's rows, recorded as they go
        group.delete()  # its members go with it (CASCADE, each deletion audited)


@transaction.atomic
def leave_groups(*, acting_user, challenge: Challenge) -> int:
    """Take the challenge out of every prefecture group: its municipality stopped sharing it
    (`challenges.services.unshare`), so it may no longer count, nor be shown, nor name its
    municipality as involved. Each membership's deletion is audited in the prefecture's log.
    Done by the municipality's own staff: it needs the right to change the challenge, not the
    prefecture's. Returns how many groups it left."""
    if not access.can(acting_user, "change", challenge):
        raise ServiceError(_("この課題を変更する権限がありません。"))
    with audit.acting_as(acting_user):
        _deleted, by_model = CommonIssueMember.objects.filter(challenge=challenge).delete()
    return by_model.get(CommonIssueMember._meta.label, 0)


# --- participating municipalities -------------------------------------------------------------


def member_municipalities(group: CommonIssueGroup, user) -> list[Organization]:
    """The municipalities of the group's challenges that `user` may see (shared ones only), in
    code order: what the prefecture's defaults and counts are made of."""
    visible = Challenge.objects.visible_to(user).filter(
        shared_at__isnull=False, pk__in=group.members.values("challenge_id")
    )
    return list(
        Organization.objects.filter(pk__in=visible.values("organization_id")).order_by("code")
    )


def _checked_municipalities(prefecture, municipalities: Iterable) -> list[Organization]:
    wanted = sorted({_id(m) for m in municipalities})
    found = {
        o.pk: o
        for o in Organization.objects.filter(pk__in=wanted, prefecture=prefecture).exclude(
            kind__in=[OrgKind.PREFECTURE, OrgKind.WARD]
        )
    }
    if len(found) != len(wanted):
        raise ServiceError(_("参加する市町村は、この県の市町村から選んでください。"))
    return sorted(found.values(), key=lambda o: o.code)


def _set_municipalities(group: CommonIssueGroup, municipalities: list[Organization]) -> None:
    """Set who takes part, with an audit entry of the change (the many-to-many is invisible to
    the models' own audit)."""
    before = sorted(group.municipalities.values_list("code", flat=True))
    after = [m.code for m in municipalities]
    if before == after:
        return
    group.municipalities.set(municipalities)
    audit.record(
        [
            audit.Change(
                AuditAction.UPDATE, group, {"municipalities": before}, {"municipalities": after}
            )
        ]
    )


# --- wide-area initiatives ----------------------------------------------------------------------


def _require_members(involved: list[Organization]) -> None:
    if not involved:
        raise ServiceError(_("課題のないグループは取組にできません。先に課題を追加してください。"))


@transaction.atomic
def make_study_group(
    *,
    acting_user,
    group: CommonIssueGroup,
    name: str,
    starts_on: datetime.date | None,
    municipalities: Iterable | None = None,
) -> CommonIssueGroup:
    """A study group (勉強会) on the group's issue: its name, first meeting and the
    municipalities taking part (by default those whose challenges are in the group). Called
    again, it changes them. A group that became a plan measure keeps that as its initiative."""
    _require_edit(acting_user, group.organization)
    involved = member_municipalities(group, acting_user)
    _require_members(involved)
    name = _clean_text(name, _("勉強会の名称"), 200, required=True)
    if starts_on is None:
        raise ServiceError(_("勉強会の初回の日付を入力してください。"))
    chosen = (
        involved
        if municipalities is None
        else _checked_municipalities(group.organization, municipalities)
    )
    if not chosen:
        raise ServiceError(_("参加する市町村を1つ以上選んでください。"))
    group.study_group_name = name
    group.study_group_starts_on = starts_on
    if group.initiative != InitiativeKind.MEASURE:
        group.initiative = InitiativeKind.STUDY_GROUP
    with audit.acting_as(acting_user):
        group.save()
        _set_municipalities(group, chosen)
    return group


@transaction.atomic
def make_measure(
    *, acting_user, group: CommonIssueGroup, plan, owner_department=None, title: str = ""
):
    """A candidate measure (県の施策) in one of the prefecture's plans still being written
    (下書き・改定中), linked both ways (source_ref "common:<group id>"). The measure's text names
    how many municipalities raised the issue, not which ones nor their challenges: a prefecture
    plan is often shared with every municipality, while each challenge was shared with the
    prefecture only."""
    from chiikidx.plans import services as plan_services
    from chiikidx.plans.choices import SourceKind as MeasureSource

    _require_edit(acting_user, group.organization)
    involved = member_municipalities(group, acting_user)
    _require_members(involved)
    if plan.organization_id != group.organization_id:
        raise ServiceError(_("計画は県の計画から選んでください。"))
    if group.measure_id is not None:
        raise ServiceError(
            _("このグループはすでに県の施策「%(title)s」になっています。")
            % {"title": group.measure.title}
        )
    measure = plan_services.create_candidate_measure(
        acting_user=acting_user,
        plan=plan,
        owner_department=owner_department,
        source_kind=MeasureSource.COMMON_ISSUE,
        source_ref=f"common:{group.pk}",
        title=_clean_text(title or group.title, _("施策の名前"), TITLE_LIMIT, required=True),
        description=_(
            "県内の共通課題「%(title)s」(%(n)s市町村が共有・相談した課題)から作った施策の候補です。"
        )
        % {"title": group.title, "n": len(involved)},
    )
    group.measure = measure
    group.initiative = InitiativeKind.MEASURE
    with audit.acting_as(acting_user):
        group.save()
        if not group.municipalities.exists():
            _set_municipalities(group, involved)
    return measure
