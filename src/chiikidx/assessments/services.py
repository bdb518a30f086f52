"""Writes of the assessments app: atomic, with the acting user, audited through the models."""

from __future__ import annotations

import copy
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import audit, bulksql, japanese, uploads
from chiikidx.core import queries as core_queries
from chiikidx.core.choices import Visibility
from chiikidx.core.services import ServiceError

from . import answers, editor, evidence, frameworks, scoring
from .choices import EDITABLE_STATUSES, QuestionType, ResponseStatus, RoundStatus, VersionStatus
from .definition import DefinitionError, FrameworkDef, parse_definition, to_data
from .models import (
    Answer,
    DimensionScore,
    EvidenceFile,
    Framework,
    FrameworkVersion,
    PrefectureSettings,
    Response,
    Round,
)


@transaction.atomic
def install(
    *,
    acting_user,
    organization,
    definition: FrameworkDef,
    based_on: str = "",
    change_note: str = "",
) -> FrameworkVersion:
    """Store a definition as the next draft version of the organization's framework `code`."""
    if not organization.is_prefecture:
        raise ServiceError(_("評価フレームワークは都道府県が管理します。"))
    with audit.acting_as(acting_user):
        framework, _created = Framework.objects.get_or_create(
            organization=organization,
            code=definition.code,
            # Shared: the prefecture's municipalities see what they are asked.
            defaults={
                "visibility": Visibility.SHARED,
                "title": definition.title,
                "description": definition.description,
                "source": definition.source,
                "based_on": based_on,
            },
        )
        number = (framework.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = FrameworkVersion.objects.create(
            framework=framework, number=number, change_note=change_note
        )
        frameworks.write_parts(version, definition)
    return version


@transaction.atomic
def adopt_shipped(*, acting_user, organization, code: str) -> FrameworkVersion:
    """Copy a shipped framework into the prefecture and publish it as is."""
    definition = frameworks.shipped(code)
    version = install(
        acting_user=acting_user,
        organization=organization,
        definition=definition,
        based_on=code,
        change_note=_("標準フレームワークから作成"),
    )
    return publish(acting_user=acting_user, version=version)


class IncompleteFramework(ServiceError):
    """A draft that cannot be published yet; `.problems` lists what is missing (Japanese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            _("この版はまだ公開できません。次の点を直してください: %(problems)s")
            % {"problems": " / ".join(problems)}
        )


@transaction.atomic
def publish(*, acting_user, version: FrameworkVersion) -> FrameworkVersion:
    """Freeze a draft; from now on changes need a new version. The draft must be complete:
    the same check as a file import (an edited draft may still lack questions)."""
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ServiceError(
            _("この版はすでに公開されています。変更するには新しい版を作ってください。")
        )
    try:
        parse_definition(to_data(frameworks.definition_of(version)))
    except DefinitionError as error:
        raise IncompleteFramework(error.problems) from error
    with audit.acting_as(acting_user):
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = acting_user
        version.save()
    return version


@transaction.atomic
def new_draft(
    *,
    acting_user,
    version: FrameworkVersion,
    definition: FrameworkDef | None = None,
    change_note: str = "",
) -> FrameworkVersion:
    """A new draft version: a copy of `version`, or the given (imported) definition."""
    definition = definition or frameworks.definition_of(version)
    framework = version.framework
    if definition.code != framework.code:
        raise ServiceError(
            _("取り込んだファイルのコード「%(got)s」がこのフレームワーク「%(want)s」と違います。")
            % {"got": definition.code, "want": framework.code}
        )
    return install(
        acting_user=acting_user,
        organization=framework.organization,
        definition=definition,
        based_on=framework.based_on,
        change_note=change_note,
    )


@transaction.atomic
def discard_draft(*, acting_user, version: FrameworkVersion) -> None:
    if version.is_published:
        raise ServiceError(_("公開済みの版は削除できません。"))
    with audit.acting_as(acting_user):
        version.delete()


# --- editing a draft in the browser -----------------------------------------------------------


@transaction.atomic
def create_framework(
    *, acting_user, organization, code: str, title: str, description: str = ""
) -> FrameworkVersion:
    """A framework made from scratch: the framework and its empty draft version 1."""
    if not organization.is_prefecture:
        raise ServiceError(_("評価フレームワークは都道府県が管理します。"))
    if Framework.objects.filter(organization=organization, code=code).exists():
        raise ServiceError(
            _("コード「%(code)s」のフレームワークはすでにあります。別のコードにしてください。")
            % {"code": code}
        )
    with audit.acting_as(acting_user):
        framework = Framework.objects.create(
            organization=organization,
            code=code,
            title=title,
            description=description,
            visibility=Visibility.SHARED,
        )
        return FrameworkVersion.objects.create(
            framework=framework, number=1, change_note=_("新規作成")
        )


def _draft(version: FrameworkVersion) -> FrameworkVersion:
    """The version locked for a change, refused when it is published (frozen)."""
    version = (
        FrameworkVersion.objects.select_for_update().select_related("framework").get(pk=version.pk)
    )
    if version.is_published:
        raise ServiceError(
            _(
                "公開済みの版は変更できません。"
                "「この版をもとに新しい版を作る」で下書きを作ってから変更してください。"
            )
        )
    return version


@transaction.atomic
def update_version_info(
    *,
    acting_user,
    version: FrameworkVersion,
    title: str,
    description: str,
    source: str,
    change_note: str,
) -> FrameworkVersion:
    """The framework's name, description and source (shared by all its versions) and the
    draft's change note."""
    version = _draft(version)
    framework = version.framework
    with audit.acting_as(acting_user):
        framework.title, framework.description, framework.source = title, description, source
        framework.save()
        version.change_note = change_note
        version.save()
    return version


@transaction.atomic
def edit_draft(
    *,
    acting_user,
    version: FrameworkVersion,
    change,
    renamed_dimensions: dict | None = None,
    renamed_questions: dict | None = None,
) -> FrameworkDef:
    """Apply `change` (an `editor` function of the YAML-shaped data) to a draft, check the result
    like an import (DefinitionError lists every problem; nothing is written) and store it."""
    version = _draft(version)
    data = copy.deepcopy(to_data(frameworks.definition_of(version)))  # not the stored lists
    change(data)
    definition = parse_definition(data, complete=False)
    with audit.acting_as(acting_user):
        frameworks.write_parts(
            version,
            definition,
            renamed_dimensions=renamed_dimensions,
            renamed_questions=renamed_questions,
        )
    return definition


def save_dimension(
    *, acting_user, version, fields: dict, parent: str = "", old_code: str = ""
) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.save_dimension(data, fields, parent=parent, old_code=old_code),
        renamed_dimensions={old_code: fields["code"]} if old_code else None,
    )


