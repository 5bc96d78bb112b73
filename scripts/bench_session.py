#!/usr/bin/env python3
"""End of session to results on screen: analysing at the end (batch) vs during the session
(incremental), through the real kiosk UI on a synthetic session.

    .venv/bin/python scripts/bench_session.py [--rounds 1] [--fast] [--cold]

Each round runs two whole guided sessions in the real App (headless pygame, replay camera and
microphone from a synthetic session folder: kiosk.demo.synthetic_face right-sided palsy +
kiosk.demo.synthetic_speech espeak-ng/flite speech), one with ``SessionRunner.incremental``
False (everything analysed after the last step: the reference) and one True (speech steps
analysed after their gate, the face half once the face steps are done). The microphone is paced
in real time (a speech step takes as long as its recording) and instructions and countdowns run
at real speed, unless ``--fast`` (audio read at once, UI clock 6x: less time for background work,
so a pessimistic incremental figure). Each session runs in its own process; by default the kiosk
is warm (``Services.warm_up``: code and recognizer models loaded, as after its first session);
``--cold`` measures a kiosk's first session. Latency = wall time from the frame on which the
last step's verdict ends the session to the frame on which the results screen is shown (the
assessment and the store write included). Prints both, their ratio, and the process's peak
resident memory (docs/architecture.md#performance-targets: results < 3 s on the Pi 5, roughly 3-4x slower per core
than a desktop x86; memory < 400 MB). ``--before`` adds, per round, a batch session set up as the
kiosk was before its memory work (pocketsphinx decoders with the full CMU dictionary and the
en-US word LM, no heap trimming, glibc's default mmap threshold): the memory reference, same
run, same scores expected.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
GOAL_S = 3.0
PI_SLOWDOWN = (3.0, 4.0)      # Pi 5 vs this kind of x86 machine, per core (docs/architecture.md#performance-targets)
GOAL_MB = 400.0


def make_session(folder: Path) -> Path:
    """Synthetic right-sided palsy: one PNG per face step, a WAV per speech step."""
    from kiosk.demo.synthetic_face import SyntheticSpec, write_session
    from kiosk.demo.synthetic_speech import generate_patient_speech
    write_session(folder, SyntheticSpec(affected_side="right", severity=0.5))
    for step, path in generate_patient_speech(folder.parent / "speech_cache", 0.3).items():
        shutil.copy(path, folder / f"{step}.wav")
    return folder


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process (MB): VmRSS and VmHWM (Linux)."""
    vals = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            vals[line[:5]] = int(line.split()[1]) / 1024.0
    return vals.get("VmRSS", 0.0), vals.get("VmHWM", 0.0)


def run_session(folder: Path, state: Path, incremental: bool, realtime: bool, warm: bool = True) -> dict:
    """One guided session through the UI; returns the latency (s) and what was still queued."""
    from kiosk.config import KioskConfig
    from kiosk.ui.app import App
    from kiosk.ui.driver import Driver
    from kiosk.session.services import Services

    cfg = KioskConfig()
    app = App(cfg, Services(cfg, replay_dir=folder, realtime_replay=realtime, state_dir=state), (800, 480))
    drv = Driver(app)
    t0 = time.perf_counter()
    try:
        app.patient = app.services.add_patient(f"B{int(t0 * 1000) % 10**8:08d}", None, None)
        if warm:      # a kiosk that has run a session before: code and recognizer models loaded
            app.services.warm_up()
        app.go("session")
        drv.run_until(lambda: app.analysis.latest() is not None, dt_s=1 / 30)
        screen = app.screens["session"]
        screen.runner.incremental = incremental
        drv.tap("session_start")
        runner, t_end, busy, peak_before_end = screen.runner, None, False, 0.0
        while app.current.name != "results":
            if screen.error:
                raise RuntimeError(screen.error)
            a = time.perf_counter()
            drv.frame(dt_s=1 / 30 if realtime else 0.2)
            if t_end is None and runner.state.phase == "done":
                t_end = a          # this frame saw the last verdict and started finish()
                busy = runner.analyses is not None and runner.analyses.busy
                peak_before_end = rss_mb()[1]
            time.sleep(max(0.0, 1 / 30 - (time.perf_counter() - a)))
            if time.perf_counter() - t0 > 600:
                raise TimeoutError("session did not finish in 10 minutes")
        latency = time.perf_counter() - t_end
        return {"latency_s": latency, "rss_now_mb": rss_mb()[0], "session_s": t_end - t0, "busy_at_end": busy,
                "peak_before_end_mb": peak_before_end,
                "clarity": app.result[1]["speech"]["clarity_score"],
                "composite": app.result[1]["face"]["sunnybrook"]["composite"]}
    finally:
        app.close()


