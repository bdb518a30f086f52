"""Japanese text similarity of challenges (課題), for the prefecture's common issues.

Municipalities describe the same problem in their own words: 「ドローン配送」「ドローンによる
日用品の配送」「買い物弱者への共同配送」. Japanese has no spaces between words and a word splitter
(形態素解析) would be a heavy dependency with a dictionary to maintain, so texts are compared by
their character n-grams, which match shared words whatever the grammar around them:

1. Normalise: NFKC (全角 and 半角 letters, digits and katakana become one form), lower case, and
   spaces, punctuation and symbols dropped. Texts are cut at the dropped characters, so no
   n-gram spans two sentences or two words of a list.
2. Character bigrams and trigrams of each piece. Bigrams catch two-kanji words (配送, 予約, 窓口);
   trigrams weigh longer shared runs (ドローン, キャッシュレス) more than chance pairs of bigrams.
   The title counts twice: it is the author's own summary. Only the first DESCRIPTION_CHARS
   characters of the description are read, so one long text neither dominates nor slows a run.
3. TF-IDF over the set being grouped (the prefecture's issues): sublinear term frequency
   (1 + log tf) times the smoothed inverse document frequency, so words that many issues share
   count for little and rare shared words for a lot. N-grams in more than MAX_DF_SHARE of the
   issues (and more than MIN_STOP_DF of them) are dropped as stop n-grams. Two corrections
   where a prefecture's few hundred issues are too few for IDF to learn:
   - weak n-grams weigh WEAK_WEIGHT: those written only in hiragana, mostly particles and
     endings (「の」「する」「について」), and those inside words every issue uses
     (GENERIC_WORDS: 課題, 負担, 時間, 職員 …), so 「時間がかかる」 alone does not make two
     issues alike;
   - an n-gram found in one issue only weighs UNIQUE_WEIGHT: it cannot be shared, it only says
     how much else the issue contains. At full weight it made the rarest (most highly weighted)
     n-grams those that can never match, and squeezed every similarity towards 0.
4. Cosine similarity of the unit-length vectors, 0 (nothing shared) to 1 (the same text).

Grouping: average linkage. A group's members must be similar to each other *on average* by at
least the user's threshold. Connected components of the "similar ≥ threshold" graph were
rejected: they chain (A resembles B, B resembles C, so A and C share a group although they have
nothing in common), and at a low threshold one topic's words leak into the next until half the
prefecture is one group. Full agglomerative clustering needs every pair's similarity (50 million
pairs for 10,000 issues), too slow in Python, so the same criterion is reached in three steps,
each driven by an inverted index from n-gram to groups (never from n-gram to issues):

- one pass in the given order: an issue joins the group whose members it resembles most on
  average, if that average reaches the threshold, else it starts a group (a leader pass);
- REFINE_PASSES pass(es) moving each issue to the group it now resembles most (the same
  criterion, its own group counted without it), or out on its own, which undoes the order effects
  of the first pass (an early outlier no longer keeps later issues apart; a second pass moved
  5 of 10,000 issues in the benchmark, so one is enough);
- average-linkage merging of the groups of two or more whose members resemble each other on
  average by at least the threshold, best pair first.

A group's sum vector gives both averages without pairwise work: the mean similarity of an issue
to a group is dot(issue, sum) / size, and of two groups dot(sum₁, sum₂) / (size₁ × size₂).
Pruning keeps this fast in pure Python (10,000 issues in about 2 s on 2 cores; see
bench/README.md): n-grams of a single issue never enter the index, stop n-grams are dropped,
and the frequent n-grams that would give every group a posting are kept out of the index and
only bounded (`_Clusters`). No numerical library is needed. The result depends only on the
input and its order (callers sort by id), so the same issues always give the same groups.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 0.35
MAX_DF_SHARE = 0.5
MIN_STOP_DF = 10  # a handful of issues sharing a word is a group, not a stop word
WEAK_WEIGHT = 0.3
UNIQUE_WEIGHT = 0.5
# Words of nearly every issue text: a prefecture's set may be too small for IDF to learn them.
GENERIC_WORDS = (
    "課題",
    "負担",
    "時間",
    "必要",
    "対応",
    "導入",
    "実施",
    "検討",
    "活用",
    "職員",
    "住民",
    "市民",
    "町民",
    "村民",
    "業務",
    "事務",
    "作業",
    "確認",
    "管理",
    "利用",
    "推進",
    "現在",
    "方法",
    "全体",
    "担当",
    "効率",
    "改善",
    "向上",
    "増加",
    "不足",
    "一部",
    "今後",
    "作成",
    "各課",
    "本市",
    "本町",
    "本村",
)
TITLE_REPEAT = 2
DESCRIPTION_CHARS = 400
REFINE_PASSES = 1
FREQUENT_SHARE = 0.05
TERM_LIMIT = 8
TERM_SAMPLE = 40
MIN_SIMILARITY = 1e-6
_HIRAGANA_RUNS = re.compile("[\u3041-\u309f]+")
_SEPARATORS = re.compile(r"[\W_]+")  # what is not a letter or a digit (str.isalnum)
_PARTICLES = frozenset("のをにでがはとへもや")
_HALF_WIDTH_MARKS = frozenset("\uff9e\uff9f")  # ﾞ ﾟ: composed with the katakana before them by NFKC


@dataclass(frozen=True)
class Item:
    """One text to compare: a challenge's id, title and description."""

    key: int
    title: str
    text: str = ""