def delete_dimension(*, acting_user, version, code: str) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.delete_dimension(data, code),
    )


def move_dimension(*, acting_user, version, code: str, step: int) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.move_dimension(data, code, step),
    )


def save_question(
    *, acting_user, version, question: dict, dimension: str, old_code: str = ""
) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.save_question(
            data, question, dimension=dimension, old_code=old_code
        ),
        renamed_questions={old_code: question["code"]} if old_code else None,
    )


def delete_question(*, acting_user, version, code: str) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.delete_question(data, code),
    )


def move_question(*, acting_user, version, code: str, step: int) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.move_question(data, code, step),
    )


def add_validation(*, acting_user, version, rule: dict) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user, version=version, change=lambda data: editor.add_rule(data, rule)
    )


def delete_validation(*, acting_user, version, index: int) -> FrameworkDef:
    return edit_draft(
        acting_user=acting_user,
        version=version,
        change=lambda data: editor.delete_rule(data, index),
    )


# --- rounds and responses ----------------------------------------------------------------------


class AnswerErrors(ServiceError):
    """Answers that cannot be saved or submitted; `.errors` lists each (question, message)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(_("回答に誤りがあります。各設問のメッセージを確認してください。"))


@transaction.atomic
def open_round(
    *,
    acting_user,
    prefecture,
    version: FrameworkVersion,
    title: str,
    fiscal_year: int,
    opens_on,
    due_on,
    municipalities=None,
    note: str = "",
) -> Round:
    """Send a published version to the prefecture's municipalities (all, or those given)."""
    if not version.is_published:
        raise ServiceError(_("公開済みの版だけを調査に使えます。先に版を公開してください。"))
    if version.framework.organization_id != prefecture.pk:
        raise ServiceError(_("この都道府県のフレームワークではありません。"))
    targets = list(
        municipalities if municipalities is not None else core_queries.municipalities_of(prefecture)
    )
    if not targets:
        raise ServiceError(_("調査の対象となる市町村を1つ以上選んでください。"))
    with audit.acting_as(acting_user):
        survey = Round.objects.create(
            organization=prefecture,
            version=version,
            title=title,
            fiscal_year=fiscal_year,
            opens_on=opens_on,
            due_on=due_on,
            note=note,
        )
        Response.objects.bulk_create(Response(organization=m, round=survey) for m in targets)
    return survey


