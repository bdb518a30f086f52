"""The chart_data filter writes exactly what json_script writes."""

import datetime

from django.template import Context, Template
from django.utils.html import json_script

from chiikidx.core.templatetags.charts import chart_data


def test_chart_data_is_json_script_with_the_same_escapes():
    value = {
        "label": "</script><b>A&B</b>",
        "day": datetime.date(2025, 4, 1),
        "numbers": [1, 2.5, None, True],
        "name": "日本",
    }
    assert chart_data(value, "chart") == json_script(value, "chart")
    assert "</script><b>" not in chart_data(value, "chart").split(">", 1)[1][: -len("</script>")]


def test_chart_data_in_a_template():
    page = Template('{% load charts %}{{ data|chart_data:"d" }}').render(
        Context({"data": {"x": "<"}})
    )
    assert page == '<script id="d" type="application/json">{"x": "\\u003C"}</script>'
