"""The HTML reports: one issue's forecast or replay, and a backtest's bar charts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from escalation_rules import (
    Event,
    EventKind,
    Issue,
    backtest,
    forecast,
    loads,
    read_log,
    replay,
)
from escalation_rules._analysis.html_issue import forecast_view, stays
from escalation_rules._analysis.html_page import LEVEL_COLOURS, Axis
from escalation_rules._analysis.html_report import (
    backtest_report,
    forecast_report,
    replay_report,
    write_backtest_report,
)
from escalation_rules._io.examples import bundled_policy, example_path, example_policy
from escalation_rules._io.logmapping import LogMapping

from ..conftest import T0, at, make_issue

_VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "source", "wbr"}
_SVG_VOID = {"line", "circle", "path"}  # written self-closed in the figures


class _Checker(HTMLParser):
    """Tag balance, the doctype, and no script anywhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.doctype = ""
        self.tags: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def check_html(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.doctype.lower() == "doctype html"
    assert checker.problems == []
    assert checker.stack == []
    assert "script" not in checker.tags
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    return checker


@pytest.fixture
def forecast_page() -> str:
    return forecast_report(example_policy(), make_issue(), T0, at(12))


def test_the_forecast_page_is_one_valid_page_with_one_figure(forecast_page: str) -> None:
    checker = check_html(forecast_page)
    assert checker.tags.count("svg") == 1
    assert '<meta charset="utf-8">' in forecast_page
    assert 'All times are in <strong class="zone">UTC</strong>' in forecast_page


def test_the_forecast_page_draws_one_band_per_level_stay(forecast_page: str) -> None:
    bands = re.findall(r'<g class="band" data-level="([^"]+)"', forecast_page)
    assert bands == ["L1", "L2", "L3"]  # escalated at +2 h and at +10 h
    for position, level in enumerate(("L1", "L2", "L3")):
        colour = LEVEL_COLOURS[position]
        # One colour per level: the band, the legend and the escalation's marker agree.
        band = re.search(rf'data-level="{level}"><rect [^>]*fill="([^"]+)"', forecast_page)
        assert band is not None and band.group(1) == colour
        assert f'<span class="swatch" style="background:{colour}"></span>{level}' in forecast_page
    markers = re.findall(r'data-kind="escalate"><circle [^>]*fill="([^"]+)"', forecast_page)
    assert markers == [LEVEL_COLOURS[1], LEVEL_COLOURS[2]]


def test_every_action_is_listed_with_its_reason(forecast_page: str) -> None:
    steps = forecast(example_policy(), make_issue(), T0, at(12))
    markers = re.findall(r'<g class="action" data-kind="([a-z_]+)"', forecast_page)
    assert markers == [step.action.kind for step in steps]
    table = forecast_page.split('<table class="actions">')[1].split("</table>")[0]
    for step in steps:
        assert f'<span class="reason">{step.action.reason}</span>' in table
    assert table.count("<tr>") == len(steps) + 1  # and the header


def test_the_sla_clock_row_shows_its_segments_and_warning_threshold() -> None:
    page = forecast_report(example_policy(), make_issue(), T0, at(40))
    assert '<g class="clock" data-clock="time_at_level">' in page
    assert 'class="segment running"' in page
    assert '<g class="threshold">' in page and ">75%</text>" in page
    assert '<g class="deadline">' in page


def test_text_from_the_input_is_escaped() -> None:
    page = forecast_report(example_policy(), make_issue("<script>alert(1)</script>"), T0, at(3))
    check_html(page)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_same_inputs_give_the_same_bytes() -> None:
    one = forecast_report(example_policy(), make_issue(), T0, at(12))
    two = forecast_report(example_policy(), make_issue(), T0, at(12))
    assert one == two


def test_times_are_shown_in_the_zone_of_the_creation_when_no_calendar_says() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    created = T0.astimezone(berlin)
    issue = Issue("T-1", created, history=[Event(EventKind.CREATED, created)])
    assert forecast_view(example_policy(), issue, T0, at(4)).zone == berlin
    page = forecast_report(example_policy(), issue, T0, at(4))
    assert '<strong class="zone">Europe/Berlin</strong>' in page
    assert (  # T0 is 09:00 UTC
        "from Mon 2 Mar 2026 10:00 CET (Europe/Berlin) to Mon 2 Mar 2026 14:00 CET (Europe/Berlin)"
        in page
    )


def test_level_stays_follow_the_changes() -> None:
    got = stays([(at(2), "L2"), (at(2), "L2"), (at(5), "L3")], "L1", T0, at(8))
    assert [(s.level, s.start, s.end) for s in got] == [
        ("L1", T0, at(2)),
        ("L2", at(2), at(5)),
        ("L3", at(5), at(8)),
    ]


def test_a_warning_threshold_with_an_offset_is_drawn_where_the_warning_fires() -> None:
    text = Path(str(example_path("seeds-matrix"))).read_text(encoding="utf-8")
    policy = loads(text.replace('share = "75%"', 'share = "50%", before = "30m"'))
    view = forecast_view(policy, make_issue(), T0, at(4))
    # Escalated to L2 (8 h) at 11:00: 50 % of 8 h less 30 min of counted time is 14:30.
    assert [c.thresholds for c in view.clocks] == [(("50% - 30 min", at(5.5)),)]
    warned = [s.at for s in forecast(policy, make_issue(), T0, at(4)) if s.action.kind == "notify"]
    assert warned[0] == at(0.5)  # at L1 (2 h): 50 % less 30 min, as the mark is placed


def test_a_forecast_starts_at_the_level_the_issue_was_created_at() -> None:
    view = forecast_view(example_policy(), make_issue(level="L2"), T0, at(12))
    ((_, row),) = view.level_rows
    assert [(s.level, s.start, s.end) for s in row] == [("L2", T0, at(8)), ("L3", at(8), at(12))]


def test_the_axis_ticks_fall_on_round_instants_inside_it() -> None:
    from datetime import UTC

    axis = Axis(at(0, 7), at(12), 100, 800)
    ticks = axis.ticks(UTC)
    assert 2 <= len(ticks) <= 9
    assert all(at(0, 7) <= t <= at(12) and t.minute == 0 for t in ticks)
    assert axis.x(at(0, 7)) == 100 and axis.x(at(12)) == 900 and axis.x(at(99)) == 900


def test_the_axis_labels_come_from_the_english_tables_not_strftime() -> None:
    from datetime import UTC

    from escalation_rules._instants import short_day

    assert short_day(T0) == "Mon 02 Mar" and short_day(at(24 * 5)) == "Sat 07 Mar"
    svg = Axis(T0, at(12), 100, 800).svg(0, UTC)
    assert ">Mon 02 Mar</text>" in svg
    assert re.findall(r">(\d\d:\d\d)</text>", svg)  # the times, 24-hour


def _servicenow() -> tuple[object, object]:
    folder = Path(str(example_path("servicenow"))).parent
    mapping = LogMapping.load(folder / "servicenow-mapping.toml")
    log = folder / "servicenow-incidents.csv"
    return read_log(log, mapping), bundled_policy("servicenow")


def test_the_replay_page_shows_the_real_and_the_policy_levels() -> None:
    log, policy = _servicenow()
    logged = next(i for i in log if i.id == "INC0000047")  # type: ignore[attr-defined]
    result = replay(policy, logged)  # type: ignore[arg-type]
    page = replay_report(policy, result)  # type: ignore[arg-type]
    check_html(page)
    assert "level (real)" in page and "level (policy)" in page
    real = re.findall(r'<g class="band" data-level="([^"]+)"', page)
    assert real[:3] == ["L1", "L2", "L3"]
    assert 'class="segment paused"' in page  # "Awaiting User Info" pauses the clocks
    for action in result.actions:
        assert action.reason in page
    timeline = page.split('<table class="timeline">')[1]
    assert timeline.count("<tr>") == len(result.timeline) + 1


def test_the_backtest_page_has_a_figure_per_level_and_per_priority(tmp_path: Path) -> None:
    log, policy = _servicenow()
    metrics = backtest(policy, log)  # type: ignore[arg-type]
    page = backtest_report(metrics)
    checker = check_html(page)
    assert checker.tags.count("svg") == 2
    pairs = re.findall(r'<g class="pair" data-level="(L\d)" data-group="([^"]+)"', page)
    assert ("L2", "all issues") in pairs
    assert {group for _, group in pairs} >= {"all issues", *metrics.by_priority}
    l2 = metrics.overall.level("L2")
    assert f"L2 n={l2.eligible}" in page
    assert page.count('class="bar real"') == page.count('class="bar policy"') == len(pairs)
    out = tmp_path / "b.html"
    write_backtest_report(metrics, out)
    assert out.read_text(encoding="utf-8") == page
