"""``python -m kiosk.vision.ops [--force]``: build libface_ops.so if missing or stale (scripts/setup)."""
import sys

from kiosk.vision.ops import LIBRARY, build, is_built

if is_built() and "--force" not in sys.argv:
    print(f"[face_ops] {LIBRARY.name} is up to date")
else:
    try:
        print(f"[face_ops] built {build()}")
    except RuntimeError as e:
        print(f"[face_ops] ERROR: {e}", file=sys.stderr)
        sys.exit(1)
