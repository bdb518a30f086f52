"""Japanese character n-gram similarity and the average-linkage grouping, on a small hand-made
set of issues in four known groups (配送, デマンド交通, 避難所の受付, キャッシュレス決済) and noise
— one of which (公共施設の予約) shares the words 予約 and 電話 with the デマンド交通 group."""

import random

import pytest

from chiikidx.challenges.common import similarity
from chiikidx.challenges.common.similarity import Item, group_items

DELIVERY = [
    (
        1,
        "買い物困難地域へのドローン配送",
        "山間部の高齢者が食料品を買いに行けない。ドローンによる配送の実証を県全体で進めてほしい。",
    ),
    (
        2,
        "ドローンを使った日用品の配送",
        "中山間地域の買い物弱者に向けて、ドローン配送を近隣の町と共同で実施したい。",
    ),
    (
        3,
        "買い物弱者への共同配送",
        "商店が撤退した集落で、宅配事業者と共同配送の仕組みを作りたい。買い物困難者が増えている。",
    ),
    (
        4,
        "高齢者の買い物支援と配送",
        "移動販売が週1回しかなく、買い物困難者への配送サービスが必要。",
    ),
]
DEMAND = [
    (
        5,
        "デマンド交通の予約をオンライン化したい",
        "電話予約だけで、オペレーターの負担が大きい。スマートフォンから予約できるようにしたい。",
    ),
    (
        6,
        "デマンドタクシーの電話予約が集中する",
        "朝に予約の電話が集中してつながらない。デマンド交通のアプリ予約を導入したい。",
    ),
    (
        7,
        "乗合タクシー(デマンド交通)の予約システム",
        "予約を紙の台帳で管理しており、配車の調整に時間がかかる。予約システムを共同で調達したい。",
    ),
]
SHELTER = [
    (
        8,
        "避難所の受付を紙からデジタルへ",
        "災害時、避難者名簿を手書きで作っている。マイナンバーカードで避難所の受付をしたい。",
    ),
    (
        9,
        "避難所受付のデジタル化",
        "避難所での受付と避難者の把握に時間がかかる。受付をデジタル化して名簿を自動で作りたい。",
    ),
    (
        10,
        "避難者名簿の作成に時間がかかる",
        "避難所ごとに紙の名簿を作り、集計を本部へ電話で報告している。",
    ),
]
CASHLESS = [
    (11, "窓口でキャッシュレス決済ができない", "住民票の写しなどの手数料を現金でしか払えない。"),
    (
        12,
        "証明書手数料のキャッシュレス決済",
        "窓口の手数料をキャッシュレスで払いたいという声が多い。",
    ),
    (
        13,
        "窓口の手数料をキャッシュレスに",
        "現金の取り扱いと釣銭の準備、会計の照合が職員の負担になっている。",
    ),
]
NOISE = [
    (
        14,
        "公共施設の予約が電話のみ",
        "体育館や会議室の予約が電話と窓口だけで、空き状況も分からない。",
    ),
    (15, "職員のテレワーク環境", "LGWAN接続系の端末を持ち出せず、在宅勤務ができない。"),
    (16, "議事録作成の負担", "会議の録音から議事録を起こすのに時間がかかる。"),
    (17, "子育て支援アプリの共同利用", "母子手帳アプリを単独で導入すると費用が高い。"),
]
ISSUES = [Item(*row) for row in DELIVERY + DEMAND + SHELTER + CASHLESS + NOISE]
KNOWN = [[1, 2, 3, 4], [5, 6, 7], [8, 9, 10], [11, 12, 13]]


def groups_at(threshold, items=ISSUES):
    found = group_items(items, threshold)
    return sorted(g.keys for g in found.groups), found.singletons


def test_the_known_groups_at_a_middle_threshold():
    groups, singletons = groups_at(0.25)
    assert groups == KNOWN
    assert singletons == [14, 15, 16, 17]


def test_raising_the_threshold_splits_the_loosest_groups():
    groups, singletons = groups_at(0.3)
    # 配送: ドローン (1, 2) and 買い物困難者への配送 (3, 4) part; 避難所: the 名簿 issue leaves.
    assert groups == [[1, 2], [3, 4], [5, 6, 7], [8, 9], [11, 12, 13]]
    assert singletons == [10, 14, 15, 16, 17]
    groups, _singletons = groups_at(0.5)
    assert groups == [[8, 9], [11, 12, 13]]  # only the closest paraphrases stay together


