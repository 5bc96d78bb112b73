#!/usr/bin/env python3
"""Render every kiosk screen to PNG at 800x480 and 1280x720, headless (SDL dummy driver).

    .venv/bin/python scripts/screenshots.py [--out screenshots/]

Uses a synthetic session folder (kiosk.demo) for the camera and a throw-away database
seeded with weekly sessions (kiosk.demo.showcase); writes <out>/<size>/<view>.png and
prints the texts each screen drew, so a reviewer can check wording without the images, and every
layout problem (text cut off, off screen or under a button; kiosk.ui.driver.layout_problems): the
exit status is 1 when there is one.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_session_dir(folder: Path) -> Path:
    """Synthetic patient (right-sided palsy, moderate) face images; speech is not needed to render."""
    from kiosk.demo.synthetic_face import SyntheticSpec, write_session
    return write_session(folder, SyntheticSpec(affected_side="right", severity=0.5))


def render(size: tuple[int, int], out: Path, replay: Path, state: Path, views: tuple[str, ...]) -> dict[str, str]:
    import pygame

    from kiosk.config import KioskConfig
    from kiosk.ui.app import App
    from kiosk.ui.driver import Driver, layout_problems
    from kiosk.session.services import Services
    from kiosk.demo.showcase import show

    cfg = KioskConfig()
    app = App(cfg, Services(cfg, replay_dir=replay, state_dir=state), size)
    drv = Driver(app)
    texts = {}
    try:
        for view in views:
            show(app, view, drv)
            drv.frame(2)
            path = out / f"{size[0]}x{size[1]}" / f"{view}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            pygame.image.save(app.surface, str(path))
            texts[view] = " | ".join(drv.texts())
            for problem in layout_problems(app):
                texts[view] += f"\n  LAYOUT PROBLEM: {problem}"
            gate = getattr(app.screens["session"], "_gate", None)
            if gate is not None:
                gate.set()
    finally:
        app.close()
    return texts


def main(argv: list[str] | None = None) -> int:
    from kiosk.demo.showcase import VIEWS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("screenshots"))
    ap.add_argument("--size", action="append", choices=("800x480", "1280x720"))
    ap.add_argument("--view", action="append", choices=VIEWS)
    args = ap.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split("x")) for s in (args.size or ("800x480", "1280x720"))]
    bad = False
    with tempfile.TemporaryDirectory() as tmp:
        replay = make_session_dir(Path(tmp) / "session")
        for size in sizes:
            texts = render(size, args.out, replay, Path(tmp) / f"state{size[0]}", tuple(args.view or VIEWS))
            for view, t in texts.items():
                print(f"{size[0]}x{size[1]} {view}: {t}")
                bad |= "LAYOUT PROBLEM" in t
    print(f"wrote {args.out}/" + (" – with layout problems, see above" if bad else "; no layout problems"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