def use_reference_memory_setup() -> None:
    """The kiosk's memory setup before the work in docs/architecture.md#memory-and-latency (the ``--before`` reference)."""
    import os.path
    from functools import lru_cache

    from kiosk.speech import intelligibility as intel
    from kiosk.session import memory

    @lru_cache(maxsize=1)
    def phone_decoder():
        from pocketsphinx import Decoder
        m = intel._model_dir()
        return Decoder(hmm=os.path.join(m, "en-us"), allphone=os.path.join(m, "en-us-phone.lm.bin"),
                       lw=2.0, pip=0.3, beam=1e-20, pbeam=1e-20, loglevel="FATAL")

    @lru_cache(maxsize=1)
    def align_decoder(words):
        from pocketsphinx import Decoder
        m = intel._model_dir()
        return Decoder(hmm=os.path.join(m, "en-us"), dict=os.path.join(m, "cmudict-en-us.dict"), loglevel="FATAL")

    intel._phone_decoder, intel._align_decoder = phone_decoder, align_decoder
    memory.trim_heap = memory.tune_heap = lambda: None


def peak_rss_mb() -> float:
    """Peak resident set size of this process (MB): VmHWM, else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(folder: Path, state: Path, mode: str, fast: bool, cold: bool) -> dict:
    """One session in a fresh kiosk process, so its peak RSS is the kiosk's own."""
    cmd = [sys.executable, __file__, "--child", mode, "--folder", str(folder), "--state", str(state)]
    if mode == "before":
        cmd[3] = "batch"
        cmd.append("--before")
    cmd += (["--fast"] if fast else []) + (["--cold"] if cold else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=1, help="batch+incremental pairs (interleaved)")
    ap.add_argument("--fast", action="store_true", help="replay audio as fast as it can be read and run the "
                    "UI clock 6x (less time for background work: a pessimistic incremental figure)")
    ap.add_argument("--cold", action="store_true", help="first session after the kiosk started: models "
                    "load during it (the incremental path loads them in the background at session start)")
    ap.add_argument("--before", action="store_true", help="also run a batch session with the memory setup "
                    "of before the section 11 work (full pocketsphinx dictionary and word LM, no heap trimming)")
    ap.add_argument("--child", choices=("batch", "incremental"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.before:
            use_reference_memory_setup()
        res = run_session(args.folder, args.state, args.child == "incremental", not args.fast, not args.cold)
        print(json.dumps({**res, "peak_rss_mb": peak_rss_mb()}))
        return 0
    out: dict[str, list[dict]] = {"batch": [], "incremental": [], **({"before": []} if args.before else {})}
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_session(Path(tmp) / "session")
        for r in range(args.rounds):
            for mode in out:
                res = run_child(folder, Path(tmp) / "state", mode, args.fast, args.cold)
                out[mode].append(res)
                print(f"round {r + 1} {mode:11s}: end of session -> results {res['latency_s']:.2f} s "
                      f"(session {res['session_s']:.0f} s; background work still queued at the end: "
                      f"{res['busy_at_end']}; peak RSS {res['peak_before_end_mb']:.0f} MB before the end, "
                      f"{res['peak_rss_mb']:.0f} MB overall)", flush=True)
    med = {m: statistics.median(r["latency_s"] for r in v) for m, v in out.items()}
    batch, inc = med["batch"], med["incremental"]
    scores = {(r["clarity"], r["composite"]) for v in out.values() for r in v}
    peak = max(r["peak_rss_mb"] for m, v in out.items() if m != "before" for r in v)
    print(f"machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
          f"load={os.getloadavg()[0]:.2f}")
    print(f"batch (reference)  : {batch:.2f} s  (Pi 5 estimate {batch * PI_SLOWDOWN[0]:.1f}-{batch * PI_SLOWDOWN[1]:.1f} s)")
    print(f"incremental        : {inc:.2f} s  (Pi 5 estimate {inc * PI_SLOWDOWN[0]:.1f}-{inc * PI_SLOWDOWN[1]:.1f} s; "
          f"goal < {GOAL_S:.0f} s)")
    print(f"ratio incremental/batch: {inc / batch:.2f}")
    print(f"same scores both ways: {len(scores) == 1} {sorted(scores)}")
    print(f"kiosk peak RSS (max over the sessions, each in its own process): {peak:.0f} MB "
          f"(goal < {GOAL_MB:.0f} MB)")
    if args.before:
        before = max(r["peak_rss_mb"] for r in out["before"])
        print(f"before the memory work (batch, same run): {before:.0f} MB; now {peak:.0f} MB "
              f"({peak - before:+.0f} MB, ratio {peak / before:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