def test_lowering_the_threshold_merges_what_shares_fewer_words():
    groups, singletons = groups_at(0.15)
    # 公共施設の予約が電話のみ joins デマンド交通 (予約, 電話); the rest stay apart.
    assert groups == [[1, 2, 3, 4], [5, 6, 7, 14], [8, 9, 10], [11, 12, 13]]
    assert singletons == [15, 16, 17]


def test_thresholds_zero_and_one():
    everything = group_items(ISSUES, 0.0)
    assert sum(len(g.keys) for g in everything.groups) + len(everything.singletons) == 17
    groups, singletons = groups_at(1.0)
    assert groups == [] and singletons == list(range(1, 18))


def test_average_linkage_does_not_chain():
    """A resembles B and B resembles C, but A and C share nothing: at a threshold each pair
    passes, connected components would make one group of three; average linkage does not."""
    a = Item(1, "ドローン配送の実証", "山間部へドローンで日用品を配送する。")
    b = Item(
        2, "ドローン配送とデマンド交通の連携", "ドローンで配送し、デマンド交通の予約もまとめる。"
    )
    c = Item(3, "デマンド交通の予約", "デマンド交通の予約を電話で受けている。")
    corpus = similarity.Corpus([a, b, c])
    ab, bc, ac = corpus.similarity(0, 1), corpus.similarity(1, 2), corpus.similarity(0, 2)
    threshold = min(ab, bc) - 0.01
    assert ac == 0 and threshold > (ab + bc + ac) / 3
    found = group_items([a, b, c], threshold)
    assert all(len(g.keys) == 2 for g in found.groups)
    assert len(found.groups) == 1 and found.singletons in ([1], [3])


def test_full_width_and_half_width_are_the_same_text():
    assert similarity.normalize("ＤＸ推進・窓口　１２３ ｶﾞｰﾃﾞﾝ!") == "dx推進窓口123ガーデン"
    assert similarity.pieces("ＬＩＮＥで予約、ﾃﾞﾏﾝﾄﾞ交通") == ["lineで予約", "デマンド交通"]
    wide = Item(1, "ＬＩＮＥでデマンド交通を予約", "予約は２４時間。")
    narrow = Item(2, "LINEでﾃﾞﾏﾝﾄﾞ交通を予約", "予約は24時間。")
    other = Item(3, "避難所の受付", "名簿を作る。")
    corpus = similarity.Corpus([wide, narrow, other])
    assert corpus.similarity(0, 1) == pytest.approx(1.0)
    assert corpus.similarity(0, 2) == 0


def test_ngrams_are_bigrams_and_trigrams_within_each_piece():
    assert similarity.ngrams("配送DX、予約") == ["配送", "送d", "dx", "配送d", "送dx", "予約"]
    assert similarity.ngrams("市") == ["市"]


def test_particles_and_generic_words_weigh_less():
    assert similarity.is_weak("について") and similarity.is_weak("時間がか")
    assert similarity.is_weak("負担") and not similarity.is_weak("配送")
    # Two issues sharing only 「時間がかかる」 and 「負担」 are barely alike.
    a = Item(1, "議事録作成の負担", "会議の議事録を起こすのに時間がかかる。")
    b = Item(2, "避難者名簿の作成の負担", "名簿の集計に時間がかかる。")
    filler = [Item(k, t, d) for k, t, d in CASHLESS]
    corpus = similarity.Corpus([a, b, *filler])
    assert corpus.similarity(0, 1) < 0.2


def test_the_same_input_gives_the_same_groups():
    first = group_items(ISSUES, 0.25)
    again = group_items(list(ISSUES), 0.25)
    assert [(g.keys, g.cohesion, g.terms) for g in first.groups] == [
        (g.keys, g.cohesion, g.terms) for g in again.groups
    ]
    shuffled = ISSUES[:]
    random.Random(7).shuffle(shuffled)  # noqa: S311 (seeded test data)
    in_key_order = sorted(shuffled, key=lambda item: item.key)  # what callers pass
    assert groups_at(0.25, in_key_order) == groups_at(0.25)


