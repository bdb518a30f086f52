"""Analysis of written-down processes (業務プロセスの書き出し), pure: plain data in, figures out,
no database. Pages, the Excel export and the API all read their figures from here.

    staff minutes per case      Σ minutes of the steps performed by 職員
    staff minutes per year      Σ minutes × annual volume (件/年), steps performed by 職員
    resident minutes per year   the same for steps performed by 住民・事業者

Steps shared across processes: the same step type and the same normalised name (NFKC, no
spaces or punctuation, particles such as の・を between two words dropped, a closing する
dropped — so 「本人確認書類の確認」 and 「本人確認書類確認」 are one step) in two or more
processes: 共通化・標準化の候補.

Improvement candidates (改善の候補), at most one per step, the first rule that applies:
1. a 転記 on 紙 → RPA・OCR or 電子申請 (the data arrives as data);
2. an 入力 or 転記 by 職員 or 委託事業者 after an earlier 紙 step of the same process: the data
   was on paper and is keyed in again (its source: the latest paper form filled in (記入)
   before it, else the latest paper step) → the same remedy;
3. a 記入 on 紙 by 住民・事業者 → 書かない窓口;
4. a 対面 step whose step type has no 電子 step in the same process (nothing but the counter)
   → オンライン申請・書かない窓口.
What a candidate would free is its step's staff minutes per year (an upper bound: the work
may shrink rather than vanish), and for residents their minutes per year.

Prefecture comparison of one procedure (same 比較用の標準名) across municipalities: the
steps aligned by step type; a step type present in most of the municipalities (more than
half, at least two) is a candidate for a common standard; a step type one municipality does
電子 while another does it on 紙 only is a candidate for following the digital one (七ヶ条(4):
the prefecture standardises 校務 processes and forms across its municipalities). A
municipality may have written the procedure down as several processes (e.g. 窓口 and 郵送):
each is a column, but the counts are of municipalities, so it counts once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from ..choices import Medium, Performer, StepType

ZERO, SIXTY, TENTH = Decimal(0), Decimal(60), Decimal("0.1")
STEP_TYPE_ORDER = {value: i for i, value in enumerate(StepType.values)}
MEDIUM_ORDER = {value: i for i, value in enumerate(Medium.values)}


# --- plain data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepData:
    id: int | None
    order: int
    name: str
    step_type: str
    medium: str
    minutes: Decimal
    performer: str = Performer.STAFF
    performer_note: str = ""

    @property
    def by_staff(self) -> bool:
        return self.performer == Performer.STAFF

    @property
    def type_label(self) -> str:
        return _label(StepType, self.step_type)

    @property
    def medium_label(self) -> str:
        return _label(Medium, self.medium)

    @property
    def performer_label(self) -> str:
        return _label(Performer, self.performer)


@dataclass(frozen=True)
class ProcessData:
    id: int | None
    name: str
    annual_volume: int
    steps: tuple[StepData, ...] = ()
    common_name: str = ""
    department: str = ""
    organization: str = ""  # the organization's name (prefecture comparison)
    organization_code: str = ""


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def staff_minutes_year(step: StepData, volume: int) -> Decimal:
    return step.minutes * volume if step.by_staff else ZERO


def resident_minutes_year(step: StepData, volume: int) -> Decimal:
    return step.minutes * volume if step.performer == Performer.RESIDENT else ZERO


def hours(minutes: Decimal) -> Decimal:
    """Minutes as hours, exact (rounded for display only, by `one_place`)."""
    return minutes / SIXTY


def one_place(value: Decimal) -> Decimal:
    """A figure as every output shows it — the API, the Excel files, the charts and the 課題's
    text: one decimal place, a half rounded up (0.25 時間 → 0.3), as the pages' floatformat
    rounds too. Python's round() and Decimal.quantize would round a half to even (0.2)."""
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


# --- one process --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    steps: int
    staff_minutes: Decimal  # per case
    staff_minutes_year: Decimal
    resident_minutes: Decimal  # per case
    resident_minutes_year: Decimal
    paper_steps: int
    in_person_steps: int
    digital_steps: int

    @property
    def staff_hours_year(self) -> Decimal:
        return hours(self.staff_minutes_year)

    @property
    def resident_hours_year(self) -> Decimal:
        return hours(self.resident_minutes_year)


def figures(process: ProcessData) -> Figures:
    steps = process.steps
    staff = sum((s.minutes for s in steps if s.by_staff), ZERO)
    resident = sum((s.minutes for s in steps if s.performer == Performer.RESIDENT), ZERO)
    return Figures(
        steps=len(steps),
        staff_minutes=staff,
        staff_minutes_year=staff * process.annual_volume,
        resident_minutes=resident,
        resident_minutes_year=resident * process.annual_volume,
        paper_steps=sum(1 for s in steps if s.medium == Medium.PAPER),
        in_person_steps=sum(1 for s in steps if s.medium == Medium.IN_PERSON),
        digital_steps=sum(1 for s in steps if s.medium == Medium.DIGITAL),
    )