@transaction.atomic
def save_answers(
    *, acting_user, response: Response, raw: dict, comments: dict | None = None
) -> dict:
    """Save some answers of an editable response: all given values are valid, or none is saved."""
    saved = save_many_answers(acting_user=acting_user, edits=[(response, raw, comments or {})])
    return saved[response.pk]


@transaction.atomic
def save_many_answers(*, acting_user, edits: list[tuple[Response, dict, dict]]) -> dict:
    """Answers of several editable responses of one round, as `save_answers` does for one:
    every response is checked first and either all are saved or none. The rows are read and
    written together (see write_answers). Returns {response pk: the values saved}."""
    if not edits:
        return {}
    locked = lock_for_answers([response.pk for response, _raw, _comments in edits])
    if len({r.round_id for r in locked.values()}) != 1:
        raise ValueError("save_many_answers takes responses of one round")
    first = next(iter(locked.values()))
    if any(r.status not in EDITABLE_STATUSES for r in locked.values()):
        raise ServiceError(_("提出済みの回答は変更できません。差し戻されると再び編集できます。"))
    refuse_unless_answerable(first.round)
    definition = definition_for(first)
    stored = stored_answers(locked.values())
    attached = evidence.attached_codes_by_response(locked)
    saved, writes = {}, []
    for response, raw, comments in edits:
        response = locked[response.pk]
        values, errors = answers.coerce_all(definition, raw)
        current = {code: a.value for code, a in stored[response.pk].items()} | values
        checked = answers.check(
            definition, current, submitting=False, attached=attached[response.pk]
        )
        errors += [e for e in checked if e.question in values]
        if errors:
            raise AnswerErrors(errors)
        saved[response.pk] = values
        writes.append((response, values, comments))
    write_answers(acting_user, writes, stored)
    return saved


def lock_for_answers(pks) -> dict[int, Response]:
    """The responses of `pks`, locked in a fixed order (two bulk saves cannot deadlock), with
    their round, framework and organization read along (not locked). `pks`: a list or a
    query of primary keys."""
    query = Response.objects.filter(pk__in=pks)
    return _locked_by_pk(query.select_related("round__version__framework", "organization"))


def lock_round_for_answers(round_: Round) -> dict[int, Response]:
    """Every response of `round_`, locked as lock_for_answers locks them, with its organization
    read along and `round_` as its round (for an import of the whole round: reading the round,
    version and framework again with each response cost more than the lock)."""
    locked = _locked_by_pk(round_.responses.select_related("organization"))
    for response in locked.values():
        Response.round.field.set_cached_value(response, round_)
    return locked


def _locked_by_pk(query) -> dict[int, Response]:
    return {r.pk: r for r in query.select_for_update(of=("self",)).order_by("pk")}


def stored_answers(responses) -> dict[int, dict[str, Answer]]:
    """{response pk: {question code: answer}} of the given responses, in one query; each
    answer has its response cached (the audit reads its organization)."""
    by_pk = {r.pk: r for r in responses}
    stored: dict[int, dict] = {pk: {} for pk in by_pk}
    for answer in Answer.objects.filter(response_id__in=list(by_pk)):
        Answer.response.field.set_cached_value(answer, by_pk[answer.response_id])
        stored[answer.response_id][answer.question_code] = answer
    return stored


def write_answers(acting_user, writes: list, stored: dict) -> None:
    """Checked values of locked responses ([(response, {code: value}, {code: comment})]):
    new answers in one statement, changed ones in one audited update; each row audited as the
    ORM's audited writes would audit it, the new ones first. `stored` as stored_answers gives
    it. An empty value of a question never answered writes nothing."""
    new, changed = [], []
    for response, values, comments in writes:
        existing, keys = stored[response.pk], (response.pk, response.organization_id)
        for code, value in values.items():
            answer = existing.get(code)
            if answer is None:
                if value is not None:
                    new.append((keys, code, value, comments.get(code, "")))
                continue
            comment = comments.get(code, answer.comment)
            if (answer.value, answer.comment) != (value, comment):
                answer.value, answer.comment = value, comment
                changed.append(answer)
    with audit.acting_as(acting_user):
        if new:
            _create_answers(new)
        if changed:
            Answer.objects.bulk_update(changed, ["value", "comment"])


