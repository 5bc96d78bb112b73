"""Parkinson's results views (issue 17 item 5, kiosk side): clinician PDF section, clinician screen
tab, gentle patient sheet and results screen. Sessions are real rows in a real SQLite store, built
through the real ParkinsonSummary dataclasses; PDFs are read back with pypdf."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.analytics.parkinson import NOTE, Measure, ParkinsonSummary, Reference, TremorFinding
from kiosk.analytics.parkinson_view import PATIENT_THANKS, context, measure_rows, patient_parts
from kiosk.reports import build_clinician_pdf, build_patient_pdf, gather
from kiosk.store import Store
from store_samples import sample_assessment

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SMILE = Reference(10.0, 6.0, 14.0, "low", "Test norm A", False)
F0 = Reference(2.5, 1.8, 3.2, "low", "Rusz 2011", True)
BLINK = Reference(15.6, 8.0, 24.0, "low", "Kimura 2017", False)
PAUSE = Reference(15.0, 7.0, 23.0, "high", "pause norm", True)


def summary(smile_r: float, f0: float, *, pause: float | None = None, hands: bool = True) -> ParkinsonSummary:
    tremor = [TremorFinding("head", "rest", "sit_still", False, 3.9, 0.05),
              TremorFinding("jaw", "rest", "sit_still", True, 5.3, 0.72),
              TremorFinding("hand_right", "rest", "hands_lap", True, 4.6, 1.35),
              TremorFinding("hand_left", "postural", "hands_up", None, reason="hands not in view") if not hands else
              TremorFinding("hand_left", "postural", "hands_up", False, 6.4, 0.21)]
    measures = (Measure("expression.smile.right", "expression", "Smile, right side", smile_r, "mm", "smile", SMILE),
                Measure("expression.smile.left", "expression", "Smile, left side", 7.9, "mm", "smile", SMILE),
                Measure("blink.rate_per_min", "blink", "Blink rate", 9.5, "/min", "sit_still", BLINK),
                Measure("speech.f0_sd_st", "speech", "Pitch variation (F0 SD)", f0, "st", "spontaneous", F0),
                Measure("speech.pause_ratio_pct", "speech", "Pause ratio", pause, "%", "spontaneous", PAUSE,
                        None if pause is not None else "no speech found"))
    return ParkinsonSummary(tuple(tremor), measures)


def pd(s: ParkinsonSummary, **kw) -> dict:
    return {**sample_assessment(0.05, **kw), "protocol": "parkinson", "parkinson": s.to_dict()}


# oldest first: palsy, PD (first), PD (previous), palsy, PD (this one)
COURSE = (sample_assessment(0.5), pd(summary(7.6, 2.4, pause=12.0)), pd(summary(5.2, 2.1, pause=14.0)),
          sample_assessment(0.3), pd(summary(4.2, 1.3, hands=False)) | {"missing_steps": {"hands_up": "no hands"}})


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    state = tmp_path_factory.mktemp("pdstate")
    with Store.open(state) as s:
        p = s.add_patient("P-88", "Dora Example", 1950)
        ids = [s.save_session(p.id, a, started_at=T0 + timedelta(weeks=i)).id for i, a in enumerate(COURSE)]
    return state, ids


def _pages(pdf: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]


def test_rows_compare_with_the_previous_and_first_parkinson_session(stored):
    state, ids = stored
    with Store.open(state) as s:
        ctx = context(s.sessions_for(s.get_session(ids[-1]).patient_id))
    assert ctx is not None and ctx.previous[0] == T0 + timedelta(weeks=2) and ctx.first[0] == T0 + timedelta(weeks=1)
    rows = {r.key: r for r in measure_rows(ctx)}
    smile, f0 = rows["expression.smile.right"], rows["speech.f0_sd_st"]
    # smile 4.2 mm against 5.2 (previous) and 7.6 (first); half-width of 6-14 mm = 4, worse beyond 2 mm
    assert (smile.value, smile.range, smile.outside) == ("4.2 mm", "6.0–14.0 mm", True)
    assert (smile.since_last, smile.last_worse, smile.since_first, smile.first_worse) == ("-1.0 mm", False,
                                                                                         "-3.4 mm", True)
    # F0 SD 1.3 st against 2.1 and 2.4; half-width 0.7 st, worse beyond 0.35 st
    assert (f0.value, f0.since_last, f0.last_worse, f0.since_first, f0.provisional) == ("1.3 st", "-0.8 st", True,
                                                                                         "-1.1 st", True)
    assert rows["expression.smile.left"].outside is False and rows["expression.smile.left"].since_last == "0.0 mm"
    pause = rows["speech.pause_ratio_pct"]
    assert (pause.measured, pause.reason, pause.since_last) == (False, "no speech found", "–")
    with Store.open(state) as s:
        palsy = s.get_session(ids[3])
    assert context([palsy]) is None and context([]) is None


def test_clinician_pdf_has_the_parkinson_section_with_values_ranges_trend_and_note(stored, tmp_path):
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic", state)
    pages = _pages(build_clinician_pdf(data, tmp_path / "c.pdf"))
    text = " ".join(pages)
    assert "Parkinson's screening – clinician report" in text and "Parkinson's screening measures" in text
    assert " ".join(NOTE.split()) in text                                         # the note, verbatim
    for want in ("Jaw at rest yes 5.3 Hz 0.72 mm 4–6 Hz", "Head at rest no 3.9 Hz 0.05 mm 4–6 Hz",
                 "Right hand at rest yes 4.6 Hz 1.35 mm 4–6 Hz", "not measured: hands not in view",
                 "rest 4–6 Hz, postural 5–8 Hz"):
        assert want in text, want
    for want in ("Smile, right side 4.2 mm 6.0–14.0 mm [1] OUTSIDE range -1.0 mm -3.4 mm worse",
                 "Smile, left side 7.9 mm 6.0–14.0 mm [1] within range 0.0 mm", "[1] Test norm A",
                 "Blink rate 9.5 /min 8.0–24.0 /min [1] within range", "[1] Kimura 2017",
                 "1.3 st 1.8–3.2 st (provisional) [1] OUTSIDE range -0.8 st worse -1.1 st worse", "[1] Rusz 2011",
                 "not measured: no speech found", "previous Parkinson's session (2026-03-16)",
                 "the first (2026-03-09)"):
        assert want in text, want
    # each table stays on one page with its heading: tremor, facial expression, blinks, speech
    for head, last in (("Tremor Site", "hands not in view"), ("Facial expression Measure", "Smile, left side"),
                       ("Blinks at rest Measure", "Blink rate"), ("Speech Measure", "Pause ratio")):
        assert any(head in p and last in p for p in pages), head
    # palsy-only parts that do not apply to Parkinson's are left out; the measured face and speech stay
    assert "Recovery outlook" not in text and "Sunnybrook-style composite" not in text
    assert "Facial movement per region" in text and "Speech measures" in text
    assert re.search(r"Page (\d+) of \1", text)


def test_palsy_session_pdf_is_unchanged(stored, tmp_path):
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[3], "Test Clinic", state)
    text = " ".join(_pages(build_clinician_pdf(data, tmp_path / "c.pdf")))
    assert "Facial palsy assessment – clinician report" in text and "Sunnybrook-style composite" in text
    assert "Parkinson" not in text and "Tremor" not in text


# units go with numbers, and the only digits on the patient's side are the date and page number
ALARM = ("Hz", "outside", "OUTSIDE", "range", "worse", "abnormal", "tremor", "Tremor",
         "Parkinson", "disease", "score")


def test_patient_sheet_of_a_parkinson_session_is_gentle_words_only(stored, tmp_path):
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic", state)
    text = " ".join(_pages(build_patient_pdf(data, tmp_path / "p.pdf")))
    assert " ".join(PATIENT_THANKS.split()) in text
    assert "Sitting still" in text and "face movements" in text
    assert "Not recorded today: hands held up." in text           # one part missing, said plainly
    for word in ALARM:
        assert word not in text, word
    # no number of the clinician's view: only the date carries digits
    assert re.findall(r"\d+(?:\.\d+)?", text.replace(f"{data.session.started_at.astimezone():%d %B %Y}", "")) == \
        ["1", "1"], text                                            # "Page 1 of 1"


def test_patient_parts_follow_the_missing_steps():
    from kiosk.analytics.parkinson_view import PATIENT_PARTS
    from kiosk.protocol.steps import PROTOCOLS
    assert sorted(s for _, steps in PATIENT_PARTS for s in steps) == sorted(PROTOCOLS["parkinson"])   # each once
    assert patient_parts({"missing_steps": {}})[1] == []
    done, not_done = patient_parts({"missing_steps": {"sit_still": "x", "rest": "x", "smile": "x"}})
    assert "Sitting still" in not_done and "Face movements" in done      # some face steps were recorded


# -- screens -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    from ui_helpers import make_session_dir
    return make_session_dir(tmp_path_factory.mktemp("pdshots") / "session", speech=False)


def _seed(app) -> tuple:
    store = app.services.store()
    p = store.add_patient("P0088", "DORA", 1950)
    recs = [store.save_session(p.id, a, started_at=T0 + timedelta(weeks=i)) for i, a in enumerate(COURSE)]
    return p, recs


def test_clinician_tab_shows_tremor_measures_ranges_and_trend(replay, tmp_path):
    from ui_helpers import check_drawn, make_app
    app, drv = make_app(replay, tmp_path / "state")
    try:
        app.patient, recs = _seed(app)
        app.go("clinician")
        drv.frame(2)
        pages = (("tab:parkinson", ("Jaw", "5.3 Hz", "0.72 mm", "4–6 Hz", "5–8 Hz", "– (hands not in view)")),
                 ("pd:Face", ("Smile, right side", "! 4.2 mm", "6.0–14.0 mm", "-1.0 mm", "-3.4 mm !", "7.9 mm",
                              "0.0 mm")),
                 ("pd:Speech", ("! 1.3 st", "1.8–3.2 st *", "-0.8 st !", "-1.1 st !", "not measured")))
        for key, wants in pages:
            drv.tap(key)
            drv.frame(2)
            check_drawn(app)
            texts = drv.texts()
            missing = [w for w in wants if w not in texts]
            assert not missing, (key, missing, texts)
        assert "previous 16 Mar 2026, first 09 Mar 2026" in " ".join(texts)
        drv.tap("session:prev")                    # a palsy session: no Parkinson's tab, back to Measures
        drv.frame(2)
        assert app.target("tab:parkinson") is None and app.current.tab == "measures"
        check_drawn(app)
    finally:
        app.close()


def test_results_screen_of_a_parkinson_session_has_no_numbers_or_alarms(replay, tmp_path):
    from ui_helpers import check_drawn, make_app
    app, drv = make_app(replay, tmp_path / "state")
    try:
        app.patient, recs = _seed(app)
        app.result = (recs[-1], recs[-1].assessment)
        app.go("results")
        drv.frame(2)
        check_drawn(app)
        shown = " ".join(drv.texts())
        assert "Your results, Dora" in shown and "Sitting still" in shown and "Face movements" in shown
        assert "Not recorded today: hands held up." in shown
        for word in ALARM:
            assert word not in shown, word
        assert not re.search(r"\d", shown), shown
        app.result = (recs[3], recs[3].assessment)     # a palsy session keeps its feedback
        drv.frame(2)
        assert "Face movement" in drv.texts() and "Sitting still" not in " ".join(drv.texts())
    finally:
        app.close()


@pytest.mark.parametrize("damage", [None, {"measures": [{"key": "x"}]}, "broken",
                                    {"tremor": [{"site": "jaw", "condition": "rest", "step": "sit_still",
                                                 "detected": True, "frequency_hz": "5 Hz"}]}])
def test_a_parkinson_session_without_a_readable_summary_says_so(stored, tmp_path, damage):
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic", state)
    bare = replace(data, session=replace(data.session, assessment={**data.session.assessment, "parkinson": damage}))
    text = " ".join(_pages(build_clinician_pdf(bare, tmp_path / "c.pdf")))
    assert "No readable screening measures are stored for this Parkinson's session" in text
    assert "Jaw at rest" not in text


def test_stored_text_prints_literally(stored, tmp_path):
    state, ids = stored
    with Store.open(state) as s:
        data = gather(s, ids[-1], "Test Clinic", state)
    odd = summary(4.2, 1.3, pause=None)
    odd = replace(odd, measures=odd.measures[:-1] + (replace(odd.measures[-1], reason="<img src='x.png'/> & <b>"),))
    a = {**data.session.assessment, "parkinson": odd.to_dict()}
    text = " ".join(_pages(build_clinician_pdf(replace(data, session=replace(data.session, assessment=a)),
                                               tmp_path / "c.pdf")))
    assert "not measured: <img src='x.png'/> & <b>" in text