@dataclass
class Group:
    """Issues whose members resemble each other by `cohesion` on average (0–1), and the words
    they share (`terms`, most telling first)."""

    keys: list[int]
    cohesion: float
    terms: list[str] = field(default_factory=list)


@dataclass
class Grouping:
    groups: list[Group]
    singletons: list[int]
    threshold: float


# --- text ----------------------------------------------------------------------------------------


def _kept(ch: str) -> bool:
    """Letters and digits of any script (漢字, かな, カナ and the prolonged sound mark ー
    included); spaces, punctuation, symbols and marks are dropped."""
    return ch.isalnum()


def pieces(text: str) -> list[str]:
    """The normalised runs of letters and digits of `text` (NFKC, lower case), split where
    spaces, punctuation and symbols were."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return [piece for piece in _SEPARATORS.split(folded) if piece]


def normalize(text: str) -> str:
    """NFKC, lower case, without spaces, punctuation and symbols: ＤＸ推進・窓口 → dx推進窓口."""
    return "".join(pieces(text))


def ngrams(text: str) -> list[str]:
    """Character bigrams and trigrams of each normalised piece (a one-character piece is
    kept as it is, so 「市」 alone still says something)."""
    grams: list[str] = []
    for piece in pieces(text):
        size = len(piece)
        if size == 1:
            grams.append(piece)
            continue
        grams += [piece[i : i + 2] for i in range(size - 1)]
        grams += [piece[i : i + 3] for i in range(size - 2)]
    return grams


def _is_hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def is_weak(gram: str) -> bool:
    """An n-gram of particles and endings, or of them and pieces of words every issue uses:
    each run of characters between its hiragana is empty or part of a GENERIC_WORDS word
    (時間がか → 時間; 成の負 → 成 of 作成 and 負 of 負担)."""
    runs = _HIRAGANA_RUNS.split(gram)
    return all(not run or any(run in word for word in GENERIC_WORDS) for run in runs)


def _idf(gram: str, df: int, n: int) -> float:
    weight = math.log((1 + n) / (1 + df)) + 1
    if is_weak(gram):
        weight *= WEAK_WEIGHT
    if df == 1:
        weight *= UNIQUE_WEIGHT
    return weight


# --- vectors -------------------------------------------------------------------------------------


class Corpus:
    """TF-IDF vectors of `items` (unit length), with the document frequencies behind them.

    `shared[i]` is the part of vector i that other items can share: its n-grams found in at
    least two items (an n-gram of one item only adds to that item's length, never to a
    similarity). The inverted indexes of the grouping hold only these."""

    def __init__(self, items: Sequence[Item], *, max_df_share: float = MAX_DF_SHARE):
        self.items = list(items)
        counts = [_counts(item) for item in self.items]
        self.df: Counter[str] = Counter()
        for found in counts:
            self.df.update(found.keys())
        n = len(self.items)
        self.stop_limit = max(MIN_STOP_DF, max_df_share * n)
        self.idf = {
            gram: _idf(gram, df, n) for gram, df in self.df.items() if df <= self.stop_limit
        }
        self.shared = [self._shared(found) for found in counts]

    def _shared(self, found: Counter) -> dict[str, float]:
        """The shared part of the item's unit-length vector (its length counts every
        n-gram)."""
        idf, tf_weights, df = self.idf.get, _TF_WEIGHTS, self.df
        weights = {
            g: (tf_weights[tf] if tf < _TF_TABLE else 1 + math.log(tf)) * weight
            for g, tf in found.items()
            if (weight := idf(g)) is not None
        }
        length = math.sqrt(sum(w * w for w in weights.values()))
        if length == 0:
            return {}
        return {g: w / length for g, w in weights.items() if df[g] > 1}

    def similarity(self, i: int, j: int) -> float:
        a, b = self.shared[i], self.shared[j]
        if len(a) > len(b):
            a, b = b, a
        return sum(w * b[g] for g, w in a.items() if g in b)

    def terms(self, indices: Sequence[int], limit: int = TERM_LIMIT) -> list[str]:
        """The words the items share, most telling first: runs of characters covered by
        n-grams found in at least two of them (and not only hiragana), kept when at least two
        items contain the whole run; ranked by how many items contain it × its length × its
        rarity in the corpus."""
        # Each text as its pieces, one per line: no word runs across a sentence or a list.
        indices = list(indices)[:TERM_SAMPLE]  # enough to name what a large group shares
        texts = ["\n".join(pieces(_document_text(self.items[i]))) for i in indices]
        if len(texts) < 2:
            return []
        support: Counter[str] = Counter()
        for i in indices:
            support.update(set(self.shared[i]))
        common = {g for g, count in support.items() if count >= 2 and not is_weak(g)}
        candidates: set[str] = set()
        for text in texts:
            for piece in text.split("\n"):
                for run in _covered_runs(piece, common):
                    candidates.update(_words(run))
        scored = []
        for run in candidates:
            holders = sum(1 for text in texts if run in text)
            if holders >= 2:
                rarity = self.idf.get(run[:2], 1.0)
                scored.append((holders * len(run) * rarity, holders, run))
        scored.sort(key=lambda s: (-s[0], s[2]))
        chosen: list[tuple[int, str]] = []
        for _score, holders, run in scored:
            if any(run in longer and holders <= count for count, longer in chosen):
                continue
            chosen.append((holders, run))
            if len(chosen) == limit:
                break
        return [run for _holders, run in chosen]


def _document_text(item: Item) -> str:
    return f"{item.title}\n{(item.text or '')[:DESCRIPTION_CHARS]}"


def _counts(item: Item) -> Counter:
    found = Counter(ngrams((item.text or "")[:DESCRIPTION_CHARS]))
    for gram, count in Counter(ngrams(item.title)).items():
        found[gram] += TITLE_REPEAT * count
    return found


# Sublinear term frequency, 1 + log tf, from a table for the usual small counts.
_TF_TABLE = 64
_TF_WEIGHTS = [0.0] + [1 + math.log(tf) for tf in range(1, _TF_TABLE)]


def _covered_runs(text: str, common: set[str]) -> Iterable[str]:
    """Maximal runs of `text` (two characters or more) whose every character lies in an n-gram
    of `common`."""
    covered = [False] * len(text)
    for size in (2, 3):
        for i in range(len(text) - size + 1):
            if text[i : i + size] in common:
                for j in range(i, i + size):
                    covered[j] = True
    start = None
    for i, hit in enumerate([*covered, False]):
        if hit and start is None:
            start = i
        elif not hit and start is not None:
            if i - start >= 2:
                yield text[start:i]
            start = None


def _words(run: str) -> list[str]:
    """A run cut at particles standing alone between other characters (窓口の手数料を →
    窓口, 手数料) and without hiragana at either end (と共同 → 共同), so the shared words read
    as words; pieces of one character are dropped."""
    found, start = [], 0
    for i, ch in enumerate(run):
        before = run[i - 1] if i else ""
        after = run[i + 1] if i + 1 < len(run) else ""
        if ch in _PARTICLES and not _is_hiragana(before or "a") and not _is_hiragana(after or "a"):
            found.append(run[start:i])
            start = i + 1
    found.append(run[start:])
    stripped = [_strip_hiragana(word) for word in found]
    return [word for word in stripped if len(word) >= 2]


def _strip_hiragana(word: str) -> str:
    start, end = 0, len(word)
    while start < end and _is_hiragana(word[start]):
        start += 1
    while end > start and _is_hiragana(word[end - 1]):
        end -= 1
    return word[start:end]


# --- grouping ------------------------------------------------------------------------------------


class _Clusters:
    """Groups under construction, and what finds the group an item resembles most without
    comparing it with every group.

    An item's shared n-grams are split in two. Its *distinctive* n-grams (in at most
    FREQUENT_SHARE of the items, not weak) are looked up in an inverted index n-gram → {group:
    the n-gram's weight in the group's sum}: their postings are short, since few groups use a
    distinctive word. Its *frequent* ones (particles, generic words, stock phrases) would have a
    posting for nearly every group, so each group keeps their sum apart (`frequent_sums`) with
    its length. The frequent part of a dot product is at most |item's part| × |group's part|
    (Cauchy–Schwarz): a group is compared in full only when the distinctive part plus that bound
    can still reach the threshold and beat the best group so far. The result is exact, the
    pruning only skips groups that cannot win."""

    def __init__(self, corpus: Corpus, frequent_share: float = FREQUENT_SHARE):
        limit = frequent_share * len(corpus.items)
        frequent = {g for g, df in corpus.df.items() if df > limit or is_weak(g)}
        self.distinct = [{g: w for g, w in v.items() if g not in frequent} for v in corpus.shared]
        self.frequent = [{g: w for g, w in v.items() if g in frequent} for v in corpus.shared]
        self.frequent_length = [_length(v) for v in self.frequent]
        self.largest_frequent = max(self.frequent_length, default=0.0)
        self.distinct_self = [sum(w * w for w in v.values()) for v in self.distinct]
        self.index: dict[str, dict[int, float]] = {}
        self.frequent_sums: dict[int, dict[str, float]] = {}
        self.frequent_square: dict[int, float] = {}
        self.frequent_norm: dict[int, float] = {}  # √frequent_square
        self.size: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}
        self.group_of: list[int] = [-1] * len(corpus.shared)
        self.next_id = 0

    def _distinct_dots(self, i: int) -> defaultdict[int, float]:
        """dot(item i, group sum) over distinctive n-grams, for the groups sharing one."""
        found: defaultdict[int, float] = defaultdict(float)
        index = self.index
        for gram, weight in self.distinct[i].items():
            posting = index.get(gram)
            if posting:
                for group, summed in posting.items():
                    found[group] += weight * summed
        return found

    def _candidates(self, i: int, threshold: float) -> defaultdict[int, float]:
        found = self._distinct_dots(i)
        own = self.group_of[i]
        if own >= 0:
            found.setdefault(own, 0.0)
        # Groups sharing no distinctive n-gram can win on frequent ones only if even the
        # largest frequent parts could reach the threshold (never at ordinary thresholds).
        if self.frequent_length[i] * self.largest_frequent >= threshold:
            for group in self.members:
                found.setdefault(group, 0.0)
        return found

    def best(self, i: int, threshold: float) -> int | None:
        """The group item i resembles most on average (its own counted without it), if that
        average reaches the threshold; ties go to the older group."""
        own = self.group_of[i]
        mine, my_length = self.frequent[i], self.frequent_length[i]
        sizes, norms, sums = self.size, self.frequent_norm, self.frequent_sums
        best, best_score = None, threshold - 1e-12
        for group, dot in self._candidates(i, threshold).items():
            size = sizes[group]
            if group == own:
                size -= 1
                if size == 0:
                    continue
                dot -= self.distinct_self[i] + my_length * my_length
            elif dot + my_length * norms[group] <= best_score * size:
                continue
            summed = sums[group]
            dot += sum([w * summed[g] for g, w in mine.items() if g in summed])
            average = dot / size
            # best is None until a group reached the threshold: a tie needs one to compare.
            tied = best is not None and average == best_score and group < best
            if average > best_score or tied:
                best, best_score = group, average
        return best

    def new_group(self, i: int) -> int:
        group = self.next_id
        self.next_id += 1
        self.members[group] = []
        self.frequent_sums[group] = {}
        self.frequent_square[group] = 0.0
        self.size[group] = 0
        self.add(i, group)
        return group

    def add(self, i: int, group: int) -> None:
        self._shift(i, group, 1.0)
        self.members[group].append(i)
        self.size[group] += 1
        self.group_of[i] = group

    def remove(self, i: int) -> None:
        group = self.group_of[i]
        self.members[group].remove(i)
        self.size[group] -= 1
        self.group_of[i] = -1
        if self.members[group]:
            self._shift(i, group, -1.0)
            return
        for gram in self.distinct[i]:
            posting = self.index[gram]
            del posting[group]
            if not posting:
                del self.index[gram]
        del self.members[group], self.frequent_sums[group], self.size[group]
        del self.frequent_square[group], self.frequent_norm[group]

    def _shift(self, i: int, group: int, sign: float) -> None:
        """Add (sign 1) or take away (−1) item i's vector to or from the group's sums."""
        index = self.index
        for gram, weight in self.distinct[i].items():
            posting = index.get(gram)
            if posting is None:
                index[gram] = {group: weight}
            else:
                posting[group] = posting.get(group, 0.0) + sign * weight
        summed = self.frequent_sums[group]
        square = self.frequent_square[group]
        for gram, weight in self.frequent[i].items():
            old = summed.get(gram, 0.0)
            new = old + sign * weight
            summed[gram] = new
            square += new * new - old * old
        self.frequent_square[group] = square = max(square, 0.0)
        self.frequent_norm[group] = math.sqrt(square)


def _length(vector: dict[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values()))


def group_items(
    items: Sequence[Item], threshold: float = DEFAULT_THRESHOLD, *, with_terms: bool = True
) -> Grouping:
    """Group `items` whose members resemble each other on average by at least `threshold`
    (0–1). Groups (two members or more) come largest first, then by their smallest key; keys
    inside a group and the singletons are sorted."""
    # Members must share something: at 0, issues with nothing in common stay apart.
    threshold = min(max(float(threshold), MIN_SIMILARITY), 1.0)
    corpus = Corpus(items)
    clusters = _Clusters(corpus)
    for i in range(len(corpus.items)):
        found = clusters.best(i, threshold)
        if found is None:
            clusters.new_group(i)
        else:
            clusters.add(i, found)
    for _pass in range(REFINE_PASSES):
        if not _refine(clusters, threshold):
            break
    _merge(clusters, threshold)
    return _result(corpus, clusters, threshold, with_terms)


# The last few groupings, by their input: the page asks for the same one again for every page
# of groups, every tab and every return to it, and 10,000 issues take seconds to group.
KEPT_GROUPINGS = 8
_kept_groupings: OrderedDict[tuple, Grouping] = OrderedDict()
_kept_lock = threading.Lock()


def group_items_kept(items: Sequence[Item], threshold: float = DEFAULT_THRESHOLD) -> Grouping:
    """group_items, kept for the last KEPT_GROUPINGS inputs. The grouping depends on nothing
    but the items (ids, titles, descriptions, in order) and the threshold, so those are the
    key: an edited, newly shared or unshared issue makes another key, and so does a user who
    may see other issues. Each call gets its own copy of the groups' lists."""
    key = (_digest(items), min(max(float(threshold), MIN_SIMILARITY), 1.0))
    with _kept_lock:
        found = _kept_groupings.get(key)
        if found is not None:
            _kept_groupings.move_to_end(key)
    if found is None:
        found = group_items(items, threshold)  # outside the lock: others may read meanwhile
        with _kept_lock:
            _kept_groupings[key] = found
            while len(_kept_groupings) > KEPT_GROUPINGS:
                _kept_groupings.popitem(last=False)
    return Grouping(
        [Group(list(g.keys), g.cohesion, list(g.terms)) for g in found.groups],
        list(found.singletons),
        found.threshold,
    )


