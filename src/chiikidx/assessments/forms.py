import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chiikidx.core.forms import WarekiDateField
from chiikidx.core.japanese import fiscal_year, normalize, parse_decimal
from chiikidx.core.queries import municipalities_of

from . import answers
from .choices import SCORED_TYPES, Direction, Disclosure, QuestionType
from .definition import LEVEL_COUNT
from .models import FrameworkVersion


class AdoptForm(forms.Form):
    code = forms.ChoiceField(label=_("標準フレームワーク"))

    def __init__(self, *args, available: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = available


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("フレームワークのファイル(YAML または Excel)"),
        help_text=_("書き出したファイルを編集して取り込むと、新しい版(下書き)になります。"),
    )


class RoundForm(forms.Form):
    version = forms.ModelChoiceField(label=_("フレームワークの版"), queryset=None)
    title = forms.CharField(label=_("名称"), max_length=200, help_text=_("例: 令和7年度 第1回"))
    opens_on = WarekiDateField(label=_("受付開始日"), help_text=_("例: 2025-06-01、令和7年6月1日"))
    due_on = WarekiDateField(label=_("提出期限"))
    note = forms.CharField(
        label=_("依頼文"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("対象の市町村"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("選ばなければ、管内のすべての市町村に送ります。"),
    )

    def __init__(self, *args, prefecture, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = FrameworkVersion.objects.filter(
            framework__organization=prefecture, status="published"
        ).select_related("framework")
        self.fields["municipalities"].queryset = municipalities_of(prefecture)

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("due_on") and data["due_on"] < data["opens_on"]:
            self.add_error("due_on", _("提出期限は受付開始日以降にしてください。"))
        return data

    def fiscal_year(self) -> int:
        return fiscal_year(self.cleaned_data["opens_on"])


class ReopenForm(forms.Form):
    due_on = WarekiDateField(
        label=_("新しい提出期限"),
        required=False,
        help_text=_("空欄なら今の提出期限のままです。例: 2025-08-31、令和7年8月31日"),
    )


class SettingsForm(forms.Form):
    disclosure = forms.ChoiceField(
        label=_("市町村どうしの結果の公開"),
        choices=Disclosure.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "市町村が互いの結果をどこまで見られるか。すべての調査回に適用されます。"
            "県DX推進課の職員(管理者・職員)は常にすべて見られます。"
        ),
    )


# --- editing a draft framework -----------------------------------------------------------------

CODE_HELP = _("半角英数字と「.」「-」「_」(例: a.1、Q1)。")
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    _("コードは半角英数字で始め、半角英数字と「.」「-」「_」だけで書いてください(例: a.1)。"),
)


class NumberField(forms.CharField):
    """A number typed the way people type it (全角, 1,234.5); None when left empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("maxlength", "30")
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("class", "input-short")

    def to_python(self, value):
        text = normalize(super().to_python(value))
        if not text:
            return None
        try:
            return parse_decimal(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def _plain(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _lines(text: str) -> list[list[str]]:
    """Non-empty lines split at "|" (or a tab, as pasted from Excel)."""
    rows = []
    for line in (text or "").splitlines():
        if line.strip():
            rows.append([part.strip() for part in re.split(r"[|｜\t]", line)])
    return rows


def _number_cell(text: str, where: str):
    try:
        return _plain(parse_decimal(normalize(text))) if text else None
    except ValueError as exc:
        raise ValidationError(f"{where}: {exc}") from exc


class FrameworkForm(forms.Form):
    code = forms.CharField(
        label=_("コード"), max_length=60, validators=[code_validator], help_text=CODE_HELP
    )
    title = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(
        label=_("説明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class VersionInfoForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(
        label=_("説明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.CharField(label=_("出典"), max_length=300, required=False)
    change_note = forms.CharField(
        label=_("この版の変更内容"),
        max_length=300,
        required=False,
        help_text=_("名称・説明・出典はすべての版に共通です。変更内容はこの版だけのものです。"),
    )


def dimension_choices(definition, *, top: str = "", exclude: str = "") -> list:
    """Dimensions as (code, indented title); `exclude` leaves out a dimension and its subtree."""
    choices = [("", top)] if top else []

    def add(dimensions, depth):
        for d in dimensions:
            if d.code == exclude:
                continue
            choices.append((d.code, "　" * (depth - 1) + f"{d.title}({d.code})"))
            add(d.children, depth + 1)

    add(definition.dimensions, 1)
    return choices


class DimensionForm(forms.Form):
    code = forms.CharField(
        label=_("コード"), max_length=60, validators=[code_validator], help_text=CODE_HELP
    )
    title = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(
        label=_("説明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    weight = NumberField(
        label=_("重み"),
        required=True,
        help_text=_("同じ階層の観点どうしの重み。0より大きい数にしてください。"),
    )
    parent = forms.ChoiceField(
        label=_("上位の観点"),
        required=False,
        help_text=_("観点は3階層までです。"),
    )

    def __init__(self, *args, definition, exclude: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = dimension_choices(
            definition, top=gettext("(なし: 最上位の観点)"), exclude=exclude
        )

    def fields_data(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "title": data["title"],
            "description": data["description"],
            "weight": data["weight"],
        }


NUMBER_TYPES = (QuestionType.NUMBER, QuestionType.PERCENT)


class QuestionForm(forms.Form):
    """A question and the settings of its type; `question_data()` is its YAML-shaped data."""

    code = forms.CharField(
        label=_("コード"), max_length=60, validators=[code_validator], help_text=CODE_HELP
    )
    dimension = forms.ChoiceField(label=_("観点"))
    text = forms.CharField(label=_("設問文"), max_length=300)
    help = forms.CharField(
        label=_("補足説明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    type = forms.ChoiceField(label=_("種類"), choices=QuestionType.choices)
    required = forms.BooleanField(label=_("回答を必須にする"), required=False, initial=True)
    weight = NumberField(
        label=_("重み"),
        help_text=_(
            "観点の中での重み。0にすると採点しません。"
            "日付・自由記述・根拠資料の設問は採点しません。"
        ),
        initial=1,
    )
    # The five level descriptors and hints of a maturity question are added in __init__.
    yes_points = NumberField(label=_("「はい」の点数"), initial=100)
    no_points = NumberField(label=_("「いいえ」の点数"), initial=0)
    choices = forms.CharField(
        label=_("選択肢"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "1行に1つ、「値 | 表示名 | 点数」の形で書きます(例: some | 一部 | 60)。"
            "2つ以上必要です。値は回答データに残る記号です。"
        ),
    )
    unit = forms.CharField(label=_("単位"), max_length=20, required=False)
    min = NumberField(label=_("最小値"))
    max = NumberField(label=_("最大値"))
    direction = forms.ChoiceField(label=_("向き"), choices=Direction.choices)
    scoring_method = forms.ChoiceField(
        label=_("採点方法"),
        choices=[
            ("linear", _("直線(0点の値から100点の値まで比例)")),
            ("thresholds", _("段階(しきい値ごとの点数)")),
        ],
    )
    zero = NumberField(label=_("0点になる値"))
    target = NumberField(label=_("100点になる値(目標)"))
    steps = forms.CharField(
        label=_("段階"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "1行に1つ、「値 | 点数」の形で書きます(例: 10 | 100)。"
            "向きが「大きいほどよい」なら値以上で、「小さいほどよい」なら値以下でその点数です。"
        ),
    )

    LEVEL_FIELDS = [(f"level_{i}", f"level_{i}_next") for i in range(LEVEL_COUNT)]

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = dimension_choices(definition)
        for i, (descriptor, hint) in enumerate(self.LEVEL_FIELDS):
            self.fields[descriptor] = forms.CharField(
                label=gettext("レベル%(n)s の状態") % {"n": i}, required=False, max_length=300
            )
            self.fields[hint] = forms.CharField(
                label=gettext("レベル%(n)s から次のレベルへのヒント") % {"n": i},
                required=False,
                max_length=300,
            )

    def level_fields(self):
        return [(self[d], self[h]) for d, h in self.LEVEL_FIELDS]

    def clean_choices(self):
        result = []
        for i, cells in enumerate(_lines(self.cleaned_data["choices"]), start=1):
            where = gettext("選択肢の%(n)s行目") % {"n": i}
            if len(cells) < 2:
                raise ValidationError(
                    gettext("%(where)s: 「値 | 表示名 | 点数」の形で書いてください。")
                    % {"where": where}
                )
            points = _number_cell(cells[2] if len(cells) > 2 else "", where)
            result.append({"value": cells[0], "label": cells[1], "points": points or 0})
        return result

    def clean_steps(self):
        result = []
        for i, cells in enumerate(_lines(self.cleaned_data["steps"]), start=1):
            where = gettext("段階の%(n)s行目") % {"n": i}
            if len(cells) != 2 or not cells[0] or not cells[1]:
                raise ValidationError(
                    gettext("%(where)s: 「値 | 点数」の形で書いてください。") % {"where": where}
                )
            result.append(
                {"at": _number_cell(cells[0], where), "score": _number_cell(cells[1], where)}
            )
        return result

    def question_data(self) -> dict:
        """The question as YAML-shaped data: only what its type uses."""
        data = self.cleaned_data
        qtype = data["type"]
        question = {
            "code": data["code"],
            "text": data["text"],
            "type": qtype,
            "required": data["required"],
        }
        if data["help"]:
            question["help"] = data["help"]
        if qtype in SCORED_TYPES:
            question["weight"] = data["weight"] if data["weight"] is not None else 1
        if qtype == QuestionType.LEVEL:
            question["levels"] = [
                {"descriptor": data[d], "next": data[h]} for d, h in self.LEVEL_FIELDS
            ]
        elif qtype == QuestionType.YESNO:
            question["points"] = {
                "yes": _plain(data["yes_points"]) if data["yes_points"] is not None else 100,
                "no": _plain(data["no_points"]) if data["no_points"] is not None else 0,
            }
        elif qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            question["choices"] = data["choices"]
        elif qtype in NUMBER_TYPES:
            question |= {
                "unit": data["unit"],
                "min": _plain(data["min"]),
                "max": _plain(data["max"]),
                "direction": data["direction"],
            }
            if data["scoring_method"] == "linear":
                question["scoring"] = {
                    "method": "linear",
                    "zero": _plain(data["zero"]),
                    "target": _plain(data["target"]),
                }
            else:
                question["scoring"] = {"method": "thresholds", "steps": data["steps"]}
        return question

    @staticmethod
    def initial_of(q) -> dict:
        """Initial values of the form for a stored question (a QuestionDef)."""
        initial = {
            "code": q.code,
            "dimension": q.dimension_code,
            "text": q.text,
            "help": q.help,
            "type": q.type,
            "required": q.required,
            "weight": shown(q.weight) if q.type in SCORED_TYPES else 1,
            "unit": q.unit,
            "min": shown(q.min),
            "max": shown(q.max),
            "direction": q.direction,
            "scoring_method": q.scoring.get("method", "linear"),
            "zero": shown(q.scoring.get("zero")),
            "target": shown(q.scoring.get("target")),
            "steps": "\n".join(
                f"{shown(s['at'])} | {shown(s['score'])}" for s in q.scoring.get("steps", [])
            ),
            "choices": "\n".join(
                f"{c['value']} | {c['label']} | {shown(c['points'])}" for c in q.choices
            ),
        }
        if q.points:
            initial |= {"yes_points": shown(q.points["yes"]), "no_points": shown(q.points["no"])}
        for (descriptor, hint), level in zip(QuestionForm.LEVEL_FIELDS, q.levels, strict=False):
            initial |= {descriptor: level["descriptor"], hint: level.get("next", "")}
        return initial


def shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = _plain(value)
    return str(value)


RULE_KINDS = [
    ("empty", _("空欄にしなければならない")),
    ("required", _("入力しなければならない(提出時)")),
]


class ValidationRuleForm(forms.Form):
    """A cross-question rule: if question A's answer is X, question B must be empty / given."""

    if_question = forms.ChoiceField(label=_("条件の設問"))
    equals = forms.CharField(
        label=_("その設問の回答が"),
        max_length=200,
        help_text=_("例: いいえ、3(成熟度のレベル)、選択肢の値または表示名"),
    )
    then_question = forms.ChoiceField(label=_("対象の設問"))
    then = forms.ChoiceField(label=_("対象の設問は"), choices=RULE_KINDS)
    message = forms.CharField(
        label=_("表示するメッセージ"),
        max_length=300,
        help_text=_("回答する人に表示されます。例: 「いいえ」の場合、策定日は空欄にしてください。"),
    )

    def __init__(self, *args, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        choices = [("", gettext("選んでください"))] + [
            (q.code, f"{q.code} {q.text}") for q in definition.questions()
        ]
        self.fields["if_question"].choices = choices
        self.fields["then_question"].choices = choices

    def clean(self):
        data = super().clean()
        code, then_code = data.get("if_question"), data.get("then_question")
        if code and then_code and code == then_code:
            self.add_error("then_question", gettext("条件の設問とは別の設問を選んでください。"))
        if code and data.get("equals"):
            try:
                data["equals"] = answers.coerce(self.definition.question(code), data["equals"])
            except ValueError as exc:
                self.add_error("equals", str(exc))
        return data

    def rule(self) -> dict:
        data = self.cleaned_data
        return {
            "if": {"question": data["if_question"], "equals": data["equals"]},
            "then": {"question": data["then_question"], data["then"]: True},
            "message": data["message"],
        }
