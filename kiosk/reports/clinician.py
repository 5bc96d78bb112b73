"""Clinician PDF: raw measures, automated grades with their inputs, history and limitations.

Sections: header (patient, session, device, software and model sha256 pins), summary
(affected side, Sunnybrook-style composite with its parts, House-Brackmann estimate,
severity class, speech scores), facial measures per region (left mm, right mm, ratio),
rest-frame differences, speech measures with normal ranges, step quality notes,
comparison with earlier sessions (table and trend charts), peak-frame overlays when
stored, and a limitations statement. Every page is numbered.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Image, KeepTogether, SimpleDocTemplate, Spacer, Table

from kiosk.analytics.clinical import clinical_detail
from kiosk.analytics.feedback import face_feedback
from kiosk.analytics.outlook import NONRECOVERY_COMPOSITE, recovery_outlook
from kiosk.convention import SIDES, closure_pct, week_number
from kiosk.reports.charts import band_chart, line_chart
from kiosk.reports.data import ReportData
from kiosk.face.assessment import LOW_CONFIDENCE
from kiosk.face.symmetry import REGION_STEPS
from kiosk.analytics.parkinson_view import is_parkinson
from kiosk.protocol.steps import PROTOCOLS
from kiosk.reports.grading import clinical_sections, side_header
from kiosk.reports.parkinson import parkinson_section
from kiosk.scoring.grades import hb_roman
from kiosk.reports.layout import (BODY, CREATOR, FONT_MONO, H1, H2, NOTE, SMALL, check_report_target, fmt,
                                  footer_text, grid, numbered_canvas, para, rich, save_pdf)
from kiosk.reports.norms import (LIMITATIONS, NOISE_RATIO, REGION_LABELS, SPEECH_NORMS,
                                 hb_sunnybrook_note, side_text)

__all__ = ["build_clinician_pdf"]

FLAG = ParagraphStyle("flag", parent=BODY, backColor=colors.HexColor("#fde2e0"), borderColor=colors.HexColor("#c0392b"),
                      borderWidth=1, borderPadding=5, spaceAfter=6, textColor=colors.HexColor("#7b241c"))

STEP_ORDER = PROTOCOLS["parkinson"]        # the palsy steps in their order, with the Parkinson's steps around them


def _title(d: ReportData) -> str:
    return ("Parkinson's screening – clinician report" if is_parkinson(d.session.assessment)
            else "Facial palsy assessment – clinician report")


def _header(d: ReportData) -> list[Any]:
    s, p = d.session, d.patient
    rows = [["Patient", para(f"{p.code}" + (f" – {p.display_name}" if p.display_name else "")
                             + (f" (born {p.birth_year})" if p.birth_year else "")), "Clinic", para(d.clinic_name)],
            ["Session", para(s.id), "Date (local)", s.started_at.astimezone().strftime("%Y-%m-%d %H:%M")],
            ["Device", para(s.device_id), "Software", para(f"kiosk {s.software_version}")]]
    return [para(_title(d), H1),
            grid(rows, [22 * mm, 78 * mm, 22 * mm, 58 * mm], header_rows=0, zebra=False)]


def _software(d: ReportData, device: dict[str, str]) -> list[Any]:
    """Model files with their sha256 against the pins, and device components (after the clinical part)."""
    from kiosk.vision.models import PINS
    s = d.session
    out: list[Any] = []
    pins: list[list[Any]] = []
    for name, ver in sorted(s.model_versions.items()):
        check = "" if name not in PINS else _pin_check(PINS[name][1], ver)
        pins.append([para(name), rich(f"<font face='{FONT_MONO}' size='7'>{{}}</font>", SMALL, ver), check])
    pins += [[para(k), para(v), ""] for k, v in device.items()]
    if pins:
        out += [CondPageBreak(40 * mm), para("Software and models", H2),
                grid([["Model file / component", "Version (sha256 of the file used)", "Check"]] + pins,
                     [52 * mm, 103 * mm, 25 * mm], font_size=7.5)]
    return out


def _decline(d: ReportData) -> list[Any]:
    """A boxed flag when the composite fell clearly (kiosk.analytics.feedback, the patient's sheet rule)."""
    flag = face_feedback(d.history.points).flag
    if flag is None:
        return []
    return [Spacer(1, 3 * mm), rich("<b>Decline flag.</b> {} The patient was asked to speak to "
                                    "the nurse. Consider relapse, a new lesion or a measurement problem; "
                                    "examine clinically.", FLAG, flag.staff_text())]


def _pin_check(pin: str, stored: str) -> str:
    """Compare a stored sha256 (full, or a prefix of at least 12 hex digits) with the pinned one."""
    if stored == pin:
        return "matches pin"
    if len(stored) >= 12 and pin.startswith(stored):
        return "matches pin (prefix)"
    return "DIFFERS from pin"


def _summary(d: ReportData) -> list[Any]:
    f, sp = d.face, d.speech
    sb, hb = f.get("sunnybrook") or {}, f.get("house_brackmann") or {}
    rules = ", ".join(str(r) for r in (hb.get("rules_applied") or [])) or "none"
    rows = [["Measure", "Result", "What it means"],
            ["Affected side (patient's)", side_text(f.get("affected_side")),
             para(f"confidence {fmt(f.get('affected_side_confidence'), 2)}; side with less movement, "
                  "weighted by each region's asymmetry")],
            ["Sunnybrook-style composite", fmt(sb.get("composite"), 0) + " / 100",
             para(f"voluntary {fmt(sb.get('voluntary'), 0)} (20–100) – resting {fmt(sb.get('resting'), 0)} "
                  f"(0–20) – synkinesis {fmt(sb.get('synkinesis'), 0)} (0–15); 100 = normal")],
            ["House-Brackmann estimate", f"{hb.get('roman') or '–'}",
             para(f"measurement score {fmt(hb.get('score_of_8'), 0)} / 8; rules applied: {rules}")],
            ["Severity class", str(f.get("severity_class") or "–"), para("from the House-Brackmann estimate")],
            ["Speech Clarity Score", fmt(sp.get("clarity_score"), 0) + " / 100", para("patient-facing; 100 = clear")],
            ["Motor-Speech Impairment Index", fmt(sp.get("msii"), 0) + " / 100", para("0 = no impairment")]]
    cons = f.get("consistency") or {}
    if cons.get("status"):
        rng = cons.get("expected_range")
        why = cons.get("note") or (f"composite within the usual range {rng[0]}–{rng[1]} for this grade "
                                   "(Kanerva 2011)" if rng else "not enough measures to compare")
        rows.append(["HB vs composite check", str(cons["status"]), para(why)])
        note = ("The two estimates disagree: read both with care and grade clinically."
                if cons["status"] == "inconsistent" else None)
    else:
        note = hb_sunnybrook_note(hb.get("grade"), sb.get("composite"))
    out: list[Any] = [para("Summary (automated estimates)", H2), grid(rows, [50 * mm, 30 * mm, 100 * mm])]
    if note:
        out.append(para(note, NOTE))
    return out


def _face_tables(d: ReportData) -> list[Any]:
    regions = d.face.get("regions") or {}
    rows: list[list[Any]] = [["Region (expression)", side_header("right"), side_header("left"), "Ratio",
                              "Weaker side"]]
    notes: list[str] = []
    for key, label in REGION_LABELS.items():
        m = regions.get(key)
        if not m:
            rows.append([label, "–", "–", "–", para(f"not measured: {_why_missing(d, key)}")])
            continue
        if "left_closure" in m or "right_closure" in m:
            right, left = (fmt(closure_pct(m.get(f"{s}_closure")), 0, "%") for s in SIDES)
            if "left_lid_travel_mm" in m or "right_lid_travel_mm" in m:
                right += f" ({fmt(m.get('right_lid_travel_mm'), 1, 'mm')})"
                left += f" ({fmt(m.get('left_lid_travel_mm'), 1, 'mm')})"
                label = f"{label} (closure %, lid travel)"
            else:
                label = f"{label} (closure %)"
        else:
            right, left = fmt(m.get("right_mm"), 1, "mm"), fmt(m.get("left_mm"), 1, "mm")
            label = f"{label} (excursion)"
        ratio = m.get("ratio")
        weaker = side_text(m.get("weaker_side"))
        if isinstance(ratio, (int, float)) and ratio >= NOISE_RATIO and m.get("weaker_side") in ("left", "right"):
            weaker = f"{m['weaker_side']}, within noise"
        low = _low_confidence(d, key)
        if low:
            label = f"{label} – LOW CONFIDENCE"
            notes.append(f"{label.split(' (')[0]}: {low}")
        rows.append([para(label), right, left, fmt(ratio, 2), weaker])
    return [CondPageBreak(70 * mm), para("Facial movement per region", H2),
            para("Right and left are the patient's sides (orange = right, blue = left, as on the kiosk). "
                 "Excursion = how far the region's landmark moves from rest to the peak frame (mm, scaled by the "
                 "visible iris diameter); eye closure = share of the resting lid opening closed (%). Ratio = "
                 "smaller / larger side (1.00 = symmetric; landmark noise alone gives 0.85–0.99 on a symmetric "
                 "face).", SMALL),
            Spacer(1, 2 * mm), grid(rows, [62 * mm, 30 * mm, 30 * mm, 18 * mm, 40 * mm]),
            *[para("Low confidence – " + n, NOTE) for n in notes]]


def _low_confidence(d: ReportData, region: str) -> str | None:
    """The reason the step behind ``region`` was measured with low confidence, or None."""
    info = (d.face.get("steps") or {}).get(REGION_STEPS.get(region, region)) or {}
    return (info.get("reason") or "measured by a less precise route") if info.get("status") == LOW_CONFIDENCE else None


def _why_missing(d: ReportData, region: str) -> str:
    """The reason the step behind ``region`` gave no measure (missing file, rejected frames ...)."""
    step = REGION_STEPS.get(region, region)
    missing = d.session.assessment.get("missing_steps") or {}
    info = (d.face.get("steps") or {}).get(step) or {}
    return str(missing.get(step) or info.get("reason") or "no measure")


def _dig(obj: dict[str, Any], path: tuple[str, ...]) -> Any:
    for k in path:
        obj = obj.get(k) if isinstance(obj, dict) else None
    return obj


def _speech_table(d: ReportData) -> list[Any]:
    if not d.speech:
        return [para("Speech measures", H2), para("The speech part was not done in this session.", NOTE)]
    rows: list[list[Any]] = [["Task / measure", "Value", "Normal range (adults)", "Flag"]]
    for label, path, unit, digits, norm, is_abnormal in SPEECH_NORMS:
        v = _dig(d.speech, path)
        flag = "outside" if isinstance(v, (int, float)) and is_abnormal and is_abnormal(v) else ""
        rows.append([label, fmt(v, digits, unit), para(norm), flag])
    out = [para("Speech measures", H2), grid(rows, [62 * mm, 28 * mm, 70 * mm, 20 * mm])]
    intel = d.speech.get("intelligibility") or {}
    if intel.get("expected_phones") and intel.get("recognized_phones"):
        out.append(rich(f"Sentence phones expected: <font face='{FONT_MONO}'>{{}}</font><br/>"
                        f"recognized: <font face='{FONT_MONO}'>{{}}</font>", SMALL, intel["expected_phones"],
                        intel["recognized_phones"]))
    return out


def _quality(d: ReportData) -> list[Any]:
    rows: list[list[Any]] = [["Step", "Attempt", "Verdict", "Reason", "Frames used / rej."]]
    order = {name: i for i, name in enumerate(STEP_ORDER)}
    for st in sorted(d.steps, key=lambda st: (order.get(st.step, 99), st.step, st.attempt)):
        frames = "" if st.frames_used is None else f"{st.frames_used} / {st.frames_rejected or 0}"
        status = "ok, low confidence" if st.status == LOW_CONFIDENCE else st.status
        rows.append([para(st.step), st.attempt, para(status), para(st.reason or _rejections(d, st.step)), frames])
    return [para("Quality notes per step", H2), grid(rows, [36 * mm, 16 * mm, 22 * mm, 72 * mm, 34 * mm])]


def _rejections(d: ReportData, step: str) -> str:
    """'frames rejected: tilted 5, blurred 1' from the face step's counts, when there were any."""
    counts = ((d.face.get("steps") or {}).get(step) or {}).get("rejected_by_reason") or {}
    parts = [f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if v]
    return "frames rejected: " + ", ".join(parts) if parts else ""


def _comparison(d: ReportData) -> list[Any]:
    h = d.history
    out: list[Any] = [CondPageBreak(60 * mm), para("Comparison with earlier sessions", H2)]
    if len(h.points) < 2:
        return out + [para("This is the patient's first stored session: nothing to compare yet.", BODY)]
    t0 = h.points[0].at
    rows: list[list[Any]] = [["Date", "Week", "Composite", "HB", "Severity", "Asymmetry", "Clarity", "MSII"]]
    for p in h.points:
        rows.append([p.at.astimezone().strftime("%Y-%m-%d"), f"{week_number((p.at - t0).days):.0f}",
                     fmt(p.composite, 0),
                     hb_roman(p.hb_grade),
                     p.severity_class or "–", fmt(p.asymmetry_pct, 0, "%"), fmt(p.clarity, 0), fmt(p.msii, 0)])
    imp = h.improvement
    out += [grid(rows, [24 * mm, 13 * mm, 22 * mm, 12 * mm, 33 * mm, 24 * mm, 20 * mm, 18 * mm]),
            para("Asymmetry = (1 – mean symmetry ratio) x 100 (0 % = symmetric). Week 1 = the week of the first "
                 "session, as on the patient's sheet.", SMALL)]
    if imp:
        c, a0, a1 = imp.composite, *_asym(h)
        out.append(para(
            f"Since the first session ({imp.days} days): composite {fmt(c.baseline, 0)} to {fmt(c.latest, 0)} "
            f"({_points(c.change)}); side asymmetry {fmt(a0, 0, '%')} to {fmt(a1, 0, '%')}; clarity "
            f"{fmt(imp.clarity.baseline, 0)} to {fmt(imp.clarity.latest, 0)}; MSII {fmt(imp.msii.baseline, 0)} to "
            f"{fmt(imp.msii.latest, 0)}.", BODY))
        out += [Spacer(1, 2 * mm), _improvement_table(imp)]
    return out + _charts(d)


def _points(change: float | None) -> str:
    if change is None:
        return "change not known"
    return "unchanged" if abs(change) < 0.5 else f"{abs(change):.0f} points {'higher' if change > 0 else 'lower'}"


def _asym(h: Any) -> tuple[float | None, float | None]:
    vals = [p.asymmetry_pct for p in h.points if p.asymmetry_pct is not None]
    return (vals[0], vals[-1]) if vals else (None, None)


def _outlook(d: ReportData) -> list[Any]:
    """Saturating recovery fit with its band, projections at 3/6/12 months and prognosis flags (clinicians only)."""
    o = recovery_outlook(d.history.points)
    out: list[Any] = [CondPageBreak(90 * mm), para("Recovery outlook – estimate", H2),
                      rich("<b>{}.</b> A saturating recovery curve fitted to this patient's composites "
                           "(kiosk.analytics.outlook); the shaded band is an 80 % interval.", SMALL, o.label)]
    if o.status != "ok":
        out.append(para(f"No projection: {o.status}.", BODY))
    else:
        chart = band_chart(list(zip(o.days, o.values)), o.curve, title="Composite: observed and projected",
                           x_label="days since the first session", y_label="composite (0–100)",
                           marks=[(p.day, f"{p.months} mo") for p in o.projections],
                           ref_line=(NONRECOVERY_COMPOSITE, "70: non-recovery threshold (Marsk 2012)"))
        rows = [["Horizon (from the first session)", "Projected composite", "80 % interval"]]
        rows += [[f"{p.months} months (day {p.day})", f"{p.estimate:.0f}", f"{p.low:.0f}–{p.high:.0f}"]
                 for p in o.projections]
        out += [chart, grid(rows, [70 * mm, 40 * mm, 40 * mm]),
                para(f"Fit: start {o.c_start:.0f}, plateau {o.c_end:.0f}, time constant {o.tau_days:.0f} days, "
                     f"residual spread {o.residual_sd:.1f} points ({len(o.values)} sessions).", SMALL)]
    out += [rich("<b>Below the published prognosis.</b> {}", FLAG, f) for f in o.flags]
    out += [para(c, SMALL) for c in o.context]
    return out


def _improvement_table(imp: Any) -> Any:
    """Baseline against this session for the composite, each region's ratio and the speech scores."""
    rows: list[list[Any]] = [["Measure", "First session", "This session", "Change", "Improvement"]]

    def add(label: str, c: Any, digits: int) -> None:
        rows.append([label, fmt(c.baseline, digits), fmt(c.latest, digits),
                     "–" if c.change is None else f"{c.change:+.{digits}f}",
                     "worse" if c.recovered_pct is not None and c.recovered_pct < 0 else fmt(c.recovered_pct, 0, "%")])
    add("Sunnybrook-style composite (0–100)", imp.composite, 0)
    for key, label in REGION_LABELS.items():
        add(f"{label}: symmetry ratio", imp.regions[key], 2)
    add("Speech Clarity Score (0–100)", imp.clarity, 0)
    add("Motor-Speech Impairment Index (0 = none)", imp.msii, 0)
    return KeepTogether([grid(rows, [70 * mm, 27 * mm, 27 * mm, 22 * mm, 30 * mm]), para(
        "Improvement = share of the first session's distance from the ideal value (composite 100, ratio 1.00, "
        "clarity 100, MSII 0) that has been recovered; \"worse\" = further from it than at the first session. A region missing in a session is "
        "compared from the first session that has it.", SMALL)])


def _charts(d: ReportData) -> list[Any]:
    h = d.history
    t0 = h.points[0].at

    def wk(p: Any) -> float:
        return week_number((p.at - t0).total_seconds() / 86400)

    def series(attr: str) -> list[tuple[float, float]]:
        return [(wk(p), v) for p in h.points if (v := getattr(p, attr)) is not None]

    regions = [(REGION_LABELS[r], [(wk(p), p.ratios[r]) for p in h.points if r in p.ratios]) for r in REGION_LABELS]
    c1 = line_chart([("Composite (0–100)", series("composite")), ("Clarity (0–100)", series("clarity")),
                     ("MSII (0 = none)", series("msii"))], title="Scores over time",
                    x_label="week (1 = first session)", y_label="score", y_range=(0, 100), x_min=1.0)
    c2 = line_chart(regions, title="Symmetry ratio per region", x_label="week (1 = first session)",
                    y_label="ratio (1 = symmetric)", y_range=(0, 1.05),
                    ref_line=(NOISE_RATIO, "above 0.85: within landmark noise"), x_min=1.0)
    c3 = line_chart([("Side asymmetry %", series("asymmetry_pct"))], title="Side asymmetry (lower = more symmetric)",
                    x_label="week (1 = first session)", y_label="asymmetry (%)", y_range=(0, 100), x_min=1.0)
    return [KeepTogether([c1]), KeepTogether([c2]), KeepTogether([c3])]




def _peak_frames(d: ReportData) -> list[Any]:
    out: list[Any] = [CondPageBreak(90 * mm), para("Peak frames with landmarks", H2)]
    if not d.peak_frames:
        return out + [para("Peak frames were not stored for this session (camera.store_peak_frames is off "
                           "or the patient did not consent).", SMALL)]
    cells = []
    for name, path in d.peak_frames.items():
        img = Image(str(path))
        scale = min(85 * mm / img.drawWidth, 70 * mm / img.drawHeight)
        img.drawWidth, img.drawHeight = img.drawWidth * scale, img.drawHeight * scale
        cells.append([img, para(name.replace("_", " "), SMALL)])
    rows = [[c for cell in cells[i:i + 2] for c in [cell]] for i in range(0, len(cells), 2)]
    rows = [[Table([[c[0]], [c[1]]]) for c in r] + [""] * (2 - len(r)) for r in rows]
    out += [para("Grey: mesh points; white: midline; orange: measured points on the patient's right side; "
                 "blue: on the patient's left side (the patient's left is on the right of the image).", SMALL),
            Table(rows, colWidths=[90 * mm, 90 * mm])]
    return out


def build_clinician_pdf(d: ReportData, out: Path, device: dict[str, str] | None = None) -> Path:
    """Write the clinician report for ``d`` to ``out``; return the path."""
    check_report_target(out)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, creator=CREATOR, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=18 * mm, title=_title(d), author=d.clinic_name,
                            subject=f"session {d.session.id}")
    if is_parkinson(d.session.assessment):
        # Parkinson's protocol: its section first; the palsy grading, recovery comparison and outlook
        # do not apply to a bilateral condition (docs/clinical-views.md#parkinsons)
        story: list[Any] = _header(d) + (parkinson_section(d.parkinson) or [
            para("Parkinson's screening measures", H2),
            para("No readable screening measures are stored for this Parkinson's session (the analysis was not "
                 "done, failed, or its record is damaged); see the quality notes per step.", NOTE)])
        story += _face_tables(d) + _speech_table(d) + _quality(d) + _peak_frames(d) + _software(d, device or {})
    else:
        story = _header(d) + _decline(d) + _summary(d) + clinical_sections(clinical_detail(d.face))
        story += _face_tables(d) + _speech_table(d) + _quality(d)
        story += _comparison(d) + _outlook(d) + _peak_frames(d) + _software(d, device or {})
    story += [para("Limitations", H2), para(LIMITATIONS, BODY)]
    footer = (f"{footer_text(d.patient.code)} – session {d.session.started_at.astimezone():%Y-%m-%d} – decision "
              "support, not a diagnosis")
    doc.build(story, canvasmaker=numbered_canvas(footer))
    return save_pdf(out, buf.getvalue())