def forget_groupings() -> None:
    """Drop the kept groupings (the benchmark times the grouping itself)."""
    with _kept_lock:
        _kept_groupings.clear()


def _digest(items: Sequence[Item]) -> bytes:
    digest = hashlib.blake2b(digest_size=32)
    for item in items:
        digest.update(f"{item.key}\x1e{item.title}\x1e{item.text}\x1f".encode())
    return digest.digest()


def _refine(clusters: _Clusters, threshold: float) -> int:
    """Move every item to the group it resembles most now; returns how many moved."""
    moved = 0
    for i in range(len(clusters.group_of)):
        own = clusters.group_of[i]
        target = clusters.best(i, threshold)
        if target == own or (target is None and len(clusters.members[own]) == 1):
            continue
        clusters.remove(i)
        if target is None or target not in clusters.members:
            clusters.new_group(i)
        else:
            clusters.add(i, target)
        moved += 1
    return moved


def _merge(clusters: _Clusters, threshold: float) -> None:
    """Average linkage between groups of two or more: merge the pair whose members resemble
    each other most on average, while that average reaches the threshold."""
    multi = {g for g, size in clusters.size.items() if size > 1}
    pairs: dict[tuple[int, int], float] = {}
    for group in sorted(multi):
        pairs.update(_linkages(clusters, group, multi, threshold, later_only=True))
    while pairs:
        (a, b), _average = max(pairs.items(), key=lambda p: (p[1], -p[0][0], -p[0][1]))
        for i in list(clusters.members[b]):
            clusters.remove(i)
            clusters.add(i, a)
        multi.discard(b)
        pairs = {pair: v for pair, v in pairs.items() if a not in pair and b not in pair}
        pairs.update(_linkages(clusters, a, multi, threshold))