NEW_ANSWER_FIELDS = ("id", "response_id", "question_code", "value", "comment")


def _create_answers(new: list[tuple]) -> None:
    """[((response pk, its organization pk), code, value, comment)] as new answers: their ids
    taken first, the rows written in one statement (core.bulksql: COPY on PostgreSQL,
    executemany on SQLite), then a CREATE entry each (audit.record_created), with no model
    instance per row: a prefecture's bulk import makes thousands."""
    head = audit.lock_chain()  # before the rows, as every audited write does
    ids = bulksql.new_ids(Answer, len(new))
    rows, created = [], []  # the rows written; what the audit records of each
    for pk, ((response_id, organization_id), code, value, comment) in zip(ids, new, strict=True):
        row = (pk, response_id, code, value, comment)
        rows.append(row)
        created.append((pk, row, organization_id, f"{code}: {value}"))  # as str(answer)
    bulksql.insert_values(Answer, NEW_ANSWER_FIELDS, rows)
    audit.record_created(Answer, NEW_ANSWER_FIELDS, created, head=head)


def answer_values(response: Response) -> dict:
    return dict(response.answers.values_list("question_code", "value"))


def definition_for(response: Response):
    return round_definition(response.round)


def round_definition(round_: Round):
    return frameworks.cached_definition(round_.version)


def _locked(response: Response) -> Response:
    """The response, locked (its round and framework are read along, not locked: a round's
    municipalities submit at the same time)."""
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("round__version__framework", "organization")
        .get(pk=response.pk)
    )


@transaction.atomic
def submit(*, acting_user, response: Response) -> Response:
    response = _locked(response)
    if response.status not in EDITABLE_STATUSES:
        raise ServiceError(_("この回答はすでに提出されています。"))
    refuse_unless_answerable(response.round)
    definition = definition_for(response)
    errors = answers.check(
        definition,
        answer_values(response),
        submitting=True,
        attached=evidence.attached_codes(response),
    )
    if errors:
        raise AnswerErrors(errors)
    with audit.acting_as(acting_user):
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = timezone.now()
        response.review_comment = ""  # the reason for a return is answered by resubmitting
        _store_scores(response, definition)
        response.save()
    return response


@transaction.atomic
def review(*, acting_user, response: Response, accept: bool, comment: str = "") -> Response:
    """The prefecture accepts a submitted response, or returns it with a comment."""
    response = _locked(response)
    if response.status != ResponseStatus.SUBMITTED:
        raise ServiceError(_("提出済みの回答だけを受理・差し戻しできます。"))
    if not accept and not comment.strip():
        raise ServiceError(_("差し戻す理由をコメントに書いてください。"))
    if response.round.status == RoundStatus.CANCELLED:
        raise ServiceError(_("中止した調査の回答は受理・差し戻しできません。"))
    if not accept and response.round.status != RoundStatus.OPEN:
        raise ServiceError(
            _("締め切った調査の回答は差し戻せません。受付を再開してから差し戻してください。")
        )
    with audit.acting_as(acting_user):
        response.status = ResponseStatus.ACCEPTED if accept else ResponseStatus.RETURNED
        response.reviewed_at = timezone.now()
        response.review_comment = comment.strip()
        if not accept:
            response.overall_score = None
            response.scores.all().delete()
        response.save()
    return response


def refuse_unless_answerable(round_: Round) -> None:
    """Answers are written only while the round is open, from its opening date on."""
    if round_.status == RoundStatus.CANCELLED:
        raise ServiceError(_("この調査は中止されました。回答は不要です。"))
    if round_.status == RoundStatus.CLOSED:
        raise ServiceError(
            _(
                "この調査は締め切られました。回答を変更・提出するには、県に受付の再開を依頼してください。"
            )
        )
    if timezone.localdate() < round_.opens_on:
        raise ServiceError(
            _("受付開始日(%(date)s)より前のため、まだ回答できません。")
            % {"date": japanese.wareki(round_.opens_on)}
        )


