"""Speech steps analysed during the session (and the face half once its steps are done) give the
same assessment as analysing everything at the end; a repeated step replaces its earlier result."""
from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from kiosk.session.assess import assess_recordings
from kiosk.config import KioskConfig, VisionConfig
from kiosk.demo.synthetic_face import SyntheticSpec, make_session
from kiosk.speech.battery import analyse_step, assess_speech, combine_steps
from kiosk.session.services import Services
from kiosk.session.step_analysis import SessionAnalyses
from speech_fixtures import SR, patient
from ui_helpers import make_app, make_session_dir


@pytest.fixture(scope="module")
def services(model_dir, tmp_path_factory):
    return Services(KioskConfig(vision=VisionConfig(model_dir=model_dir)), state_dir=tmp_path_factory.mktemp("st"))


@pytest.fixture(scope="module")
def audio():
    """A synthetic patient with one step rejected (silence) and one missing."""
    rec, _ = patient(0.0)
    audio = {k: (v, SR) for k, v in rec.items() if k != "ddk_ta"}
    audio["ddk_ka"] = (np.zeros(4 * SR, np.float32), SR)
    return audio


def test_combine_steps_equals_assess_speech(audio):
    batch = assess_speech(audio)
    steps = {k: analyse_step(k, x, sr) for k, (x, sr) in reversed(list(audio.items()))}
    assert combine_steps(steps).to_dict() == batch.to_dict()
    assert batch.steps["ddk_ta"].status == "missing" and batch.steps["ddk_ka"].status == "rejected"
    assert batch.steps["vowel"].status == "ok" and batch.voice.f0_mean_hz == pytest.approx(120.0, rel=0.02)


def test_background_analyses_give_the_batch_assessment(services, audio):
    faces = {k: [v] for k, v in make_session(SyntheticSpec("right", 0.6)).items()}
    analyses = SessionAnalyses(services.analyse_speech_step, services.assess_face)
    try:
        analyses.face(1, {k: v for k, v in faces.items() if k != "rest"})    # superseded below
        analyses.face(2, faces)
        for step, (x, sr) in audio.items():
            analyses.speech_step(step, x, sr)
        speech_steps = analyses.speech_results(audio)
        face = analyses.face_result(2)
        assert analyses.face_result(1) is None and not analyses.busy
    finally:
        analyses.close()
    assert set(speech_steps) == set(audio)
    skipped = {"ddk_ta": "skipped by the nurse"}
    incremental = assess_recordings(faces, {}, services.config, skipped, speech_steps=speech_steps, face=face)
    batch = assess_recordings(faces, audio, services.config, skipped)
    assert incremental.to_dict() == batch.to_dict()
    d = incremental.to_dict()
    assert d["face"]["affected_side"] == "right" and d["missing_steps"] == skipped
    assert d["speech"]["steps"]["ddk_ka"]["code"] == batch.speech.steps["ddk_ka"].code != "ok"


def test_repeated_step_replaces_the_cached_result(services, audio):
    vowel, sr = audio["vowel"]
    silent = np.zeros_like(vowel)
    analyses = SessionAnalyses(services.analyse_speech_step, services.assess_face)
    try:
        analyses.speech_step("vowel", silent, sr)
        analyses.speech_step("vowel", vowel, sr)          # the retry, queued before the first ran
        first = analyses.speech_results(["vowel"])["vowel"]
        analyses.speech_step("vowel", silent, sr)          # repeated again, after the good one finished
        second = analyses.speech_results(["vowel"])["vowel"]
        analyses.speech_step("ddk_pa", *audio["ddk_pa"])
        analyses.drop_speech("ddk_pa")
        assert analyses.speech_results(["ddk_pa"]) == {}
    finally:
        analyses.close()
    assert first[0].status == "ok" and first[1] == analyse_step("vowel", vowel, sr)[1]
    assert second[0].status == "rejected" and second[1] is None


