"""The process analysis against figures computed by hand (no database).

The three processes (分 = minutes per case; 職員 = performed by staff):

A 転入届, 1,000件/年
  1 届出書の記入          記入      紙   10   住民・事業者
  2 届出書の受付          受付      対面  3   職員
  3 本人確認書類の確認     本人確認  対面  2   職員
  4 住基システムに入力     入力      電子  8   職員
  5 連絡票への転記        転記      紙    6   職員
  6 係長の決裁            決裁      紙  1.5   職員
B 住民票の写しの交付, 5,000件/年
  1 交付申請書の記入       記入      紙    4   住民・事業者
  2 電子申請の受付         受付      電子  1   職員
  3 窓口での受付           受付      対面  2   職員
  4 本人確認書類確認        本人確認  対面 1.5  職員
  5 住民票の交付           交付      対面  1   職員
  6 検索と印刷             入力      電子 0.5  システム
C 道路占用許可, 200件/年
  1 申請書の受付           受付      紙   10   職員
  2 本人確認書類の確認      審査      紙    1   職員
  3 申請内容の審査          審査      紙   30   職員
  4 台帳へ入力             入力      電子  5   委託事業者
  5 許可書の交付           交付      電子  2   職員
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from chiikidx.challenges.processes import analysis
from chiikidx.challenges.processes.analysis import Kind, ProcessData, StepData

D = Decimal


def step(order, name, step_type, medium, minutes, performer="staff", pk=None):
    return StepData(
        id=pk or order, order=order, name=name, step_type=step_type, medium=medium,
        minutes=D(str(minutes)), performer=performer,
    )  # fmt: skip


A = ProcessData(
    id=1,
    name="転入届",
    annual_volume=1000,
    steps=(
        step(1, "届出書の記入", "fill", "paper", 10, "resident", 11),
        step(2, "届出書の受付", "receive", "in_person", 3, pk=12),
        step(3, "本人確認書類の確認", "identify", "in_person", 2, pk=13),
        step(4, "住基システムに入力", "input", "digital", 8, pk=14),
        step(5, "連絡票への転記", "transcribe", "paper", 6, pk=15),
        step(6, "係長の決裁", "approve", "paper", 1.5, pk=16),
    ),
)
B = ProcessData(
    id=2,
    name="住民票の写しの交付",
    annual_volume=5000,
    steps=(
        step(1, "交付申請書の記入", "fill", "paper", 4, "resident", 21),
        step(2, "電子申請の受付", "receive", "digital", 1, pk=22),
        step(3, "窓口での受付", "receive", "in_person", 2, pk=23),
        step(4, "本人確認書類確認", "identify", "in_person", 1.5, pk=24),
        step(5, "住民票の交付", "issue", "in_person", 1, pk=25),
        step(6, "検索と印刷", "input", "digital", 0.5, "system", 26),
    ),
)
C = ProcessData(
    id=3,
    name="道路占用許可",
    annual_volume=200,
    steps=(
        step(1, "申請書の受付", "receive", "paper", 10, pk=31),
        step(2, "本人確認書類の確認", "examine", "paper", 1, pk=32),
        step(3, "申請内容の審査", "examine", "paper", 30, pk=33),
        step(4, "台帳へ入力", "input", "digital", 5, "contractor", 34),
        step(5, "許可書の交付", "issue", "digital", 2, pk=35),
    ),
)


def test_figures_of_one_process():
    """A: staff 3 + 2 + 8 + 6 + 1.5 = 20.5 分/件; × 1,000 = 20,500 分/年 = 341.67 時間.
    Residents 10 分/件 → 10,000 分/年. Paper steps 1, 5, 6; 対面 2, 3; 電子 4."""
    f = analysis.figures(A)
    assert (f.steps, f.staff_minutes, f.staff_minutes_year) == (6, D("20.5"), D("20500.0"))
    assert f.staff_hours_year.quantize(D("0.01")) == D("341.67")
    assert (f.resident_minutes, f.resident_minutes_year) == (D(10), D(10000))
    assert (f.paper_steps, f.in_person_steps, f.digital_steps) == (3, 2, 1)


def test_figures_leave_out_system_and_contractor_steps():
    """B: staff 1 + 2 + 1.5 + 1 = 5.5 (the system's 0.5 left out) → 27,500 分/年.
    C: staff 10 + 1 + 30 + 2 = 43 (the contractor's 5 left out) → 8,600 分/年."""
    assert analysis.figures(B).staff_minutes_year == D("27500.0")
    assert analysis.figures(C).staff_minutes == D(43)
    assert analysis.figures(C).staff_minutes_year == D(8600)
    total = analysis.total_figures([A, B, C])
    # 20,500 + 27,500 + 8,600 = 56,600 分/年; residents 10,000 + 20,000 = 30,000
    assert (total.steps, total.staff_minutes_year) == (17, D(56600))
    assert total.resident_minutes_year == D(30000)


def test_candidates_of_a_process():
    """A: 1 住民の手書き (residents 10 × 1,000 = 10,000 分/年, staff 0); 2 and 3 対面 with no
    電子 受付 or 本人確認 (3,000 and 2,000 分/年); 4 an 入力 after the paper form of step 1
    (8,000); 5 a paper 転記 (6,000). 6 (決裁 on paper) is no candidate."""
    found = analysis.candidates(A)
    assert [(c.step.order, c.kind) for c in found] == [
        (1, Kind.HANDWRITING),
        (2, Kind.IN_PERSON_ONLY),
        (3, Kind.IN_PERSON_ONLY),
        (4, Kind.REKEYING),
        (5, Kind.PAPER_TRANSCRIPTION),
    ]
    assert [c.staff_minutes_year for c in found] == [0, D(3000), D(2000), D(8000), D(6000)]
    assert found[0].resident_minutes_year == D(10000)
    assert found[3].source.order == 1  # the form filled in on paper, not the latest paper step
    assert found[1].remedy == "オンライン申請・書かない窓口"
    assert found[4].remedy == "RPA・OCR、または電子申請"
    assert found[0].remedy == "書かない窓口"
    assert "手順1「届出書の記入」" in found[3].reason


def test_a_digital_alternative_and_a_system_are_not_candidates():
    """B: 受付 has an 電子 step (2), so the counter's 受付 (3) is none; 本人確認 (4) and
    交付 (5) are 対面 only (7,500 and 5,000 分/年); 6 is keyed by the system, not by hand.
    C: the contractor keys in what step 3 wrote on paper (no 記入: the latest paper step)."""
    assert [(c.step.order, c.kind) for c in analysis.candidates(B)] == [
        (1, Kind.HANDWRITING),
        (4, Kind.IN_PERSON_ONLY),
        (5, Kind.IN_PERSON_ONLY),
    ]
    (rekey,) = analysis.candidates(C)
    assert (rekey.step.order, rekey.kind, rekey.source.order) == (4, Kind.REKEYING, 3)
    assert rekey.staff_minutes_year == 0  # a contractor's time is not staff time


def test_all_candidates_by_staff_time_then_resident_time():
    """Staff 分/年: A4 8,000 > B4 7,500 > A5 6,000 > B5 5,000 > A2 3,000 > A3 2,000; then the
    ones with no staff time by resident time: B1 20,000 > A1 10,000 > C4 0."""
    found = analysis.all_candidates([A, B, C])
    assert [(c.process.id, c.step.order) for c in found] == [
        (1, 4),
        (2, 4),
        (1, 5),
        (2, 5),
        (1, 2),
        (1, 3),
        (2, 1),
        (1, 1),
        (3, 4),
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("本人確認書類の確認", "本人確認書類確認"),
        ("本人確認書類 確認", "本人確認書類確認"),
        ("本人確認書類の確認", "本人確認書類　の確認"),
        ("ＯＣＲ読み取り", "OCR読み取り"),
        ("書類を確認する", "書類確認"),
        ("届出書の受付", "届出書・受付"),
    ],
)
def test_names_that_normalise_alike(one, other):
    assert analysis.normalise_name(one) == analysis.normalise_name(other)


def test_names_that_stay_apart():
    assert analysis.normalise_name("のり面の点検") != analysis.normalise_name("り面点検")
    assert analysis.normalise_name("届出書の受付") != analysis.normalise_name("申請書の受付")


def test_shared_steps_need_the_same_type_and_name():
    """本人確認書類(の)確認 is 本人確認 in A (2 分 × 1,000) and B (1.5 × 5,000): shared, 2,000 +
    7,500 = 9,500 分/年. C's step of that name is a 審査: a different step."""
    (shared,) = analysis.shared_steps([A, B, C])
    assert (shared.step_type, shared.key) == ("identify", "本人確認書類確認")
    assert [p.id for p in shared.processes] == [1, 2]
    assert shared.names == ["本人確認書類の確認", "本人確認書類確認"]
    assert shared.staff_minutes_year == D(9500)


def test_staff_time_per_step_type():
    """Staff 分/年 by type: 受付 A2 3,000 + B2 5,000 + B3 10,000 + C1 2,000 = 20,000;
    本人確認 2,000 + 7,500 = 9,500; 入力 A4 8,000 (B6 system, C4 contractor left out);
    審査 C2 200 + C3 6,000 = 6,200; 転記 6,000; 交付 B5 5,000 + C5 400 = 5,400; 決裁 1,500.
    All: 56,600; 受付's share 20,000 / 56,600 = 35.34 %."""
    totals = analysis.totals_by([A, B, C], "step_type")
    assert [(t.key, t.steps, t.staff_minutes_year) for t in totals] == [
        ("receive", 4, D(20000)),
        ("identify", 2, D(9500)),
        ("input", 1, D(8000)),
        ("examine", 2, D(6200)),
        ("transcribe", 1, D(6000)),
        ("issue", 2, D(5400)),
        ("approve", 1, D(1500)),
    ]
    assert totals[0].label == "受付"
    assert totals[0].share.quantize(D("0.01")) == D("35.34")
    assert sum(t.share for t in totals).quantize(D("0.0001")) == D(100)


def test_staff_time_per_medium():
    """紙: A5 6,000 + A6 1,500 + C1 2,000 + C2 200 + C3 6,000 = 15,700 (5 steps);
    対面: A2 3,000 + A3 2,000 + B3 10,000 + B4 7,500 + B5 5,000 = 27,500 (5);
    電子: A4 8,000 + B2 5,000 + C5 400 = 13,400 (3). 15,700 + 27,500 + 13,400 = 56,600."""
    totals = analysis.totals_by([A, B, C], "medium")
    assert [(t.key, t.steps, t.staff_minutes_year) for t in totals] == [
        ("in_person", 5, D(27500)),
        ("paper", 5, D(15700)),
        ("digital", 3, D(13400)),
    ]
    assert totals[0].staff_hours_year.quantize(D("0.01")) == D("458.33")


def test_challenge_titles():
    found = {c.step.order: c for c in analysis.candidates(A)}
    titles = {n: analysis.challenge_title(c, A, c.step) for n, c in found.items()}
    assert titles[5] == "転入届の紙の申請書からの転記をなくす"
    assert titles[4] == "転入届の紙の申請書からの手入力をなくす"
    assert titles[1] == "転入届の申請書の手書きをなくす(書かない窓口)"
    assert titles[2] == "転入届の受付を窓口に来なくてもできるようにする"
    issue = next(c for c in analysis.candidates(B) if c.step.order == 5)
    # the process's name already ends with the step type: not 「…交付の交付」
    assert analysis.challenge_title(issue, B, issue.step) == (
        "住民票の写しの交付を窓口に来なくてもできるようにする"
    )
    (rekey,) = analysis.candidates(C)
    assert (
        analysis.challenge_title(rekey, C, rekey.step)
        == "道路占用許可の紙の書類からの手入力をなくす"
    )
    assert analysis.challenge_title(None, A, A.steps[5]) == "転入届の「係長の決裁」を見直す"


def test_a_title_from_very_long_names_fits_a_challenges_title():
    """Process and step names of 200 characters each: cut to 200 with an ellipsis."""
    long_step = step(1, "長" * 200, "approve", "paper", 1)
    process = ProcessData(id=9, name="業" * 200, annual_volume=1, steps=(long_step,))
    title = analysis.challenge_title(None, process, long_step)
    assert len(title) == 200 and title.endswith("…") and title.startswith("業" * 199)


X, Y, Z = (
    A,
    ProcessData(
        id=4,
        name="転入届",
        annual_volume=700,
        steps=(
            step(1, "届出内容の聞き取り", "receive", "in_person", 5, pk=41),
            step(2, "本人確認書類の確認", "identify", "in_person", 2, pk=42),
            step(3, "書かない窓口システムで作成", "input", "digital", 6, pk=43),
            step(4, "係長の決裁", "approve", "digital", 1, pk=44),
        ),
    ),
    ProcessData(
        id=5,
        name="転入届",
        annual_volume=3000,
        steps=(
            step(1, "転入届の記入", "fill", "paper", 12, "resident", 51),
            step(2, "届出書の受付", "receive", "in_person", 3, pk=52),
            step(3, "住基システムへの入力", "input", "digital", 9, pk=53),
            step(4, "係長の決裁", "approve", "paper", 2, pk=54),
        ),
    ),
)


def test_prefecture_comparison():
    """Three municipalities' 転入届 (A as X, Y digital, Z on paper). By type: 受付, 入力 and 決裁
    in 3 of 3, 本人確認 (X, Y) and 記入 (X, Z) in 2 of 3: more than half, so common; 転記 in X
    only. 決裁 is 電子 in Y and paper only in X and Z: follow the digital one. Named steps in
    most: 係長の決裁 (3), 本人確認書類の確認 (X, Y), 届出書の受付 (X, Z)."""
    found = analysis.compare([X, Y, Z])
    rows = {r.step_type: r for r in found.rows}
    assert [r.step_type for r in found.rows] == [
        "receive",
        "identify",
        "fill",
        "transcribe",
        "input",
        "approve",
    ]
    assert [(t, rows[t].present, rows[t].common) for t in rows] == [
        ("receive", 3, True),
        ("identify", 2, True),
        ("fill", 2, True),
        ("transcribe", 1, False),
        ("input", 3, True),
        ("approve", 3, True),
    ]
    approve = rows["approve"]
    assert (approve.digital_columns, approve.paper_only_columns) == ([1], [0, 2])
    assert approve.digital_model and not rows["transcribe"].is_candidate
    assert [s.name for s in rows["receive"].cells[1]] == ["届出内容の聞き取り"]
    assert rows["fill"].cells[1] == []
    assert [(s.key, len(s.processes)) for s in found.shared] == [
        ("係長決裁", 3),
        ("届出書受付", 2),
        ("本人確認書類確認", 2),
    ]
    # per column: steps and staff 分/件 (X 20.5, Y 5 + 2 + 6 + 1 = 14, Z 3 + 9 + 2 = 14)
    assert [(f.steps, f.staff_minutes) for _p, f in found.columns] == [
        (6, D("20.5")),
        (4, D(14)),
        (4, D(14)),
    ]


def test_the_comparison_counts_municipalities_not_processes():
    """X, Y and Z as three municipalities, then X's municipality's second 転入届 (by post: 受付
    on paper, 決裁 電子): four columns, still three municipalities. 転記 (X only) and 記入
    stay as they were; 決裁 is 電子 in X's municipality now, so only Z does it on paper only;
    届出書の受付 is named in X, Z and the second one: two municipalities of three."""
    x, y, z = (
        replace(p, organization=name, organization_code=code)
        for p, name, code in ((X, "あおば市", "1"), (Y, "わかば町", "2"), (Z, "さくら台市", "3"))
    )
    by_post = ProcessData(
        id=6,
        name="転入届(郵送)",
        annual_volume=20,
        steps=(
            step(1, "届出書の受付", "receive", "paper", 3, pk=61),
            step(2, "係長の決裁", "approve", "digital", 1, pk=62),
        ),
        organization="あおば市",
        organization_code="1",
    )
    found = analysis.compare([x, by_post, y, z])
    assert (len(found.columns), found.municipalities) == (4, 3)
    rows = {r.step_type: r for r in found.rows}
    assert [(t, rows[t].present, rows[t].common) for t in rows] == [
        ("receive", 3, True),
        ("identify", 2, True),
        ("fill", 2, True),
        ("transcribe", 1, False),
        ("input", 3, True),
        ("approve", 3, True),
    ]
    approve = rows["approve"]
    assert (approve.digital_columns, approve.paper_only_columns) == ([1, 2], [3])
    assert [(s.key, s.municipalities) for s in found.shared] == [
        ("係長決裁", 3),
        ("届出書受付", 2),
        ("本人確認書類確認", 2),
    ]
    # the same municipality twice is not "most" of two
    alone = analysis.compare([x, by_post])
    assert alone.municipalities == 1 and not any(r.common for r in alone.rows)
    assert alone.shared == []


def test_most_means_more_than_half_and_at_least_two():
    assert [analysis.most_of(n, 4) for n in (1, 2, 3, 4)] == [False, False, True, True]
    assert analysis.most_of(1, 1) is False
    assert analysis.most_of(2, 2) is True
