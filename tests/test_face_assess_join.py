"""kiosk.session.assess joins the face and speech halves (docs/contracts.md, SessionAssessment.to_dict)."""
from __future__ import annotations

import json
import sys

import pytest

from kiosk.session.assess import assess_recordings
from kiosk.config import KioskConfig, VisionConfig
from kiosk.demo.synthetic_face import SyntheticSpec, make_session


@pytest.fixture(scope="module")
def config(model_dir):
    return KioskConfig(vision=VisionConfig(model_dir=model_dir))


@pytest.fixture(scope="module")
def faces():
    return {k: [v] for k, v in make_session(SyntheticSpec("right", 0.7)).items()}


def test_face_and_speech_joined(config, faces):
    from kiosk.demo.synthetic_speech import SAMPLE_RATE_HZ, synthesize_patient

    audio, _ = synthesize_patient(0.3, seed=3)
    result = assess_recordings(faces, {k: (x, SAMPLE_RATE_HZ) for k, x in audio.items()}, config)
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(d) == {"protocol", "face", "speech", "missing_steps", "unavailable", "parkinson", "disclaimer"}
    assert d["protocol"] == "palsy" and d["parkinson"] is None
    assert d["missing_steps"] == {} and d["unavailable"] is None
    assert {"mm_per_px", "regions", "rest", "affected_side", "affected_side_confidence", "sunnybrook",
            "house_brackmann", "severity_class", "steps"} <= set(d["face"])
    assert d["face"]["affected_side"] == "right"
    assert {"voice", "ddk", "intelligibility", "clarity_score", "msii", "inputs", "steps"} <= set(d["speech"])
    assert d["speech"]["steps"]["vowel"]["status"] in ("ok", "rejected", "failed")


def test_speech_engine_missing_leaves_speech_unavailable(config, faces, monkeypatch):
    monkeypatch.setitem(sys.modules, "kiosk.speech.battery", None)  # import now raises ImportError
    result = assess_recordings(faces, {"vowel": (__import__("numpy").zeros(16000, "float32"), 16000)}, config)
    assert result.speech is None and result.face is not None
    assert result.to_dict()["unavailable"]["speech"].startswith("speech engine not installed")
