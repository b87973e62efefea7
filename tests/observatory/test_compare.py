"""Compare: two branches' series overlaid in two colours, metrics side by side with differences."""

from __future__ import annotations

from observatory.tui.compare import BOTH, COLORS, Side, columns, overlay, table


def test_columns_keep_the_last_value_of_each_stretch_of_time() -> None:
    assert columns((0.0, 1.0, 1.5, 3.9), (1.0, 2.0, 3.0, 4.0), 4.0, 4) == [1.0, 3.0, None, 4.0]
    assert columns((), (), 0.0, 3) == [None, None, None]


def test_the_overlay_draws_each_branch_in_its_colour_and_both_where_they_agree() -> None:
    a = Side("main", (("running", (0.0, 1.0, 2.0, 3.0), (2.0, 2.0, 2.0, 2.0)),), {})
    b = Side("b1", (("running", (0.0, 1.0, 2.0, 3.0), (2.0, 2.0, 4.0, 4.0)),), {})
    head, *rows = overlay("running", a, b, width=4, rows=3)
    assert "running" in head.plain and "● main" in head.plain and "● b1" in head.plain
    assert [r.plain for r in rows] == ["  ●●", "●●●●", "····"]  # b1 above main from t = 2
    styles = {str(span.style) for r in rows for span in r.spans}
    assert {COLORS[0], COLORS[1], BOTH} <= styles


def test_the_table_shows_both_values_and_the_difference() -> None:
    a = Side("main", (), {"completed": 100, "mean_wait_s": 2.5, "label": "x"})
    b = Side("b1", (), {"completed": 130, "mean_wait_s": 2.5, "label": "y", "extra": 1})
    head, *rows = table(a, b)
    assert "b1 − main" in head.plain
    text = {r.plain.split()[0]: r.plain.split()[1:] for r in rows}
    assert text["completed"] == ["100", "130", "+30"]
    assert text["mean_wait_s"] == ["2.5", "2.5", "="]
    assert text["label"] == ["x", "y"]
    assert text["extra"] == ["—", "1"]