def total_figures(processes: Iterable[ProcessData]) -> Figures:
    found = [figures(p) for p in processes]
    return Figures(
        steps=sum(f.steps for f in found),
        staff_minutes=sum((f.staff_minutes for f in found), ZERO),
        staff_minutes_year=sum((f.staff_minutes_year for f in found), ZERO),
        resident_minutes=sum((f.resident_minutes for f in found), ZERO),
        resident_minutes_year=sum((f.resident_minutes_year for f in found), ZERO),
        paper_steps=sum(f.paper_steps for f in found),
        in_person_steps=sum(f.in_person_steps for f in found),
        digital_steps=sum(f.digital_steps for f in found),
    )


# --- improvement candidates ---------------------------------------------------------------------


class Kind:
    PAPER_TRANSCRIPTION = "paper_transcription"
    REKEYING = "rekeying"
    HANDWRITING = "handwriting"
    IN_PERSON_ONLY = "in_person_only"


def kind_label(kind: str) -> str:
    return {
        Kind.PAPER_TRANSCRIPTION: _("紙からの転記"),
        Kind.REKEYING: _("紙の内容の再入力"),
        Kind.HANDWRITING: _("住民の手書き"),
        Kind.IN_PERSON_ONLY: _("窓口に来るしかない手順"),
    }[kind]


def remedy_of(kind: str) -> str:
    return {
        Kind.PAPER_TRANSCRIPTION: _("RPA・OCR、または電子申請"),
        Kind.REKEYING: _("RPA・OCR、または電子申請"),
        Kind.HANDWRITING: _("書かない窓口"),
        Kind.IN_PERSON_ONLY: _("オンライン申請・書かない窓口"),
    }[kind]


@dataclass(frozen=True)
class Candidate:
    process: ProcessData
    step: StepData
    kind: str
    source: StepData | None = None  # the earlier paper step a re-keying copies from

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    @property
    def remedy(self) -> str:
        return remedy_of(self.kind)

    @property
    def staff_minutes_year(self) -> Decimal:
        return staff_minutes_year(self.step, self.process.annual_volume)

    @property
    def staff_hours_year(self) -> Decimal:
        return hours(self.staff_minutes_year)

    @property
    def resident_minutes_year(self) -> Decimal:
        return resident_minutes_year(self.step, self.process.annual_volume)

    @property
    def resident_hours_year(self) -> Decimal:
        return hours(self.resident_minutes_year)

    @property
    def reason(self) -> str:
        step = self.step
        if self.kind == Kind.PAPER_TRANSCRIPTION:
            return _("紙の書類の内容を、別の用紙やシステムに書き写しています。")
        if self.kind == Kind.REKEYING:
            return _("手順%(n)s「%(s)s」で紙に書かれた内容を、もう一度入力しています。") % {
                "n": self.source.order,
                "s": self.source.name,
            }
        if self.kind == Kind.HANDWRITING:
            return _("住民・事業者が紙の申請書に手で書いています。")
        return _("「%(t)s」は対面だけで、電子で行う手順がこの業務にありません。") % {
            "t": step.type_label
        }


def _paper_document(process: ProcessData, before: StepData) -> str:
    """申請書 when residents filled in a paper form earlier in the process, else 書類."""
    for step in process.steps:
        if step.order >= before.order:
            break
        if (
            step.step_type == StepType.FILL
            and step.medium == Medium.PAPER
            and step.performer == Performer.RESIDENT
        ):
            return _("申請書")
    return _("書類")


TITLE_LIMIT = 200  # Challenge.title


def challenge_title(candidate: Candidate | None, process: ProcessData, step: StepData) -> str:
    """The 課題's title, e.g. 「転入届の紙の申請書からの転記をなくす」, cut to the title's
    length with … when a process and a step have very long names."""
    title = _challenge_title(candidate, process, step)
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def _challenge_title(candidate: Candidate | None, process: ProcessData, step: StepData) -> str:
    name = process.name
    if candidate is None:
        return _("%(p)sの「%(s)s」を見直す") % {"p": name, "s": step.name}
    kind = candidate.kind
    if kind == Kind.PAPER_TRANSCRIPTION:
        return _("%(p)sの紙の%(d)sからの転記をなくす") % {
            "p": name,
            "d": _paper_document(process, step),
        }
    if kind == Kind.REKEYING:
        return _("%(p)sの紙の%(d)sからの手入力をなくす") % {
            "p": name,
            "d": _paper_document(process, step),
        }
    if kind == Kind.HANDWRITING:
        return _("%(p)sの申請書の手書きをなくす(書かない窓口)") % {"p": name}
    label = step.type_label
    subject = name if name.endswith(label) else _("%(p)sの%(t)s") % {"p": name, "t": label}
    return _("%(s)sを窓口に来なくてもできるようにする") % {"s": subject}


