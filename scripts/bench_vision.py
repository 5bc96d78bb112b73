#!/usr/bin/env python3
"""Vision benchmark: our LiteRT pipeline vs mediapipe 0.10.21 FaceMesh, same frames, same run.

    .venv/bin/python scripts/bench_vision.py [--threads 2] [--frames 60] [--rounds 3]

Builds the frames once (the astronaut parity frames and a synthetic video: the face drifting
and rolling, kiosk.vision.frames.shifted_sequence), then runs two worker subprocesses on
them: ours in .venv (numpy 2) and the reference in .venv-ref (mediapipe needs numpy < 2;
`make reference` builds it). Both workers are pinned to the same CPU cores (sched_setaffinity)
and ours uses that many LiteRT threads. Tracking mode (video), rounds interleaved, best
round per side. Prints throughput (frames/s) for mesh only (ours with_iris=False vs
refine_landmarks=False) and mesh + iris on every frame (ours with_iris=True vs
refine_landmarks=True), the ratios ours / reference, and the mean landmark error in % of
the interocular distance (outer eye corners 33-263) against refine_landmarks=False.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pin(threads: int) -> None:
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    os.sched_setaffinity(0, cpus)


def _ours(frames: np.ndarray, threads: int, iris: bool) -> tuple[float, list]:
    from kiosk.config import VisionConfig
    from kiosk.vision.pipeline import FacePipeline
    pipe = FacePipeline(VisionConfig(threads=threads), tracking=True, with_iris=iris)
    for f in frames:  # warm-up
        pipe.process(f)
    pipe.reset()
    pipe.process(np.zeros_like(frames[0]))  # blank frame: no face, nothing tracked
    results = []
    t = time.perf_counter()
    for f in frames:
        results.append(pipe.process(f))
    elapsed = time.perf_counter() - t
    if pipe.eyes is not None:
        print(f"speculative iris kept on {pipe.eyes.reused} frames, redone on {pipe.eyes.redone}", file=sys.stderr)
    return elapsed, [None if r.face is None else r.face.landmarks_px[:, :2] for r in results]


def _reference(frames: np.ndarray, threads: int, iris: bool) -> tuple[float, list]:
    import mediapipe as mp
    face_mesh = mp.solutions.face_mesh
    with face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=iris) as fm:
        for f in frames:  # warm-up
            fm.process(f)
    with face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=iris) as fm:
        fm.process(np.zeros_like(frames[0]))  # graph start-up; no face, nothing tracked
        results = []
        t = time.perf_counter()
        for f in frames:
            results.append(fm.process(f).multi_face_landmarks)
        elapsed = time.perf_counter() - t
    h, w = frames[0].shape[:2]
    return elapsed, [None if not r else np.array([[p.x * w, p.y * h] for p in r[0].landmark[:468]])
                     for r in results]


def worker(side: str, frames_path: str, threads: int, iris: bool, out_path: str) -> None:
    """Run one pipeline over the frames in tracking mode; write fps and landmarks (px)."""
    _pin(threads)
    frames = np.load(frames_path)
    elapsed, landmarks = (_ours if side == "ours" else _reference)(frames, threads, iris)
    np.save(out_path + ".npy", np.array([np.full((468, 2), np.nan) if p is None else p for p in landmarks]))
    Path(out_path).write_text(json.dumps({"fps": len(frames) / elapsed,
                                          "found": sum(p is not None for p in landmarks)}))


def _run_worker(python: Path, side: str, frames: str, threads: int, iris: bool) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [str(python), __file__, "--worker", side, "--frames-file", frames, "--threads", str(threads),
           "--out", out] + (["--iris"] if iris else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{side} worker failed:\n{proc.stderr[-2000:]}")
    res = json.loads(Path(out).read_text())
    res["log"] = [ln for ln in proc.stderr.splitlines() if ln.startswith("speculative")]
    res["landmarks"] = np.load(out + ".npy")
    return res


def _error_pct(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    iod = np.linalg.norm(ref[:, 263] - ref[:, 33], axis=1)
    return np.linalg.norm(ours - ref, axis=2).mean(axis=1) / iod * 100


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=60, help="video length (frames)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", choices=["ours", "ref"])
    ap.add_argument("--frames-file")
    ap.add_argument("--out")
    ap.add_argument("--iris", action="store_true")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.frames_file, args.threads, args.iris, args.out)
        return 0

    ref_py = ROOT / ".venv-ref" / "bin" / "python"
    if not ref_py.exists():
        print("reference venv missing: run `make reference` first", file=sys.stderr)
        return 2
    from skimage import data

    from kiosk.vision import frames as F
    video = np.stack(F.shifted_sequence(data.astronaut(), args.frames, step_px=2.0))
    with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as tmp:
        np.save(tmp, video)
        frames_file = tmp.name
    print(f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} CPUs; "
          f"workers pinned to {args.threads} core(s); {args.frames} frames 640x480; best of {args.rounds}")
    results: dict[tuple[str, bool], dict] = {}
    for _ in range(args.rounds):
        for iris in (False, True):
            for side, py in (("ours", ROOT / ".venv" / "bin" / "python"), ("ref", ref_py)):
                r = _run_worker(py, side, frames_file, args.threads, iris)
                best = results.get((side, iris))
                if best is None or r["fps"] > best["fps"]:
                    results[(side, iris)] = r
    for iris, label, target in ((False, "mesh only      vs refine_landmarks=False", 1.5),
                                (True, "mesh + iris    vs refine_landmarks=True ", 1.0)):
        o, r = results[("ours", iris)], results[("ref", iris)]
        ratio = o["fps"] / r["fps"]
        print(f"{label}: ours {o['fps']:7.1f} fps, reference {r['fps']:7.1f} fps, "
              f"ratio {ratio:.2f}x (target >= {target}x) {'OK' if ratio >= target else 'BELOW TARGET'}")
    print("  " + "; ".join(results[("ours", True)]["log"]))
    err = _error_pct(results[("ours", False)]["landmarks"], results[("ref", False)]["landmarks"])
    print(f"mesh error vs refine_landmarks=False over the video: mean {np.nanmean(err):.3f} % IOD, "
          f"worst frame {np.nanmax(err):.3f} % IOD (target <= 0.5 %)")
    os.unlink(frames_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
