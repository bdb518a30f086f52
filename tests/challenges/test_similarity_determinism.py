"""The grouping gives bit-identical results in every process: Python randomises the hashing of
strings per process (PYTHONHASHSEED), so a float summed over a set of n-grams came out in a
different order, and so with different last bits, from one run to the next. And ties at the
threshold's very edge no longer crash."""

import json
import math
import os
import subprocess
import sys

from chiikidx.challenges.common import demo, similarity
from chiikidx.challenges.common.similarity import Item

from .test_similarity import ISSUES

# 40 issues: enough for n-grams of two issues to be distinctive (in at most 5% of them), the
# part of the grouping that sums over sets of n-grams.
ROWS = [[i.key, i.title, i.text] for i in ISSUES] + [
    [100 + n, issue.title, issue.description] for n, issue in enumerate(demo.ISSUES)
]

GROUPING = """
import json, sys
from chiikidx.challenges.common.similarity import Item, group_items
rows, threshold = json.load(sys.stdin)
found = group_items([Item(*row) for row in rows], threshold)
print(json.dumps({
    "groups": [[g.keys, g.cohesion.hex(), g.terms] for g in found.groups],
    "singletons": found.singletons,
}, ensure_ascii=False))
"""


def grouped_in_a_new_process(seed: str, threshold: float) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", GROUPING],
        input=json.dumps([ROWS, threshold], ensure_ascii=False),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_same_groups_and_cohesion_bits_whatever_the_hash_seed():
    assert similarity.FREQUENT_SHARE * len(ROWS) >= 2  # n-grams of two issues are distinctive
    for threshold in (0.15, 0.35):
        runs = [grouped_in_a_new_process(seed, threshold) for seed in ("1", "2", "3", "4")]
        assert runs[0]["groups"], "the set must form groups for the comparison to mean anything"
        assert runs[1] == runs[0] and runs[2] == runs[0]


def test_an_average_exactly_at_the_threshold_edge_does_not_crash():
    """best() keeps a group whose average equals the best score so far only when one was
    found: at the start that score is the threshold (minus a hair), and an average exactly
    there used to compare a group id with None."""
    items = [
        Item(1, "デマンド交通の予約をオンライン化", "電話予約の負担が大きい。"),
        Item(2, "デマンド交通の予約システム", "予約を紙の台帳で管理している。"),
    ]
    corpus = similarity.Corpus(items)
    clusters = similarity._Clusters(corpus)
    clusters.new_group(0)
    average = corpus.similarity(0, 1)
    assert 0 < average < 1
    # thresholds t around average + 1e-12, a few units in the last place apart: for one of
    # them the starting score t - 1e-12 is exactly the average best() computes
    tried, t = 0, average + 1e-12
    for _step in range(64):
        t = math.nextafter(t, 0)
    for _step in range(128):
        found = clusters.best(1, t)
        assert found in (None, 0)
        if found is None:
            tried += 1
        t = math.nextafter(t, 1)
    assert tried  # some thresholds were just above the average
    assert clusters.best(1, average - 1e-9) == 0
