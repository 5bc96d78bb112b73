"""`kiosk face IMAGE... --json` on real images written at test time, and its error paths."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from skimage import data

from kiosk.cli import main


@pytest.fixture(scope="module")
def images(tmp_path_factory, model_dir):
    d = tmp_path_factory.mktemp("faces")
    a = data.astronaut()
    paths = {
        "face": d / "astronaut.png",
        "two": d / "two.png",
        "blank": d / "blank.png",
        "corrupt": d / "corrupt.jpg",
    }
    cv2.imwrite(str(paths["face"]), cv2.cvtColor(a, cv2.COLOR_RGB2BGR))
    crop = a[20:260, 110:340]
    cv2.imwrite(str(paths["two"]), cv2.cvtColor(np.hstack([crop, crop]), cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(paths["blank"]), np.full((200, 300, 3), 128, np.uint8))
    paths["corrupt"].write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    return paths


def _run(capsys, *argv):
    rc = main(["face", *map(str, argv), "--json"])
    out, err = capsys.readouterr()
    return rc, json.loads(out), err


def test_face_json(capsys, images):
    rc, doc, err = _run(capsys, images["face"])
    assert rc == 0 and "kiosk face:" not in err
    (r,) = doc["images"]
    assert "not a diagnosis" in doc["note"]
    assert r["faces_found"] == 1 and r["error"] is None and r["quality"]["code"] == "ok"
    lm = np.asarray(r["landmarks_px"])
    assert lm.shape == (468, 3)
    assert 180 < lm[1, 0] < 260 and 100 < lm[1, 1] < 160  # nose tip on the face
    assert r["iris"]["right"]["center_px"][0] < r["iris"]["left"]["center_px"][0]
    assert 5 < r["iris"]["left"]["diameter_px"] < 11
    assert r["mm_per_px"] == pytest.approx(11.7 / np.mean([r["iris"]["right"]["diameter_px"],
                                                          r["iris"]["left"]["diameter_px"]]), rel=0.01)
    assert set(r["pose"]) == {"yaw_deg", "pitch_deg", "roll_deg"}


@pytest.mark.parametrize("key,faces,text", [
    ("two", 2, "more than one face"),
    ("blank", 0, "no face found"),
    ("corrupt", None, "not a readable image"),
])
def test_face_errors_exit_nonzero(capsys, images, key, faces, text):
    rc, doc, err = _run(capsys, images["face"], images[key])
    assert rc == 1
    good, bad = doc["images"]
    assert good["error"] is None and bad["faces_found"] == faces
    assert text in bad["error"] and text in err


def test_missing_file(capsys, images, tmp_path):
    rc, doc, err = _run(capsys, tmp_path / "missing.png")
    assert rc == 1 and "no such file" in err and doc["images"][0]["faces_found"] is None


def test_missing_models_exit_code(capsys, images, tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[vision]\nmodel_dir = "{tmp_path}"\n', encoding="utf-8")
    rc = main(["--config", str(cfg), "face", str(images["face"])])
    assert rc == 4 and "model file missing" in capsys.readouterr().err
