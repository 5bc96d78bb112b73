"""Trend charts and the patient's face icon, drawn with reportlab.graphics (vector, no fonts needed)."""
from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, Ellipse, Group, Line, Polygon, PolyLine, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

PALETTE = (colors.HexColor("#1f5fa8"), colors.HexColor("#c0392b"), colors.HexColor("#27864a"),
           colors.HexColor("#8e44ad"), colors.HexColor("#d68910"), colors.HexColor("#566573"))


def line_chart(series: Sequence[tuple[str, Sequence[tuple[float, float]]]], *, title: str, x_label: str,
               y_label: str, y_range: tuple[float, float], width: float = 480, height: float = 190,
               ref_line: tuple[float, str] | None = None, x_min: float = 0.0) -> Drawing:
    """A line chart of named (x, y) series with markers, axis labels and an optional reference line;
    the x axis starts at ``x_min`` or the smallest x."""
    d = Drawing(width, height)
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = 50, 40, width - 170, height - 70
    data = [list(pts) if pts else [(0.0, y_range[0])] for _, pts in series]
    lp.data = data
    xs = [x for pts in data for x, _ in pts]
    lp.xValueAxis.valueMin = min(xs + [x_min])
    lp.xValueAxis.valueMax = max(xs + [x_min + 1.0])
    lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = y_range
    lp.xValueAxis.labels.fontSize = lp.yValueAxis.labels.fontSize = 8
    for i, (_, pts) in enumerate(series):
        lp.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        lp.lines[i].strokeWidth = 1.6
        lp.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=PALETTE[i % len(PALETTE)])
        if not pts:
            lp.lines[i].strokeColor = colors.transparent
    d.add(lp)
    if ref_line is not None:
        y = lp.y + (ref_line[0] - y_range[0]) / (y_range[1] - y_range[0]) * lp.height
        d.add(Line(lp.x, y, lp.x + lp.width, y, strokeColor=colors.grey, strokeDashArray=[3, 3]))
        d.add(String(lp.x + lp.width - 2, y - 9, ref_line[1], fontSize=7, fillColor=colors.grey, textAnchor="end"))
    d.add(String(width / 2 - 60, height - 14, title, fontSize=10, fontName="Helvetica-Bold", textAnchor="middle"))
    d.add(String(lp.x + lp.width / 2, 10, x_label, fontSize=8, textAnchor="middle"))
    d.add(_rotated_label(y_label, 14, lp.y + lp.height / 2))
    legend = Legend()
    legend.x, legend.y = lp.x + lp.width + 12, lp.y + lp.height
    legend.fontSize = 8
    legend.alignment = "right"
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, (name, _) in enumerate(series)]
    d.add(legend)
    return d


def _rotated_label(text: str, x: float, y: float, font_size: float = 8) -> Group:
    """A y-axis label turned 90 degrees, centred on (x, y)."""
    g = Group(String(0, 0, text, fontSize=font_size, textAnchor="middle"))
    g.transform = (0, 1, -1, 0, x, y)
    return g