def test_groups_come_largest_first_with_their_cohesion_and_shared_words():
    found = group_items(ISSUES, 0.25)
    assert [len(g.keys) for g in found.groups] == [4, 3, 3, 3]
    cashless = next(g for g in found.groups if g.keys == [11, 12, 13])
    corpus = similarity.Corpus(ISSUES)
    pairs = [(10, 11), (10, 12), (11, 12)]  # positions of keys 11, 12, 13
    assert cashless.cohesion == pytest.approx(sum(corpus.similarity(*p) for p in pairs) / 3)
    assert "キャッシュレス決済" in cashless.terms and "手数料" in cashless.terms
    delivery = found.groups[0]
    assert "ドローン配送" in delivery.terms and "買い物困難者" in delivery.terms
    assert not any(similarity.is_weak(t) for g in found.groups for t in g.terms)


def test_suggestions_are_the_issues_resembling_a_group():
    assert similarity.suggestions(ISSUES, [5, 6, 7], 0.1) == [(14, pytest.approx(0.179, abs=0.01))]
    assert similarity.suggestions(ISSUES, [5, 6, 7], 0.3) == []
    assert similarity.suggestions(ISSUES, [], 0.1) == []
    # at 0, only issues that share something with the group
    assert [k for k, _s in similarity.suggestions(ISSUES, [11, 12, 13], 0, limit=20)] == [
        k for k, s in similarity.suggestions(ISSUES, [11, 12, 13], 1e-9, limit=20)
    ]
    assert len(similarity.suggestions(ISSUES, [11, 12, 13], 0, limit=20)) < 14


def test_highlight_marks_shared_words_on_the_original_text():
    pieces = similarity.highlight(
        "窓口でｷｬｯｼｭﾚｽ決済ができない（ＤＸ）", ["キャッシュレス決済", "dx"]
    )
    assert pieces == [
        ("窓口で", False),
        ("ｷｬｯｼｭﾚｽ決済", True),
        ("ができない（", False),
        ("ＤＸ", True),
        ("）", False),
    ]
    assert similarity.highlight("", ["配送"]) == []
    assert similarity.highlight("ﾃﾞﾏﾝﾄﾞ・交通", ["デマンド交通"]) == [("ﾃﾞﾏﾝﾄﾞ・交通", True)]


def test_empty_and_tiny_inputs():
    assert group_items([], 0.3).groups == []
    only = group_items([Item(1, "配送")], 0.3)
    assert only.groups == [] and only.singletons == [1]
    blank = group_items([Item(1, "・・・"), Item(2, "!!")], 0.0)
    assert blank.singletons == [1, 2]


def test_a_grouping_is_kept_for_the_same_texts_and_threshold(monkeypatch):
    """The page asks for the same grouping for every page of groups and every tab: it is made
    once per input (ids, titles, descriptions, threshold). Any change to a text, another set
    of issues (another user's view) or another threshold groups again."""
    similarity.forget_groupings()
    made = []
    real = similarity.group_items

    def counting(items, threshold=similarity.DEFAULT_THRESHOLD):
        made.append(threshold)
        return real(items, threshold)

    monkeypatch.setattr(similarity, "group_items", counting)
    first = similarity.group_items_kept(ISSUES, 0.25)
    again = similarity.group_items_kept(list(ISSUES), 0.25)
    assert len(made) == 1
    assert sorted(g.keys for g in again.groups) == KNOWN == sorted(g.keys for g in first.groups)
    first.groups[0].keys.append(999)  # each caller has its own lists
    first.singletons.clear()
    third = similarity.group_items_kept(ISSUES, 0.25)
    assert 999 not in third.groups[0].keys and third.singletons == [14, 15, 16, 17]
    assert len(made) == 1

    edited = [Item(1, ISSUES[0].title + "(改)", ISSUES[0].text), *ISSUES[1:]]
    similarity.group_items_kept(edited, 0.25)
    similarity.group_items_kept(ISSUES[1:], 0.25)  # one issue fewer (unshared, not visible)
    similarity.group_items_kept(ISSUES, 0.3)
    assert len(made) == 4

    for n in range(similarity.KEPT_GROUPINGS):  # the oldest are dropped beyond the limit
        similarity.group_items_kept(ISSUES, 0.5 + n / 100)
    similarity.group_items_kept(ISSUES, 0.25)
    assert len(made) == 5 + similarity.KEPT_GROUPINGS
    similarity.forget_groupings()