def _linkages(
    clusters: _Clusters, group: int, multi: set[int], threshold: float, *, later_only=False
) -> dict[tuple[int, int], float]:
    """The groups of `multi` whose members resemble `group`'s by `threshold` on average:
    dot(sum₁, sum₂) / (size₁ × size₂), its distinctive part from the inverted index, its
    frequent part computed only where its Cauchy–Schwarz bound could reach the threshold."""
    distinct: dict[int, float] = defaultdict(float)
    index = clusters.index
    for gram in _grams_of(clusters, clusters.members[group]):
        posting = index[gram]
        mine = posting[group]
        for other, weight in posting.items():
            if other != group and other in multi:
                distinct[other] += mine * weight
    size, norm = clusters.size[group], clusters.frequent_norm[group]
    mine_frequent = clusters.frequent_sums[group]
    found = {}
    for other in multi:
        if other == group or (later_only and other < group):
            continue
        needed = threshold * size * clusters.size[other]
        dot = distinct.get(other, 0.0)
        if dot + norm * clusters.frequent_norm[other] < needed:
            continue
        theirs = clusters.frequent_sums[other]
        small, large = (
            (mine_frequent, theirs) if len(mine_frequent) < len(theirs) else (theirs, mine_frequent)
        )
        dot += sum([w * large[g] for g, w in small.items() if g in large])
        if dot >= needed:
            found[(min(group, other), max(group, other))] = dot / (size * clusters.size[other])
    return found


