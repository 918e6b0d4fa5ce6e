"""Server-rendered SVG charts: escaped labels, values on hover, an empty chart that says so."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from upstream.analytics import charts

pytestmark = pytest.mark.smoke


def test_stacked_bars_draw_every_value_with_a_title() -> None:
    svg = charts.stacked_bars(
        "Tickets", ["11-01", "11-02"], [charts.Line("Email", [3, 0]), charts.Line("<Portal>", [1, 2])], empty_text="-"
    )
    root = ET.fromstring(svg)  # well-formed XML
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "11-01 · Email: 3" in titles and "11-02 · <Portal>: 2" in titles
    assert "<Portal>" not in svg and "&lt;Portal&gt;" in svg
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 3 + 2  # bars + legend swatches


def test_an_empty_chart_keeps_its_frame_and_says_why() -> None:
    svg = charts.lines_chart(
        "CSAT", ["a", "b"], [charts.Line("CSAT", [None, None])], empty_text="No answers", low=1, high=5
    )
    ET.fromstring(svg)
    assert "No answers" in svg and "<polyline" not in svg
    assert "No data" not in charts.bars("Scores", ["x"], [4.5], empty_text="No data", high=5)


def test_lines_break_at_missing_values() -> None:
    svg = charts.lines_chart("NPS", ["1", "2", "3", "4"], [charts.Line("NPS", [10, None, 20, 30])], empty_text="-")
    assert svg.count("<polyline") == 1  # the single point before the gap draws no line
    assert svg.count("<circle") == 3


def test_nice_scale() -> None:
    assert charts.nice_max(0) == 1.0
    assert charts.nice_max(7) == 10.0
    assert charts.nice_max(130) == 200.0
    assert charts.nice_max(1000) == 1000.0


def test_legend_leaves_room_for_chinese_labels() -> None:
    svg = charts.stacked_bars(
        "工单", ["a"], [charts.Line("在线聊天", [1]), charts.Line("电子邮件", [2])], empty_text="-"
    )
    root = ET.fromstring(svg)
    texts = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text in ("在线聊天", "电子邮件")]
    first, second = (float(t.get("x", 0)) for t in texts)
    assert second - first >= 4 * 11  # four wide characters of the first label fit before the second