def test_ui_session_results_match_batch_and_repeat_replaces(tmp_path_factory, tmp_path, model_dir):
    folder = make_session_dir(tmp_path_factory.mktemp("replay") / "session")
    app, drv = make_app(folder, tmp_path / "state", config=KioskConfig(vision=VisionConfig(model_dir=model_dir)))
    try:
        app.patient = app.services.add_patient("P0101", None, None)
        app.go("session")
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        drv.tap("session_start")
        drv.run_until(lambda: app.current.name == "results" or bool(app.screens["session"].error), max_frames=6000)
        runner = app.screens["session"].runner
        assert app.screens["session"].error == "" and runner.analyses is not None
        shown = app.result[1]
        batch = app.services.assess(runner.face_frames, runner.audio_clips, {})
        assert shown == batch
        assert shown["speech"]["steps"]["sentence"]["status"] == "ok" and shown["face"]["affected_side"] == "right"

        # the nurse repeats the vowel; this time the patient says it at 180 Hz
        from kiosk.capture.audio import write_wav
        from kiosk.demo.synthetic_speech import rosenberg_vowel, with_lead_in
        before = runner.analyses.speech_results(["vowel"])["vowel"][1].f0_mean_hz
        shutil.copy(folder / "vowel.wav", tmp_path / "vowel_before.wav")
        write_wav(folder / "vowel.wav", with_lead_in(0.3 * rosenberg_vowel(180.0, 4.0, SR), SR), SR)
        runner.repeat("vowel")
        for _ in range(3000):      # the results screen is shown; drive the finished session's runner
            app.last_input_s = drv.t   # the nurse is at the kiosk: no idle timeout
            drv.frame(dt_s=0.1)
            runner.update(drv.t)
            time.sleep(0.01)                # real time for the audio thread
            if runner.state.phase == "done":
                break
        assert runner.state.outcome("vowel").status == "ok", runner.state.outcome("vowel")
        after = runner.analyses.speech_results(["vowel"])["vowel"]
        assert before == pytest.approx(shown["speech"]["voice"]["f0_mean_hz"], abs=0.1)
        assert after[1].f0_mean_hz == pytest.approx(180.0, rel=0.02) and abs(before - 180.0) > 20
        assert runner.analyses.speech_results(["vowel"])["vowel"] is after

        # the nurse repeats /pa/ and then skips it: the step is missing, its old result unused
        runner.repeat("ddk_pa")
        runner.skip()
        assert runner.state.phase == "done" and runner.state.outcome("ddk_pa").status == "skipped"
        job = runner.finish(app.patient)
        assert job.wait(60) and job.error is None
        d = job.result[1]
        assert d["missing_steps"] == {"ddk_pa": "skipped by the nurse"}
        assert d["speech"]["steps"]["ddk_pa"]["status"] == "missing" and d["speech"]["ddk"]["pa"] is None
        assert d["speech"]["voice"]["f0_mean_hz"] == pytest.approx(180.0, rel=0.02)
        assert d["speech"]["ddk"]["ta"] == shown["speech"]["ddk"]["ta"]
    finally:
        if (tmp_path / "vowel_before.wav").exists():
            shutil.copy(tmp_path / "vowel_before.wav", folder / "vowel.wav")
        app.close()


def test_no_analysis_starts_while_a_recording_is_held(services, audio):
    analyses = SessionAnalyses(services.analyse_speech_step, services.assess_face)
    try:
        analyses.hold()                                   # the microphone is being read
        analyses.speech_step("ddk_pa", *audio["ddk_pa"])
        time.sleep(0.6)                                   # ~5x the analysis time of this step
        assert analyses.busy                              # queued, not run
        analyses.release()
        got = analyses.speech_results(["ddk_pa"])["ddk_pa"]
        assert got[0].status == "ok" and got[1] == analyse_step("ddk_pa", *audio["ddk_pa"])[1]
    finally:
        analyses.close()