def candidates(process: ProcessData) -> list[Candidate]:
    """The process's candidates, in step order (at most one per step)."""
    found = []
    digital_types = {s.step_type for s in process.steps if s.medium == Medium.DIGITAL}
    paper_before: StepData | None = None
    for step in process.steps:
        candidate = _candidate(process, step, paper_before, digital_types)
        if candidate is not None:
            found.append(candidate)
        if step.medium == Medium.PAPER and _better_source(step, paper_before):
            paper_before = step
    return found


def _better_source(step: StepData, current: StepData | None) -> bool:
    """The paper the data is keyed from: the latest paper form filled in (記入), else the
    latest paper step."""
    return current is None or step.step_type == StepType.FILL or current.step_type != StepType.FILL


def _candidate(process, step: StepData, paper_before, digital_types) -> Candidate | None:
    keying = step.step_type in (StepType.TRANSCRIBE, StepType.INPUT)
    if step.step_type == StepType.TRANSCRIBE and step.medium == Medium.PAPER:
        return Candidate(process, step, Kind.PAPER_TRANSCRIPTION)
    keyed_by_hand = step.performer in (Performer.STAFF, Performer.CONTRACTOR)
    if keying and paper_before is not None and keyed_by_hand:
        return Candidate(process, step, Kind.REKEYING, source=paper_before)
    if (
        step.step_type == StepType.FILL
        and step.medium == Medium.PAPER
        and step.performer == Performer.RESIDENT
    ):
        return Candidate(process, step, Kind.HANDWRITING)
    if step.medium == Medium.IN_PERSON and step.step_type not in digital_types:
        return Candidate(process, step, Kind.IN_PERSON_ONLY)
    return None


def candidate_for(process: ProcessData, step_id: int) -> Candidate | None:
    return next((c for c in candidates(process) if c.step.id == step_id), None)


def all_candidates(processes: Iterable[ProcessData]) -> list[Candidate]:
    """Every process's candidates, the most staff time first (then resident time)."""
    found = [c for p in processes for c in candidates(p)]
    return sorted(
        found,
        key=lambda c: (-c.staff_minutes_year, -c.resident_minutes_year, c.process.name),
    )


# --- steps shared across processes --------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s・、。,.:;/()\[\]{}「」『』【】〔〕〈〉《》\"'!?]+")
_PARTICLE = re.compile(r"(?<=[^\u3040-\u309f])[のをにへとや](?=[^\u3040-\u309f])")
_ENDINGS = ("を行います", "を行う", "をします", "をする", "します", "する")


