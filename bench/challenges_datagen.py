"""10,000 plausible 課題 of one prefecture's municipalities, with a known group structure, for the
similarity grouping of the prefecture's common issues (`challenges.common.similarity`).

Each issue is written from one of TOPICS (a problem many municipalities share, such as
「買い物困難者への配送」 or 「デマンド交通の予約」) in one municipality's own words: a title from
the topic's title templates and two or three sentences from its sentence pool, with the slots
({area}, {who}, {tool}, {when}, {busy}) filled in, 全角 and 半角 variants of Latin letters and
digits, and often one sentence every issue might say (「職員の負担が大きい。」). NOISE_SHARE of
the issues belong to no topic: a thing and a problem drawn from long lists, so they share only
the generic words. `topic` records where each issue came from, so the suite can check how well
the grouping recovers the topics.

Deterministic (seeded). `issues()` needs no Django; `write()` stores them as shared challenges
(escalated for ESCALATED_SHARE) of the prefecture's municipalities, with the plain manager's
`bulk_create` (generated data has no audit entries, as in the other data sets).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 20250601
COUNT = 10_000
NOISE_SHARE = 0.12
ESCALATED_SHARE = 0.4
GENERIC_SHARE = 0.6  # issues with one sentence every issue might say


@dataclass(frozen=True)
class Topic:
    key: str
    field: str
    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    weight: int = 3  # how common the problem is (relative)


@dataclass(frozen=True)
class Issue:
    topic: str | None
    field: str
    title: str
    description: str
    benefit: int
    difficulty: int
    urgency: int


SLOTS = {
    "area": ("山間部", "中山間地域", "沿岸部の集落", "郊外の団地", "離島", "旧町村部", "過疎地域"),
    "who": ("高齢者", "一人暮らしの高齢者", "子育て世帯", "障害のある方", "外国人住民", "若い世代"),
    "tool": ("スマートフォン", "LINE", "ＬＩＮＥ", "タブレット", "マイナンバーカード", "パソコン"),
    "when": ("朝夕", "災害時", "年度末", "繁忙期", "月曜日の午前", "３月と４月", "3月と4月"),
    "busy": ("電話が集中して", "窓口が混雑して", "処理が追いつかなくなって", "確認に手間取って"),
}

TOPICS = (
    Topic(
        "delivery",
        "産業",
        (
            "買い物困難者への配送",
            "{area}の買い物弱者への宅配",
            "ドローンによる日用品の配送",
            "{area}でのドローン配送の実証",
            "共同配送による買い物支援",
        ),
        (
            "商店が撤退し、{who}が食料品を買いに行けない。",
            "移動販売が週1回しかなく、配送サービスが求められている。",
            "ドローン配送を近隣の市町村と共同で実証したい。",
            "宅配事業者と共同配送の仕組みを作りたい。",
            "{area}では買い物困難者が増えている。",
            "配送の担い手が不足しており、物流の維持が難しい。",
        ),
        5,
    ),
    Topic(
        "demand",
        "交通",
        (
            "デマンド交通の予約をオンライン化したい",
            "デマンドタクシーの電話予約が集中する",
            "乗合タクシーの予約システム",
            "デマンド交通のアプリ予約",
        ),
        (
            "予約が電話だけで、{when}に{busy}いる。",
            "{tool}からデマンド交通を予約できるようにしたい。",
            "オペレーターが手作業で配車を調整している。",
            "予約台帳が紙で、運行事業者との共有に時間がかかる。",
            "乗合タクシーの予約システムを共同で調達したい。",
        ),
        5,
    ),
    Topic(
        "shelter",
        "防災",
        (
            "避難所の受付をデジタル化したい",
            "避難所受付のデジタル化",
            "避難者名簿の作成に時間がかかる",
            "{tool}による避難所の受付",
        ),
        (
            "災害時に避難者名簿を手書きで作っている。",
            "{tool}で避難所の受付をしたい。",
            "避難所ごとの避難者数を本部へ電話で報告している。",
            "避難所の受付に行列ができ、{who}が長く待たされる。",
            "避難者の把握と物資の配分に名簿の集計が追いつかない。",
        ),
        4,
    ),
    Topic(
        "childapp",
        "子育て",
        (
            "子育て支援アプリの共同利用",
            "母子手帳アプリを導入したい",
            "子育て情報の発信アプリ",
            "子育て支援アプリを県内で共同導入",
        ),
        (
            "母子手帳アプリを単独で導入すると費用が高い。",
            "健診や予防接種の通知を{tool}に届けたい。",
            "子育て支援アプリを近隣の市町村と共同利用したい。",
            "{who}に子育て情報が届いていない。",
        ),
        4,
    ),
    Topic(
        "cashless",
        "窓口",
        (
            "窓口でキャッシュレス決済ができない",
            "証明書手数料のキャッシュレス決済",
            "窓口の手数料をキャッシュレスに",
            "キャッシュレス決済の導入",
        ),
        (
            "住民票の写しなどの手数料を現金でしか払えない。",
            "窓口の手数料をキャッシュレスで払いたいという声が多い。",
            "現金の取扱いと釣銭の準備、会計の照合に手間がかかる。",
            "キャッシュレス決済の端末を共同で調達したい。",
        ),
        4,
    ),
    Topic(
        "facility",
        "内部事務",
        (
            "公共施設の予約をオンライン化したい",
            "体育館や会議室の予約が電話のみ",
            "施設予約システムの共同利用",
            "公共施設の空き状況が分からない",
        ),
        (
            "体育館や公民館の予約が電話と窓口だけである。",
            "施設の空き状況を{tool}で確認できない。",
            "施設予約システムを県内の市町村と共同利用したい。",
            "施設の使用料の支払いのために窓口へ来てもらっている。",
        ),
        4,
    ),
    Topic(
        "kakanai",
        "窓口",
        (
            "書かない窓口の導入",
            "申請書の記入が住民の負担",
            "転入手続で何枚も書類を書く",
            "ワンストップ窓口の実現",
        ),
        (
            "転入や出生の手続で、住民が同じ内容を何枚も申請書に書いている。",
            "書かない窓口を導入し、職員が聞き取って申請書を作りたい。",
            "{who}には申請書の記入が難しい。",
            "手続ごとに窓口を回らなければならない。",
        ),
        4,
    ),
    Topic(
        "online",
        "窓口",
        (
            "行政手続のオンライン化",
            "オンライン申請できる手続が少ない",
            "電子申請システムの共同利用",
            "{tool}から申請できるようにしたい",
        ),
        (
            "来庁しないとできない手続が多い。",
            "電子申請システムを県と市町村で共同利用したい。",
            "オンライン申請の様式作りに手間がかかる。",
            "{who}から{tool}で申請したいという声がある。",
        ),
        4,
    ),
    Topic(
        "gis",
        "防災",
        (
            "ハザードマップのデジタル化",
            "防災情報の地図での発信",
            "統合型GISの共同利用",
            "紙のハザードマップの更新",
        ),
        (
            "ハザードマップが紙で、更新に費用がかかる。",
            "避難経路を{tool}の地図で確認できるようにしたい。",
            "統合型GISを県内の市町村で共同利用したい。",
            "浸水想定区域の情報を住民に分かりやすく伝えたい。",
        ),
        3,
    ),
    Topic(
        "watch",
        "福祉",
        (
            "一人暮らしの高齢者の見守り",
            "見守りセンサーの導入",
            "高齢者見守りのICT化",
            "{area}の高齢者の安否確認",
        ),
        (
            "民生委員が一人暮らしの高齢者を訪問して安否を確認している。",
            "見守りセンサーや電力データで異変に気付きたい。",
            "見守りの担い手が高齢化している。",
            "{area}では訪問に時間がかかる。",
        ),
        4,
    ),
    Topic(
        "care",
        "福祉",
        (
            "介護認定の事務の効率化",
            "介護認定審査会のペーパーレス化",
            "要介護認定の調査票の転記",
        ),
        (
            "認定調査の結果を紙から介護保険システムに転記している。",
            "介護認定審査会の資料を紙で印刷して郵送している。",
            "審査会をオンラインで開きたい。",
            "調査員が{tool}で調査票を入力できるようにしたい。",
        ),
        3,
    ),
    Topic(
        "school",
        "教育",
        (
            "校務の標準化",
            "学校の校務システムの共同調達",
            "教員の校務負担の軽減",
            "出欠連絡のデジタル化",
        ),
        (
            "学校ごとに様式が違い、校務の標準化が進まない。",
            "保護者からの欠席連絡を電話で受けている。",
            "校務支援システムを県内で共同調達したい。",
            "通知表や指導要録の作成に教員の時間が取られている。",
        ),
        4,
    ),
    Topic(
        "ict_school",
        "教育",
        (
            "一人一台端末の更新",
            "GIGAスクール端末の更新費用",
            "学習用端末の共同調達",
        ),
        (
            "ＧＩＧＡスクールの端末の更新時期が迫っている。",
            "学習用端末を県内で共同調達して費用を抑えたい。",
            "端末の故障対応と管理に教員の手が取られている。",
        ),
        3,
    ),
    Topic(
        "tourism",
        "観光",
        (
            "観光客の動態把握",
            "観光データの分析",
            "人流データを観光に活用したい",
        ),
        (
            "観光客がどこから来てどこを回ったのか分からない。",
            "人流データや宿泊データを観光の施策に活用したい。",
            "観光データを広域で共有して周遊を促したい。",
        ),
        3,
    ),
    Topic(
        "inbound",
        "観光",
        (
            "外国人観光客への多言語案内",
            "観光案内の多言語化",
            "多言語翻訳の共同利用",
        ),
        (
            "外国人観光客への案内が日本語だけである。",
            "観光案内所で多言語に対応できる職員がいない。",
            "翻訳アプリや多言語の案内を共同で導入したい。",
        ),
        3,
    ),
    Topic(
        "agri",
        "農林水産",
        (
            "鳥獣被害の対策",
            "有害鳥獣の捕獲の通知",
            "わなの見回りの負担",
        ),
        (
            "イノシシやシカの被害が増えている。",
            "わなの見回りに猟友会の負担が大きい。",
            "わなにセンサーを付けて捕獲を通知したい。",
            "鳥獣被害の情報を地図で共有したい。",
        ),
        3,
    ),
    Topic(
        "farm_labor",
        "農林水産",
        (
            "農業の担い手不足",
            "スマート農業の導入支援",
            "農地台帳のデジタル化",
        ),
        (
            "農業の担い手が高齢化し、耕作放棄地が増えている。",
            "ドローンによる農薬散布などスマート農業を広げたい。",
            "農地台帳が紙で、農業委員会との照合に時間がかかる。",
        ),
        3,
    ),
    Topic(
        "waste",
        "環境",
        (
            "ごみ分別の案内",
            "ごみ収集の問合せ対応",
            "ごみ出しアプリの導入",
        ),
        (
            "ごみの分別や収集日についての電話の問合せが多い。",
            "ごみ出しのルールを{tool}で案内したい。",
            "{who}にごみの分別が伝わっていない。",
        ),
        3,
    ),
    Topic(
        "health",
        "健康・医療",
        (
            "健診の受診勧奨",
            "特定健診の受診率が低い",
            "健診の予約をオンラインで",
        ),
        (
            "特定健診の受診率が伸びない。",
            "健診の予約が電話だけで、{when}に{busy}いる。",
            "受診勧奨の通知を{tool}で送りたい。",
        ),
        3,
    ),
    Topic(
        "online_med",
        "健康・医療",
        (
            "オンライン診療の体制",
            "{area}の医療の確保",
            "医師不足地域のオンライン診療",
        ),
        (
            "{area}に診療所がなく、通院に時間がかかる。",
            "公民館などでオンライン診療を受けられるようにしたい。",
            "医療機関と連携してオンライン診療を広げたい。",
        ),
        2,
    ),
    Topic(
        "rpa",
        "内部事務",
        (
            "RPAの導入",
            "定型業務の自動化",
            "ＲＰＡを共同で導入したい",
        ),
        (
            "毎月の集計や転記の作業を手作業でしている。",
            "ＲＰＡで定型の入力作業を自動化したい。",
            "RPAのシナリオ作成を担える職員がいない。",
        ),
        3,
    ),
    Topic(
        "ai_minutes",
        "内部事務",
        (
            "議事録作成の効率化",
            "会議録の作成にAIを使いたい",
            "音声認識による議事録作成",
        ),
        (
            "会議の録音から議事録を起こすのに時間がかかる。",
            "音声認識やAIで議事録の案を作りたい。",
            "議会の会議録の作成を外部に委託しており費用がかかる。",
        ),
        3,
    ),
    Topic(
        "telework",
        "内部事務",
        (
            "テレワーク環境の整備",
            "在宅勤務ができない",
            "LGWAN接続系のテレワーク",
        ),
        (
            "LGWAN接続系の端末を持ち出せず、在宅勤務ができない。",
            "テレワークのための端末と回線を整備したい。",
            "災害時にも業務を続けられるようにしたい。",
        ),
        2,
    ),
    Topic(
        "security",
        "内部事務",
        (
            "情報セキュリティの研修",
            "標的型メールへの対策",
            "セキュリティ人材の不足",
        ),
        (
            "標的型メールの訓練を自前で実施できない。",
            "情報セキュリティの専門の職員がいない。",
            "セキュリティの研修を県内で共同実施したい。",
        ),
        2,
    ),
    Topic(
        "standard",
        "内部事務",
        (
            "基幹業務システムの標準化",
            "ガバメントクラウドへの移行",
            "標準準拠システムへの移行の遅れ",
        ),
        (
            "基幹業務システムの標準化への移行が間に合わない。",
            "ガバメントクラウドの運用経費が増える見込みである。",
            "ベンダーが不足し、移行の作業が進まない。",
        ),
        3,
    ),
    Topic(
        "mynumber",
        "窓口",
        (
            "マイナンバーカードの交付の混雑",
            "マイナンバーカードの更新手続",
            "カード交付の予約",
        ),
        (
            "マイナンバーカードの交付と更新で窓口が混雑している。",
            "電子証明書の更新の案内を{who}に届けたい。",
            "交付の予約を{tool}で受け付けたい。",
        ),
        3,
    ),
    Topic(
        "library",
        "教育",
        (
            "図書館の電子書籍",
            "電子図書館の共同導入",
        ),
        (
            "来館が難しい{who}に電子書籍を貸し出したい。",
            "電子図書館を県内の図書館と共同で導入したい。",
        ),
        2,
    ),
    Topic(
        "bus",
        "交通",
        (
            "路線バスの維持",
            "バスの運転手不足",
            "バスロケーションシステムの導入",
        ),
        (
            "路線バスの運転手が不足し、減便が続いている。",
            "バスの位置を{tool}で確認できるようにしたい。",
            "乗降データを使って路線を見直したい。",
        ),
        3,
    ),
    Topic(
        "infra",
        "防災",
        (
            "道路や橋の点検の効率化",
            "インフラ点検にドローンを使いたい",
            "道路の損傷の通報",
        ),
        (
            "橋りょうの点検を技術職員だけでは回せない。",
            "道路の損傷を住民が{tool}で通報できるようにしたい。",
            "ドローンで橋の点検をしたい。",
        ),
        3,
    ),
    Topic(
        "vacant",
        "環境",
        (
            "空き家の把握",
            "空き家バンクの活用",
            "空き家の情報の一元化",
        ),
        (
            "空き家の所在と状態を把握できていない。",
            "空き家バンクの登録が少なく、移住希望者に紹介できない。",
            "水道の使用量などから空き家を見つけたい。",
        ),
        3,
    ),
)

GENERIC_SENTENCES = (
    "職員の負担が大きい。",
    "住民から改善を求める声が上がっている。",
    "予算が限られており、単独での導入は難しい。",
    "近隣の市町村も同じ課題を抱えていると聞く。",
    "県の支援を受けて進めたい。",
    "担当が一人で、ノウハウがない。",
    "他の自治体の事例を知りたい。",
    "今年度中に方針を決めたい。",
)

NOISE_THINGS = (
    "公用車の予約",
    "庁舎の鍵の管理",
    "各種台帳",
    "郵便物の発送",
    "会議室の備品",
    "職員の出退勤",
    "文書の保存",
    "補助金の申請",
    "入札の手続",
    "広報紙の配布",
    "選挙の投票所",
    "税の証明書",
    "水道の検針",
    "墓地の管理",
    "消防団の連絡",
    "自治会への回覧",
    "固定資産の評価",
    "児童手当の現況届",
    "窓口の番号札",
    "職員の研修記録",
    "地区の集会所",
    "防犯灯の管理",
    "農業委員会の議事",
    "成人式の案内",
    "公園の遊具",
    "学校給食の献立",
    "除雪の要望",
    "河川の水位",
    "文化財の記録",
    "ふるさと納税の返礼品",
)
NOISE_PROBLEMS = (
    "が紙で管理されている",
    "の集計を手作業でしている",
    "に関する問合せが多い",
    "の情報が共有されていない",
    "の手続に時間がかかる",
    "が担当者しか分からない",
    "のデータが活用されていない",
    "の連絡が電話とファクスだけである",
)


def issues(count: int = COUNT, seed: int = SEED) -> list[Issue]:
    """`count` issues in a shuffled order, NOISE_SHARE of them without a topic."""
    rng = random.Random(seed)
    weights = [t.weight for t in TOPICS]
    found = []
    for _ in range(count):
        if rng.random() < NOISE_SHARE:
            found.append(_noise(rng))
        else:
            found.append(_issue(rng, rng.choices(TOPICS, weights=weights)[0]))
    return found


def _fill(rng: random.Random, template: str) -> str:
    return template.format(**{slot: rng.choice(values) for slot, values in SLOTS.items()})


def _scores(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2, 5), rng.randint(1, 5), rng.randint(1, 5)


def _issue(rng: random.Random, topic: Topic) -> Issue:
    count = min(len(topic.sentences), rng.choice((2, 2, 3)))
    sentences = [_fill(rng, s) for s in rng.sample(topic.sentences, count)]
    if rng.random() < GENERIC_SHARE:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(GENERIC_SENTENCES))
    title = _fill(rng, rng.choice(topic.titles))
    return Issue(topic.key, topic.field, title, "".join(sentences), *_scores(rng))


def _noise(rng: random.Random) -> Issue:
    thing, problem = rng.choice(NOISE_THINGS), rng.choice(NOISE_PROBLEMS)
    other = rng.choice(NOISE_THINGS)
    description = f"{thing}{problem}。{other}{rng.choice(NOISE_PROBLEMS)}。"
    if rng.random() < GENERIC_SHARE:
        description += rng.choice(GENERIC_SENTENCES)
    field = rng.choice(("内部事務", "窓口", "その他"))
    return Issue(None, field, f"{thing}{problem}", description, *_scores(rng))


def write(prefecture, generated: list[Issue]) -> int:
    """Store `generated` as challenges of the prefecture's municipalities, in turn; all shared,
    ESCALATED_SHARE of them escalated (県・広域で対応). Returns how many were written."""
    from django.utils import timezone

    from chiikidx.challenges.choices import Scope
    from chiikidx.challenges.models import Challenge
    from chiikidx.core.queries import municipalities_of

    municipalities = list(municipalities_of(prefecture))
    now = timezone.now()
    rng = random.Random(SEED + 1)
    rows = []
    for i, issue in enumerate(generated):
        escalated = rng.random() < ESCALATED_SHARE
        rows.append(
            Challenge(
                organization=municipalities[i % len(municipalities)],
                field=issue.field,
                title=issue.title[:200],
                description=issue.description,
                benefit=issue.benefit,
                difficulty=issue.difficulty,
                urgency=issue.urgency,
                scope=Scope.WIDE if escalated else Scope.SELF,
                shared_at=now,
                escalated_at=now if escalated else None,
                escalation_note="県内で共同の取組を検討してほしい。" if escalated else "",
            )
        )
    # The plain manager: generated rows have no audit entries (see the module docstring).
    Challenge._base_manager.bulk_create(rows, batch_size=1000)
    return len(rows)


def main() -> None:
    """Print a sample and the topic sizes (python bench/challenges_datagen.py)."""
    from collections import Counter

    generated = issues()
    sizes = Counter(i.topic or "(noise)" for i in generated)
    for issue in generated[:12]:
        print(f"[{issue.topic or '-'}] {issue.title} / {issue.description}")
    print(dict(sizes.most_common()))


if __name__ == "__main__":
    main()