def band_chart(observed: Sequence[tuple[float, float]], curve: Sequence[tuple[float, float, float, float]], *,
               title: str, x_label: str, y_label: str, y_range: tuple[float, float] = (0, 100),
               marks: Sequence[tuple[float, str]] = (), ref_line: tuple[float, str] | None = None,
               width: float = 480, height: float = 200) -> Drawing:
    """Observations (dots), a fitted curve (line) with its band (shaded), vertical marks and a reference line.
    ``curve`` rows are (x, estimate, low, high)."""
    d = Drawing(width, height)
    x0, y0, w, h = 50, 40, width - 80, height - 70
    xmax = max([c[0] for c in curve] + [x for x, _ in observed] + [1.0])

    def px(x: float, y: float) -> tuple[float, float]:
        y = min(max(y, y_range[0]), y_range[1])
        return x0 + x / xmax * w, y0 + (y - y_range[0]) / (y_range[1] - y_range[0]) * h
    if curve:
        upper = [v for c in curve for v in px(c[0], c[3])]
        lower = [v for c in reversed(curve) for v in px(c[0], c[2])]
        d.add(Polygon(upper + lower, fillColor=colors.HexColor("#cfe0f3"), strokeColor=None))
        d.add(PolyLine([v for c in curve for v in px(c[0], c[1])], strokeColor=PALETTE[0], strokeWidth=1.6))
    d.add(Line(x0, y0, x0 + w, y0, strokeColor=colors.black, strokeWidth=0.6))
    d.add(Line(x0, y0, x0, y0 + h, strokeColor=colors.black, strokeWidth=0.6))
    for v in range(int(y_range[0]), int(y_range[1]) + 1, 25):
        _, y = px(0, v)
        d.add(Line(x0 - 3, y, x0, y, strokeColor=colors.black, strokeWidth=0.6))
        d.add(String(x0 - 5, y - 3, f"{v}", fontSize=7, textAnchor="end"))
    if ref_line is not None:
        _, y = px(0, ref_line[0])
        d.add(Line(x0, y, x0 + w, y, strokeColor=colors.grey, strokeDashArray=[3, 3]))
        d.add(String(x0 + w - 2, y + 3, ref_line[1], fontSize=7, fillColor=colors.grey, textAnchor="end"))
    for x, label in marks:
        xx, _ = px(x, 0)
        d.add(Line(xx, y0, xx, y0 + h, strokeColor=colors.HexColor("#9aa5b1"), strokeDashArray=[2, 2]))
        d.add(String(xx, y0 - 10, label, fontSize=7, textAnchor="middle"))
    for x, y in observed:
        cx, cy = px(x, y)
        d.add(Circle(cx, cy, 2.8, fillColor=PALETTE[1], strokeColor=colors.white, strokeWidth=0.5))
    d.add(String(width / 2, height - 14, title, fontSize=10, fontName="Helvetica-Bold", textAnchor="middle"))
    d.add(String(x0 + w / 2, 8, x_label, fontSize=8, textAnchor="middle"))
    d.add(_rotated_label(y_label, 14, y0 + h / 2))
    return d


def weekly_bars(labels: Sequence[str], values: Sequence[float], *, title: str, y_label: str,
                width: float = 480, height: float = 240, font_size: float = 12) -> Drawing:
    """A bar chart (one bar per week), values 0..100, each bar labelled with its value."""
    d = Drawing(width, height)
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 60, 50, width - 80, height - 95
    bc.data = [list(values)]
    bc.categoryAxis.categoryNames = list(labels)
    bc.categoryAxis.labels.fontSize = font_size
    bc.valueAxis.valueMin, bc.valueAxis.valueMax, bc.valueAxis.valueStep = 0, 100, 25
    bc.valueAxis.labels.fontSize = font_size
    bc.bars[0].fillColor = PALETTE[2]
    bc.barLabelFormat = "%.0f"
    bc.barLabels.fontSize = font_size
    bc.barLabels.nudge = 8
    d.add(bc)
    d.add(String(width / 2, height - 22, title, fontSize=font_size + 4, fontName="Helvetica-Bold",
                 textAnchor="middle"))
    d.add(_rotated_label(y_label, 18, bc.y + bc.height / 2, font_size - 2))
    return d


def face_icon(mood: float, size: float = 150) -> Drawing:
    """A drawn face: ``mood`` -1 (frown) .. 0 (straight) .. +1 (broad smile). No emoji font needed."""
    mood = max(-1.0, min(1.0, mood))
    d = Drawing(size, size)
    c = size / 2
    fill = colors.HexColor("#f7d774") if mood >= 0.3 else colors.HexColor("#f3e2a9") if mood > -0.3 \
        else colors.HexColor("#e6c9a8")
    d.add(Circle(c, c, size * 0.46, fillColor=fill, strokeColor=colors.HexColor("#7a5c00"), strokeWidth=3))
    for dx in (-0.16, 0.16):
        d.add(Ellipse(c + dx * size, c + 0.1 * size, 0.045 * size, 0.07 * size, fillColor=colors.HexColor("#3b2f00"),
                      strokeColor=None))
    pts = []
    for i in range(21):
        t = -1 + i / 10
        x = c + t * 0.22 * size
        y = c - 0.2 * size - mood * 0.1 * size * (1 - t * t)
        pts += [x, y]
    d.add(PolyLine(pts, strokeColor=colors.HexColor("#3b2f00"), strokeWidth=max(3, size / 30), strokeLineCap=1))
    return d