def _result(corpus: Corpus, clusters: _Clusters, threshold: float, with_terms: bool) -> Grouping:
    keys = [item.key for item in corpus.items]
    groups, singletons = [], []
    for group, members in clusters.members.items():
        if len(members) == 1:
            singletons.append(keys[members[0]])
            continue
        ordered = sorted(members, key=lambda i: keys[i])
        terms = corpus.terms(ordered) if with_terms else []
        cohesion = _cohesion(clusters, group)
        groups.append(Group([keys[i] for i in ordered], cohesion, terms))
    groups.sort(key=lambda g: (-len(g.keys), g.keys[0]))
    return Grouping(groups, sorted(singletons), threshold)


def _cohesion(clusters: _Clusters, group: int) -> float:
    """The average similarity of the group's pairs from its sums: (|Σv|² − Σ|v|²) / (k(k − 1)),
    where only shared n-grams meet across members."""
    members = clusters.members[group]
    index = clusters.index
    grams = _grams_of(clusters, members)
    squares = sum(index[g][group] ** 2 for g in grams) + clusters.frequent_square[group]
    own = sum(clusters.distinct_self[i] + clusters.frequent_length[i] ** 2 for i in members)
    k = len(members)
    return max(0.0, (squares - own) / (k * (k - 1)))


