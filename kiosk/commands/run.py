"""`kiosk run [--replay SESSION_DIR] [--windowed] [--size 800x480]`: the fullscreen touch kiosk.

``--replay`` drives the real UI from a session folder (docs/cli.md#session-folder: one image or
clip per face step, one WAV per speech step) through the camera and audio replay
sources, so a whole session runs without devices.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_size(text: str) -> tuple[int, int]:
    """'800x480' -> (800, 480); raises argparse.ArgumentTypeError otherwise."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 800x480, got {text!r}") from None
    if w < 640 or h < 400:
        raise argparse.ArgumentTypeError(f"size {w}x{h} is too small (at least 640x400)")
    return w, h


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replay", type=Path, metavar="SESSION_DIR",
                   help="drive the UI from a recorded or synthetic session folder instead of the devices")
    p.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (desktop)")
    p.add_argument("--size", type=parse_size, help="window size, e.g. 800x480 or 1280x720 (default: config ui)")
    p.add_argument("--state-dir", type=Path, help="database directory (default: config device.state_dir)")


def run(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from kiosk.store import StoreError
    from kiosk.ui.app import App
    from kiosk.session.services import Services

    if args.replay is not None and not args.replay.is_dir():
        print(f"kiosk run: replay folder not found: {args.replay}", file=sys.stderr)
        return 2
    size = args.size or (config.ui.width, config.ui.height)
    services = Services(config, replay_dir=args.replay, realtime_replay=True, state_dir=args.state_dir)
    try:
        services.store()
    except StoreError as e:
        print(f"kiosk run: the database cannot be opened: {e}", file=sys.stderr)
        return 1
    from kiosk.pin import pin_policy_problem
    problem = pin_policy_problem(config.ui.pin_hash, config.device.provisioned)
    if problem:             # the kiosk still runs for patients; the staff screens follow the PIN gate
        print(f"kiosk run: {problem[0]}: {problem[1]}", file=sys.stderr)
    fullscreen = config.ui.fullscreen and not args.windowed
    try:
        app = App(config, services, size, fullscreen=fullscreen)
    except Exception as e:   # pygame.error: no display
        print(f"kiosk run: cannot open the display ({e}); on the Pi run it inside cage "
              "(SDL_VIDEODRIVER=wayland)", file=sys.stderr)
        return 1
    return app.run()