def normalise_name(name: str) -> str:
    """「本人確認書類の確認」 and 「本人確認書類 確認」 → 「本人確認書類確認」."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    for ending in _ENDINGS:
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
            break
    text = _SEPARATORS.sub("", text)
    return _PARTICLE.sub("", text).casefold()


@dataclass
class SharedStep:
    step_type: str
    key: str
    occurrences: list[tuple[ProcessData, StepData]] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return _label(StepType, self.step_type)

    @property
    def name(self) -> str:
        """The name written most often (the first written on a tie)."""
        counts: dict[str, int] = {}
        for _process, step in self.occurrences:
            counts[step.name] = counts.get(step.name, 0) + 1
        return max(counts, key=lambda n: counts[n])

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(step.name for _process, step in self.occurrences))

    @property
    def processes(self) -> list[ProcessData]:
        return list({p.id or id(p): p for p, _step in self.occurrences}.values())

    @property
    def municipalities(self) -> int:
        """How many organizations have it (the prefecture comparison counts these)."""
        return len({municipality_of(p) for p, _step in self.occurrences})

    @property
    def staff_minutes_year(self) -> Decimal:
        return sum((staff_minutes_year(s, p.annual_volume) for p, s in self.occurrences), ZERO)

    @property
    def staff_hours_year(self) -> Decimal:
        return hours(self.staff_minutes_year)


def shared_steps(processes: Iterable[ProcessData], minimum: int = 2) -> list[SharedStep]:
    """Steps (type + normalised name) found in `minimum` or more processes; the most widely
    shared first, then the most staff time."""
    groups: dict[tuple[str, str], SharedStep] = {}
    for process in processes:
        for step in process.steps:
            key = (step.step_type, normalise_name(step.name))
            if not key[1]:
                continue
            group = groups.setdefault(key, SharedStep(step.step_type, key[1]))
            group.occurrences.append((process, step))
    found = [g for g in groups.values() if len(g.processes) >= minimum]
    return sorted(
        found,
        key=lambda g: (
            -len(g.processes),
            -g.staff_minutes_year,
            STEP_TYPE_ORDER.get(g.step_type, 99),
            g.key,
        ),
    )


# --- totals per step type and per medium --------------------------------------------------------


@dataclass(frozen=True)
class Total:
    key: str
    label: str
    steps: int  # steps performed by 職員
    staff_minutes_year: Decimal
    share: Decimal  # of all staff minutes per year, in % (exact)

    @property
    def staff_hours_year(self) -> Decimal:
        return hours(self.staff_minutes_year)


def totals_by(processes: Iterable[ProcessData], attribute: str) -> list[Total]:
    """Staff minutes per year by `step_type` or `medium`: Σ minutes × annual volume of the
    steps performed by 職員; the largest first, kinds with no staff step left out."""
    choices = StepType if attribute == "step_type" else Medium
    minutes: dict[str, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[str, int] = defaultdict(int)
    for process in processes:
        for step in process.steps:
            if step.by_staff:
                key = getattr(step, attribute)
                minutes[key] += staff_minutes_year(step, process.annual_volume)
                counts[key] += 1
    whole = sum(minutes.values(), ZERO)
    order = STEP_TYPE_ORDER if attribute == "step_type" else MEDIUM_ORDER
    keys = sorted(minutes, key=lambda k: (-minutes[k], order.get(k, 99)))
    return [
        Total(
            key=k,
            label=_label(choices, k),
            steps=counts[k],
            staff_minutes_year=minutes[k],
            share=(minutes[k] * 100 / whole) if whole else ZERO,
        )
        for k in keys
    ]


# --- prefecture comparison of one procedure -----------------------------------------------------


def municipality_of(process: ProcessData):
    """Who a process belongs to, for counting: its organization's code (a process of plain
    data without one counts on its own)."""
    return process.organization_code or ("process", process.id or id(process))


@dataclass
class CompareRow:
    step_type: str
    cells: list[list[StepData]]  # per column, the steps of this type in process order
    present: int  # municipalities with a step of this type
    common: bool  # in most municipalities: a candidate for a common standard
    digital_columns: list[int]  # columns doing a step of this type 電子
    # columns doing it on 紙, of municipalities that never do it 電子 (in none of their columns)
    paper_only_columns: list[int]

    @property
    def type_label(self) -> str:
        return _label(StepType, self.step_type)

    @property
    def digital_model(self) -> bool:
        """Someone does it 電子 while someone else still does it on paper."""
        return bool(self.digital_columns and self.paper_only_columns)

    @property
    def is_candidate(self) -> bool:
        return self.common or self.digital_model


@dataclass
class Comparison:
    columns: list[tuple[ProcessData, Figures]]
    rows: list[CompareRow]
    shared: list[SharedStep]  # named steps found in most of the municipalities
    municipalities: int = 0  # compared (a municipality with two processes counts once)

    @property
    def candidate_rows(self) -> list[CompareRow]:
        return [r for r in self.rows if r.is_candidate]


def most_of(count: int, total: int) -> bool:
    """More than half, and at least two."""
    return total >= 2 and count >= 2 and count * 2 > total


def compare(processes: Sequence[ProcessData]) -> Comparison:
    """The processes side by side, one column each; counted by municipality."""
    columns = [(p, figures(p)) for p in processes]
    total = len({municipality_of(p) for p in processes})
    types = {s.step_type for p in processes for s in p.steps}
    rows = [
        _compare_row(t, processes, total)
        for t in sorted(types, key=lambda t: STEP_TYPE_ORDER.get(t, 99))
    ]
    shared = [s for s in shared_steps(processes) if most_of(s.municipalities, total)]
    return Comparison(columns=columns, rows=rows, shared=shared, municipalities=total)


def _compare_row(step_type: str, processes: Sequence[ProcessData], total: int) -> CompareRow:
    cells = [[s for s in p.steps if s.step_type == step_type] for p in processes]
    media = [{s.medium for s in cell} for cell in cells]
    owners = [municipality_of(p) for p in processes]
    digital = {owner for owner, m in zip(owners, media, strict=True) if Medium.DIGITAL in m}
    present = len({owner for owner, cell in zip(owners, cells, strict=True) if cell})
    return CompareRow(
        step_type=step_type,
        cells=cells,
        present=present,
        common=most_of(present, total),
        digital_columns=[i for i, m in enumerate(media) if Medium.DIGITAL in m],
        paper_only_columns=[
            i for i, m in enumerate(media) if Medium.PAPER in m and owners[i] not in digital
        ],
    )