def _grams_of(clusters: _Clusters, members: list[int]) -> dict[str, None]:
    """The distinctive n-grams of the members, each once, in the order the members hold them.
    Not a set: a set of strings iterates in an order that changes from process to process
    (PYTHONHASHSEED), and floats summed in another order differ in their last bits, so the
    same issues would not always give the same cohesion, nor the same merges at a tie."""
    grams: dict[str, None] = {}
    for i in members:
        grams.update(dict.fromkeys(clusters.distinct[i]))
    return grams


def suggestions(
    items: Sequence[Item], member_keys: Iterable[int], threshold: float, limit: int = 10
) -> list[tuple[int, float]]:
    """Items outside a group that resemble its members on average by at least `threshold`:
    (key, average similarity), most similar first."""
    corpus = Corpus(items)
    position = {item.key: i for i, item in enumerate(corpus.items)}
    members = [position[k] for k in member_keys if k in position]
    if not members:
        return []
    summed: dict[str, float] = {}
    for i in members:
        for gram, weight in corpus.shared[i].items():
            summed[gram] = summed.get(gram, 0.0) + weight
    inside = set(members)
    found = []
    for i, vector in enumerate(corpus.shared):
        if i in inside:
            continue
        average = sum(w * summed[g] for g, w in vector.items() if g in summed) / len(members)
        if average >= max(threshold, MIN_SIMILARITY):
            found.append((corpus.items[i].key, round(average, 3)))
    found.sort(key=lambda s: (-s[1], s[0]))
    return found[:limit]


# --- highlighting --------------------------------------------------------------------------------


def highlight(text: str, terms: Sequence[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, shared?) so a template can mark the shared words. Terms are
    found in the normalised text (全角/半角 and punctuation do not matter) and marked on the
    original characters."""
    text = text or ""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []  # the original characters behind each normalised one
    i = 0
    while i < len(text):
        width = 2 if text[i + 1 : i + 2] in _HALF_WIDTH_MARKS else 1
        for ch in unicodedata.normalize("NFKC", text[i : i + width]).lower():
            if _kept(ch):
                chars.append(ch)
                spans.append((i, i + width))
        i += width
    folded = "".join(chars)
    marked = [False] * len(text)
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = folded.find(term)
        while start >= 0:
            for j in range(spans[start][0], spans[start + len(term) - 1][1]):
                marked[j] = True
            start = folded.find(term, start + 1)
    return _runs(text, marked)


def _runs(text: str, marked: list[bool]) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marked[i] != marked[start]:
            found.append((text[start:i], marked[start]))
            start = i
    return found
