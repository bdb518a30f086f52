"""The priority score and the quadrants against hand-computed values; the SQL annotation gives
the same figures as the Python formula, so the list sorts by what it shows."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from chiikidx.challenges import priority, queries
from chiikidx.challenges.models import Challenge

from .sample import make_challenge

# (weights 裨益・容易・緊急, (裨益性, 難易度, 緊急性), priority computed by hand)
HAND = [
    ((2, 1, 2), (4, 2, 3), "65.0"),  # 100 × (2×3 + 1×3 + 2×2) ÷ 20 = 1300 ÷ 20
    ((2, 1, 2), (5, 1, 5), "100.0"),  # every term at its best: 100 × 20 ÷ 20
    ((2, 1, 2), (1, 5, 1), "0.0"),  # every term at its worst
    ((2, 1, 2), (3, 3, 3), "50.0"),  # 100 × (4 + 2 + 4) ÷ 20
    ((1, 1, 1), (4, 2, 3), "66.7"),  # 100 × 8 ÷ 12 = 66.66…
    ((1, 1, 1), (2, 4, 5), "50.0"),  # 100 × (1 + 1 + 4) ÷ 12
    ((3, 0, 1), (4, 1, 2), "62.5"),  # 100 × (9 + 0 + 1) ÷ 16; 難易度 carries no weight
    ((3, 0, 1), (1, 3, 2), "6.3"),  # 100 × 1 ÷ 16 = 6.25, rounded half up
    ((1, 2, 0), (2, 3, 5), "41.7"),  # 100 × (1 + 4 + 0) ÷ 12 = 41.66…
    ((0, 0, 1), (1, 5, 4), "75.0"),  # only 緊急性: 100 × 3 ÷ 4
]


@pytest.mark.parametrize(("weights", "scores", "expected"), HAND)
def test_priority_matches_the_hand_computation(weights, scores, expected):
    assert priority.score(*scores, weights) == Decimal(expected)


def test_an_unscored_challenge_has_no_priority():
    assert priority.score(4, None, 3, (2, 1, 2)) is None
    assert priority.score(None, None, None, (1, 1, 1)) is None


def test_the_formula_shows_the_weights():
    assert priority.formula_text((3, 0, 1)) == (
        "優先度 = 100 × (3 ×(裨益性−1) + 0 ×(5−難易度) + 1 ×(緊急性−1)) ÷ (4 × 4)"
    )


def test_the_working_shows_this_challenges_numbers():
    found = Challenge(benefit=4, difficulty=2, urgency=3)
    assert queries.working(found, (2, 1, 2)) == (
        "100 × (2×(4−1) + 1×(5−2) + 2×(3−1)) ÷ (4 × 5) = 100 × 13 ÷ 20 = 65.0"
    )
    assert queries.working(Challenge(benefit=4, difficulty=None, urgency=3), (2, 1, 2)) == ""


@pytest.mark.parametrize(
    ("benefit", "difficulty", "label", "key"),
    [
        (3, 3, "すぐやる(効果大・易しい)", "quick"),  # the middle line counts as easy and high
        (5, 1, "すぐやる(効果大・易しい)", "quick"),
        (5, 4, "戦略的に取り組む(効果大・難しい)", "strategic"),
        (2, 2, "ついでにやる(効果小・易しい)", "filler"),
        (2, 5, "再検討(効果小・難しい)", "reconsider"),
        (None, 2, "", ""),
    ],
)
def test_quadrants(benefit, difficulty, label, key):
    assert priority.quadrant(benefit, difficulty) == label
    assert priority.quadrant_slug(benefit, difficulty) == key
    found = priority.quadrant_key(benefit, difficulty)
    assert (priority.QUADRANT_SLUGS[found] if found else "") == key


@pytest.mark.django_db
@pytest.mark.parametrize("weights", [(2, 1, 2), (1, 1, 1), (3, 0, 1), (1, 2, 0), (0, 0, 1)])
def test_the_sql_annotation_gives_the_same_numbers(weights, org_coded):
    org = org_coded("992011")
    made = [
        make_challenge(org, title=f"課題{i}", benefit=b, difficulty=d, urgency=u)
        for i, (_w, (b, d, u), _e) in enumerate(HAND)
    ]
    made.append(make_challenge(org, title="未評価", benefit=None, difficulty=2, urgency=None))
    found = priority.annotate(Challenge.objects.filter(pk__in=[c.pk for c in made]), weights)
    for row in found:
        expected = priority.score(row.benefit, row.difficulty, row.urgency, weights)
        if expected is None:
            assert row.priority is None
        else:
            assert Decimal(row.priority).quantize(Decimal("0.1"), ROUND_HALF_UP) == expected


@pytest.mark.django_db
def test_sorting_by_priority_puts_unscored_challenges_last(org_coded, user_named):
    org = org_coded("992011")
    low = make_challenge(org, title="低い", benefit=1, difficulty=5, urgency=1)
    none = make_challenge(org, title="未評価", benefit=None, difficulty=None, urgency=None)
    high = make_challenge(org, title="高い", benefit=5, difficulty=1, urgency=5)
    found = queries.sorted_by(
        queries.challenges_of(user_named("muni-admin-1"), org, (2, 1, 2)), "priority"
    )
    assert [c.pk for c in found] == [high.pk, low.pk, none.pk]
    by_difficulty = queries.sorted_by(
        queries.challenges_of(user_named("muni-admin-1"), org, (2, 1, 2)), "difficulty"
    )
    assert [c.pk for c in by_difficulty] == [high.pk, low.pk, none.pk]
