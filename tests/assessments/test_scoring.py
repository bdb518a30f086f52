"""Scoring maths against values computed by hand."""

from decimal import Decimal

import pytest

from chiikidx.assessments import answers, frameworks, scoring
from chiikidx.assessments.definition import DefinitionError

from .sample import SAMPLE_YAML

D = Decimal


@pytest.fixture
def sample():
    return frameworks.read_yaml(SAMPLE_YAML.encode())


def test_hand_computed_scores(sample):
    values = {"L1": 3, "Y1": "no", "S1": "some", "M1": ["x", "z"], "P1": "45", "N1": "15"}
    scores = scoring.score_answers(sample, values)
    # Questions: L1 3×25=75; Y1 no → 0; S1 60; M1 40+40=80; P1 45/60×100=75; N1 15 ≤ 20 → 70.
    assert scores.questions == {
        "L1": D(75),
        "Y1": D(0),
        "S1": D(60),
        "M1": D(80),
        "P1": D(75),
        "N1": D(70),
        "D1": None,
        "T1": None,
    }
    # a.1 = (75×2 + 0×1)/3 = 50; a.2 = (60+80)/2 = 70; a = (50×1 + 70×3)/4 = 65
    assert scores.dimensions["a.1"] == D(50)
    assert scores.dimensions["a.2"] == D(70)
    assert scores.dimensions["a"] == D(65)
    # b = (75 + 70)/2 = 72.5; overall = (65×2 + 72.5×1)/3 = 67.5
    assert scores.dimensions["b"] == D("72.5")
    assert scores.overall == D("67.5")


def test_unanswered_questions_are_left_out_not_zero(sample):
    scores = scoring.score_answers(sample, {"L1": 4})
    assert scores.dimensions["a.1"] == D(100)
    assert scores.dimensions["a.2"] is None and scores.dimensions["b"] is None
    assert scores.overall == D(100)


def test_linear_and_threshold_edges(sample):
    p1, n1 = sample.question("P1"), sample.question("N1")
    assert scoring.question_score(p1, "90") == D(100)  # clipped
    assert scoring.question_score(p1, "0") == D(0)
    assert scoring.question_score(n1, "10") == D(100)
    assert scoring.question_score(n1, "40") == D(40)
    assert scoring.question_score(n1, "41") == D(0)  # worse than every step


def test_multiple_choice_is_capped_at_100(sample):
    assert scoring.question_score(sample.question("M1"), ["x", "y", "z"]) == D(100)


def test_inputs_as_people_type_them(sample):
    q = sample.question_map()
    assert answers.coerce(q["L1"], "レベル３") == 3
    assert answers.coerce(q["Y1"], "はい") == "yes" and answers.coerce(q["Y1"], "×") == "no"
    assert answers.coerce(q["S1"], "一部") == "some"
    assert answers.coerce(q["M1"], "キャッシュレス、書かない窓口") == ["x", "z"]
    assert answers.coerce(q["P1"], "４５．５％") == "45.5"
    assert answers.coerce(q["N1"], "１０") == "10"
    assert answers.coerce(q["D1"], "令和7年4月1日") == "2025-04-01"
    assert answers.coerce(q["T1"], "  ") is None


@pytest.mark.parametrize(
    ("code", "raw", "message"),
    [
        ("L1", "5", "0〜4"),
        ("Y1", "たぶん", "はい"),
        ("S1", "全て", "選択肢にありません"),
        ("N1", "300", "240分以下"),
        ("N1", "-1", "0分以上"),
        ("P1", "abc", "数値"),
        ("D1", "そのうち", "日付"),
    ],
)
def test_unreadable_inputs_say_why_in_japanese(sample, code, raw, message):
    with pytest.raises(ValueError, match=message):
        answers.coerce(sample.question(code), raw)


def test_required_and_cross_question_rules(sample):
    partial = {"Y1": "no", "D1": "2025-04-01"}
    errors = answers.check(sample, partial, submitting=False)
    assert [(e.question, e.message) for e in errors] == [
        ("D1", "いいえの場合、策定日は空欄にしてください。")
    ]
    missing = {e.question for e in answers.check(sample, {"Y1": "yes"}, submitting=True)}
    assert missing == {"L1", "S1", "P1", "N1", "D1"}  # required ones, and D1 by rule


def test_yaml_round_trip_is_lossless(sample):
    again = frameworks.read_yaml(frameworks.write_yaml(sample))
    assert again == sample


def test_broken_definitions_report_every_problem():
    broken = """
code: broken
title: 壊れた例
dimensions:
  - code: a
    title: A
    questions:
      - {code: Q1, text: 成熟度, type: level, levels: [{descriptor: x}]}
      - {code: Q1, text: 重複, type: yesno}
      - {code: Q3, text: 種類違い, type: slider}
      - {code: Q4, text: 数値, type: number}
      - {code: Q5, text: 選択, type: single, choices: [{value: a, label: A}]}
validations:
  - if: {question: QX, equals: yes}
    then: {question: Q1, empty: true}
"""
    with pytest.raises(DefinitionError) as failure:
        frameworks.read_yaml(broken.encode())
    text = "\n".join(failure.value.problems)
    for expected in [
        "5つの説明",
        "「Q1」が重複",
        "slider",
        "採点方法",
        "2つ以上の選択肢",
        "設問「QX」はありません",
        "message",
    ]:
        assert expected in text, expected


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(DefinitionError, match="4行目"):
        frameworks.read_yaml(b"code: x\ntitle: y\ndimensions: [\n  - a: b: c\n")
