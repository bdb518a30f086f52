"""The server-drawn logic-model diagram: valid XML, escaped text, deterministic layout, the
status in words on every box and links in doubt marked (dashed, 「?n」, a footnote)."""

from defusedxml import ElementTree as ET

from chiikidx.monitoring import logic_svg
from chiikidx.monitoring.logic_svg import Arrow, Box, BoxKpi, Diagram

NS = {"s": "http://www.w3.org/2000/svg"}


def _diagram(title="窓口のDX <script>alert(1)</script> & 「A」") -> Diagram:
    return Diagram(
        title,
        [
            Box(
                1,
                "activity",
                "主要手続のオンライン化",
                "no_kpi",
                "指標なし",
                (),
                ("1-1 オンライン申請",),
            ),
            Box(
                2,
                "output",
                "申請が増える",
                "on_track",
                "順調",
                (BoxKpi("K-01 申請件数", "1,469件", "on_track", "順調"),),
            ),
            Box(
                3,
                "short_term",
                "来庁が減る <b>",
                "off_track",
                "遅れ",
                (BoxKpi("K-08 来庁者数", "2,813人", "off_track", "遅れ"),),
            ),
            Box(4, "short_term", "待ち時間が減る", "no_data", "判定できない"),
        ],
        [Arrow(1, 2), Arrow(2, 3, note=1), Arrow(3, 4)],
        [(1, "上流は順調なのに下流は遅れ & <要確認>")],
        description="図の説明",
    )


def test_text_is_wrapped_by_estimated_width_keeping_closing_marks_on_their_line():
    assert logic_svg.text_width("あいう", 10) == 30
    assert logic_svg.text_width("AB12", 10) == 24
    assert logic_svg.wrap("あいうえおか", 10, 30) == ["あいう", "えおか"]
    # 「、」 never starts a line: the character before it goes down with it
    assert logic_svg.wrap("あいう、えお", 10, 30) == ["あい", "う、え", "お"]
    assert logic_svg.wrap("あいうえおかきくけこ", 10, 30, max_lines=2) == ["あいう", "えお…"]
    assert logic_svg.wrap("一行目\n二行目", 10, 100) == ["一行目", "二行目"]


def test_the_diagram_is_valid_xml_with_escaped_text_title_and_description():
    svg = logic_svg.render(_diagram(), prefix="lm-9", standalone=True)
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "lm-9-title lm-9-desc"
    assert root.find("s:title", NS).text == "窓口のDX <script>alert(1)</script> & 「A」"
    assert root.find("s:desc", NS).text == "図の説明"
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "来庁が減る <b>" in texts
    assert "上流は順調なのに下流は遅れ & <要確認>" in texts


def test_every_box_says_its_status_in_words_and_shows_its_kpis():
    root = ET.fromstring(logic_svg.render(_diagram()).encode())
    boxes = {
        g.get("data-key"): [
            "".join(t.itertext()) for t in g.iter("{http://www.w3.org/2000/svg}text")
        ]
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "logic-node"
    }
    assert boxes == {
        "1": ["指標なし", "主要手続のオンライン", "化", "施策: 1-1 オンライン申", "請"],
        "2": ["順調", "申請が増える", "K-01 申請件数", "1,469件 順調"],
        "3": ["遅れ", "来庁が減る <b>", "K-08 来庁者数", "2,813人 遅れ"],
        "4": ["判定できない", "待ち時間が減る"],
    }


def test_a_link_in_doubt_is_dashed_in_the_off_track_colour_with_a_numbered_mark():
    root = ET.fromstring(logic_svg.render(_diagram()).encode())
    paths = {
        (p.get("data-source"), p.get("data-target")): p
        for p in root.iter("{http://www.w3.org/2000/svg}path")
    }
    doubtful = paths[("2", "3")]
    assert doubtful.get("class") == "logic-link logic-link--doubtful"
    assert doubtful.get("stroke") == "#ce0000"
    assert doubtful.get("stroke-dasharray") == "6 4"
    assert paths[("1", "2")].get("stroke-dasharray") is None
    assert paths[("1", "2")].get("class") == "logic-link"
    marks = [
        g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "logic-doubt"
    ]
    assert [(g.get("data-note"), "".join(g.itertext()).strip()) for g in marks] == [("1", "?1")]
    notes = next(
        g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "logic-notes"
    )
    assert ["".join(t.itertext()) for t in notes] == [
        "前提が疑わしいつながり",
        "?1",
        "上流は順調なのに下流は遅れ & <要確認>",
    ]


def test_the_layout_is_deterministic_by_stage_column_and_order():
    first = logic_svg.render(_diagram())
    assert first == logic_svg.render(_diagram())
    placed, tallest = logic_svg.layout(_diagram().boxes)
    assert {k: (p.x, p.y) for k, p in placed.items()} == {
        1: (216, 96 + (tallest - placed[1].height) / 2),
        2: (416, 96 + (tallest - placed[2].height) / 2),
        3: (616, 96),
        4: (616, 96 + placed[3].height + 18),
    }
    assert tallest == placed[3].height + 18 + placed[4].height
    root = ET.fromstring(first.encode())
    assert root.get("width") == "1188"
    # a link within a stage leaves and enters on the right side of its column
    within = next(
        p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("data-source") == "3"
    )
    assert within.get("d").startswith("M772,")  # 616 + 156


def test_an_empty_model_is_a_valid_picture():
    root = ET.fromstring(logic_svg.render(Diagram("空", [])).encode())
    assert root.find("s:title", NS).text == "空"
