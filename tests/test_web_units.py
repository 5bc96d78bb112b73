"""Pure parts of clinic-web: trend arrow, patient-list flags, SVG charts, CSV cells."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from clinic.web.charts import ChartPoint, line_chart
from clinic.web.history import flags, trend_arrow

T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)


def test_trend_arrow() -> None:
    assert trend_arrow(60, 50)[:2] == ("↑", "+10")
    assert trend_arrow(48, 50)[:2] == ("→", "-2")
    assert trend_arrow(40, 50)[:2] == ("↓", "-10")
    assert trend_arrow(40, None)[0] == ""


def test_flags() -> None:
    now = T0 + timedelta(weeks=6)
    base = dict(first_at=T0, last_at=T0 + timedelta(weeks=6), device_last_contact=now, now=now)
    assert flags(latest=70, previous=65, first=30, **base) == []
    assert flags(latest=50, previous=62, first=30, **base) == ["drop of 12 points since the last visit"]
    assert flags(latest=30, previous=31, first=35, **base) == ["no rise in the composite after 6 weeks"]
    early = dict(base, last_at=T0 + timedelta(weeks=2))
    assert flags(latest=30, previous=31, first=35, **early) == []           # too early to expect a rise
    silent = dict(base, device_last_contact=now - timedelta(days=4, hours=1))
    assert flags(latest=70, previous=65, first=30, **silent) == ["kiosk silent for 4 days"]


def test_chart_is_well_formed_svg_with_escaped_text_and_scaled_points() -> None:
    pts = [ChartPoint(0, 20, "05 Jan"), ChartPoint(1, 60, "12 Jan"), ChartPoint(3, 100, "26 Jan")]
    svg = line_chart(pts, title="Composite <b>&", unit="points", y_range=(0, 100), ref=(70, "70 line"))
    root = ET.fromstring(svg)                                  # parses: well-formed, text escaped
    ns = "{http://www.w3.org/2000/svg}"
    dots = root.findall(f"{ns}circle")
    ys = [float(c.get("cy")) for c in dots]
    xs = [float(c.get("cx")) for c in dots]
    assert len(dots) == 3 and ys[0] > ys[1] > ys[2]             # higher value = higher on screen
    assert abs((xs[1] - xs[0]) * 2 - (xs[2] - xs[1])) < 0.2     # x proportional to weeks
    assert root.find(f"{ns}title").text == "Composite <b>&"
    assert "style=" not in svg and "<script" not in svg
    empty = ET.fromstring(line_chart([], title="x", unit="%", y_range=(0, 100)))
    assert "not measured" in "".join(empty.itertext())


def test_csv_cells_cannot_run_as_formulas() -> None:
    from clinic.web.exports import safe_cell
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("-2+3") == "'-2+3"
    assert safe_cell(-2.5) == -2.5 and safe_cell(None) == "" and safe_cell("P-001") == "P-001"
