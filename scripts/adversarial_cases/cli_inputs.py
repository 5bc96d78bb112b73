"""CLI inputs: hostile files and arguments give one line on stderr and a documented exit code,
never a traceback; in `kiosk assess` a bad file marks only its step."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scripts.adversarial_cases import Case, check
from scripts.adversarial_cases._common import kiosk, model_config, one_line_error

AREA = "cli inputs"


def _cli(label: str, argv, codes: tuple[int, ...], prepare=None, fast: bool = False,  # noqa: ANN001
         models: bool = False) -> Case:
    def run(tmp: Path) -> None:
        if prepare:
            prepare(tmp)
        args = [a.format(tmp=tmp) for a in argv]
        if models:
            args = ["--config", str(model_config(tmp)), *args]
        r = kiosk(*args, cwd=tmp)
        problem = one_line_error(r, codes)
        check(problem is None, problem or "")
        if r.returncode != 0:
            lines = [ln for ln in r.stderr.strip().splitlines() if not ln.startswith(("INFO:", "WARNING:"))]
            check(len(lines) <= len(argv), f"{len(lines)} stderr lines")
    return Case(label, run, fast)


def _wav(name: str):  # noqa: ANN202
    def prep(tmp: Path) -> None:
        from hostile_files import hostile_wavs
        (tmp / "x.wav").write_bytes(hostile_wavs()[name])
    return prep


def _img(arr: np.ndarray | None = None, data: bytes | None = None):  # noqa: ANN202
    def prep(tmp: Path) -> None:
        import cv2
        if data is not None:
            (tmp / "x.png").write_bytes(data)
        else:
            cv2.imwrite(str(tmp / "x.png"), arr)
    return prep


def assess_bad_folder(tmp: Path) -> None:
    from hostile_files import hostile_wavs, png_bytes
    d = tmp / "s"
    d.mkdir()
    (d / "vowel.wav").write_bytes(hostile_wavs()["zero_channels"])
    (d / "sentence.wav").write_bytes(hostile_wavs()["cut_in_half"])
    (d / "rest.png").write_bytes(png_bytes(30000, 30000))
    (d / "smile.png").write_bytes(b"junk")
    r = kiosk("--config", str(model_config(tmp)), "assess", str(d), "--json", cwd=tmp)
    check(one_line_error(r, (4,)) is None, one_line_error(r, (4,)) or "")
    missing = json.loads(r.stdout)["missing_steps"]
    for step, needle in (("vowel", "Channel"), ("sentence", "cut short"), ("rest", "MP"), ("smile", "not a readable")):
        check(needle in missing.get(step, ""), f"{step}: {missing.get(step)}")


def cases() -> list[Case]:
    from hostile_files import png_bytes
    out = [_cli(f"speech {n}", ["speech", "{tmp}/x.wav", "--task", "vowel"], (2,), _wav(n), fast=n == "30_bytes")
           for n in ("30_bytes", "zero_channels", "no_data_chunk", "malformed_data_chunk", "cut_in_half", "empty",
                     "huge_fmt_chunk")]
    out += [
        _cli("speech missing file", ["speech", "{tmp}/none.wav", "--task", "vowel"], (2,)),
        _cli("speech folder", ["speech", "{tmp}", "--task", "vowel"], (2,)),
        _cli("speech bad lead-in", ["speech", "{tmp}/x.wav", "--task", "vowel", "--lead-in", "inf"], (2,),
             lambda tmp: __import__("hostile_files").write(tmp, "x.wav", __import__("hostile_files").wav_bytes(
                 __import__("hostile_files").tone(1.5)))),
        _cli("face 1x1", ["face", "{tmp}/x.png"], (1,), _img(np.zeros((1, 1, 3), np.uint8)), fast=True, models=True),
        _cli("face 20000x2", ["face", "{tmp}/x.png"], (1,), _img(np.zeros((2, 20000, 3), np.uint8)), models=True),
        _cli("face 30000x30000 bomb", ["face", "{tmp}/x.png"], (1,), _img(data=png_bytes(30000, 30000)),
             models=True),
        _cli("face garbage", ["face", "{tmp}/x.png"], (1,), _img(data=b"\x89PNG junk"), models=True),
        _cli("face folder", ["face", "{tmp}"], (1,), models=True),
        Case("assess folder of hostile files", assess_bad_folder),
        _cli("assess missing folder", ["assess", "{tmp}/none"], (2,), fast=True),
        _cli("assess --save unknown patient", ["assess", "{tmp}", "--patient", "X", "--save",
                                               "--state-dir", "{tmp}/st"], (2,)),
        _cli("report unknown session", ["report", "nope", "--state-dir", "{tmp}/st"], (2,),
             lambda tmp: __import__("kiosk.store", fromlist=["Store"]).Store.open(tmp / "st").close()),
        _cli("report no database", ["report", "nope", "--state-dir", "{tmp}/none"], (2,)),
        _cli("patient add control chars", ["patient", "add", "A\x1bB", "--state-dir", "{tmp}/st"], (2,), fast=True),
        _cli("patient add birth year 2999", ["patient", "add", "A-1", "--birth-year", "2999",
                                             "--state-dir", "{tmp}/st"], (2,)),
        _cli("patient add huge code", ["patient", "add", "C" * 5000, "--state-dir", "{tmp}/st"], (2,)),
        _cli("patient list state_dir is a file", ["patient", "list", "--state-dir", "{tmp}/f"], (1,),
             lambda tmp: (tmp / "f").write_text("x")),
        _cli("set-pin letters", ["set-pin", "--pin", "abcd"], (2,)),
        _cli("set-pin too long", ["set-pin", "--pin", "1" * 40], (2,)),
        _cli("doctor with bad config", ["--config", "{tmp}/k.toml", "doctor"], (3,),
             lambda tmp: (tmp / "k.toml").write_text('[sync]\ntopic_root = "clinic/#"\n')),
    ]
    return out