@transaction.atomic
def close_round(*, acting_user, round_: Round, reason: str = "") -> Round:
    """締切: no more answers or submissions; submitted responses can still be accepted."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status != RoundStatus.OPEN:
        raise ServiceError(_("受付中の調査だけを締め切れます。"))
    _refuse_long_reason(reason)
    with audit.acting_as(acting_user):
        round_.status, round_.status_reason = RoundStatus.CLOSED, reason.strip()
        round_.save()
    return round_


def _refuse_long_reason(reason: str) -> None:
    """The reason is stored in a 300-character column (PostgreSQL would refuse a longer one)."""
    limit = Round._meta.get_field("status_reason").max_length
    if len(reason.strip()) > limit:
        raise ServiceError(_("理由は%(n)s文字以内で書いてください。") % {"n": limit})


@transaction.atomic
def reopen_round(*, acting_user, round_: Round, due_on=None) -> Round:
    """受付の再開, optionally with a new due date."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status != RoundStatus.CLOSED:
        raise ServiceError(_("締め切った調査だけを再開できます。中止した調査は再開できません。"))
    if due_on is not None and due_on < round_.opens_on:
        raise ServiceError(_("提出期限は受付開始日以降にしてください。"))
    with audit.acting_as(acting_user):
        round_.status, round_.status_reason = RoundStatus.OPEN, ""
        if due_on is not None:
            round_.due_on = due_on
        round_.save()
    return round_


@transaction.atomic
def cancel_round(*, acting_user, round_: Round, reason: str) -> Round:
    """中止: the round is withdrawn; its results no longer count anywhere (kept for the record)."""
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    if round_.status == RoundStatus.CANCELLED:
        raise ServiceError(_("この調査はすでに中止されています。"))
    if not reason.strip():
        raise ServiceError(_("中止の理由を書いてください。市町村にも表示されます。"))
    _refuse_long_reason(reason)
    with audit.acting_as(acting_user):
        round_.status, round_.status_reason = RoundStatus.CANCELLED, reason.strip()
        round_.save()
    return round_


@transaction.atomic
def save_settings(*, acting_user, prefecture, disclosure: str) -> PrefectureSettings:
    with audit.acting_as(acting_user):
        found, _created = PrefectureSettings.objects.select_for_update().get_or_create(
            organization=prefecture, defaults={"disclosure": disclosure}
        )
        if found.disclosure != disclosure:
            found.disclosure = disclosure
            found.save()
    return found


# --- evidence files ----------------------------------------------------------------------------


@transaction.atomic
def attach_evidence(*, acting_user, response: Response, question_code: str, upload) -> EvidenceFile:
    """Store an uploaded file as evidence of an evidence question of an editable response."""
    response = _locked(response)
    if response.status not in EDITABLE_STATUSES:
        raise ServiceError(
            _("提出済みの回答のファイルは変更できません。差し戻されると再び編集できます。")
        )
    refuse_unless_answerable(response.round)
    question = definition_for(response).question_map().get(question_code)
    if question is None or question.type != QuestionType.EVIDENCE:
        raise ServiceError(_("ファイルを添付できるのは根拠資料の設問だけです。"))
    try:
        name, content_type = evidence.check_upload(upload)
    except evidence.EvidenceRefused as refused:
        raise ServiceError(str(refused)) from refused
    item = EvidenceFile(
        response=response,
        question_code=question.code,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=evidence.sha256_of(upload),
        uploaded_by=acting_user,
    )
    with audit.acting_as(acting_user):
        uploads.save_with_file(item.file, evidence.stored_name(response), upload, item.save)
    return item


@transaction.atomic
def remove_evidence(*, acting_user, item: EvidenceFile) -> None:
    """Delete a file of an editable response (the row now, the file once that is committed)."""
    response = _locked(item.response)
    if response.status not in EDITABLE_STATUSES:
        raise ServiceError(
            _("提出済みの回答のファイルは変更できません。差し戻されると再び編集できます。")
        )
    refuse_unless_answerable(response.round)
    name = item.file.name
    with audit.acting_as(acting_user):
        item.delete()
    storage = item.file.storage
    transaction.on_commit(lambda: storage.delete(name))


def _store_scores(response: Response, definition) -> None:
    result = scoring.score_answers(definition, answer_values(response))
    response.overall_score = _rounded(result.overall)
    DimensionScore.objects.filter(response=response).delete()
    DimensionScore.objects.bulk_create(
        DimensionScore(response=response, dimension_code=code, score=_rounded(score))
        for code, score in result.dimensions.items()
    )


def _rounded(value):
    return None if value is None else value.quantize(Decimal("0.01"))
