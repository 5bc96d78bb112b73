#!/usr/bin/env python3
"""Rerun the adversarial cases of issue 13 and print tried / held per area (0 failed is the goal).

    scripts/adversarial.py              every case of every area
    scripts/adversarial.py --fast       the quick subset (also run by tests/test_adversarial.py)
    scripts/adversarial.py --area wavs --area images -v

Areas are the modules of scripts/adversarial_cases/ (see its __init__ for how to add one), then the
MQTT areas of scripts/adversarial_sync.py (hostile messages through the production TLS broker into a
real receiver; TLS/ACL/identity attacks), which run in the full pass only. Each case runs in its own temporary folder. Exit code 0 when
every case that ran held, 1 otherwise; skipped cases (no mount rights, no broker) are counted and
listed, never counted as held.
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.adversarial_cases import NotHeld, Skip, area_modules  # noqa: E402


@dataclass
class Tally:
    tried: int = 0
    held: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def run_areas(fast: bool = False, only: set[str] | None = None, verbose: bool = False) -> dict[str, Tally]:
    """Run the cases; return a Tally per area name."""
    out: dict[str, Tally] = {}
    for module in area_modules():
        if only and module.AREA not in only and module.__name__.rsplit(".", 1)[-1] not in only:
            continue
        t = out.setdefault(module.AREA, Tally())
        for case in module.cases():
            if fast and not case.fast:
                continue
            with tempfile.TemporaryDirectory(prefix="adv-") as d:
                t0 = time.monotonic()
                try:
                    case.run(Path(d))
                except Skip as e:
                    t.skipped.append(f"{case.name}: {e}")
                    continue
                except (NotHeld, AssertionError) as e:
                    t.tried += 1
                    t.failed.append(f"{case.name}: {e or 'assertion failed'}")
                except Exception as e:  # noqa: BLE001 (a crash is a failure of the defence)
                    t.tried += 1
                    where = traceback.extract_tb(e.__traceback__)[-1]
                    t.failed.append(f"{case.name}: crashed with {type(e).__name__}: {e} "
                                    f"({Path(where.filename).name}:{where.lineno})")
                else:
                    t.tried += 1
                    t.held += 1
                if verbose:
                    print(f"  {module.AREA:<14} {case.name:<45} {time.monotonic() - t0:5.1f} s", flush=True)
    return out


def run_sync_areas(only: set[str] | None = None) -> dict[str, Tally]:
    """The MQTT areas of scripts/adversarial_sync.py (a real TLS broker and receiver each; not in --fast)."""
    try:
        from scripts.adversarial_sync import AREAS
    except ImportError as e:                # no mosquitto/paho here: say so, count nothing as held
        return {"mqtt": Tally(skipped=[f"MQTT areas: {e}"])}
    out: dict[str, Tally] = {}
    for name, area in AREAS.items():
        if only and name not in only:
            continue
        tried, held, failures = area()
        out[name] = Tally(tried, held, [], list(failures))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fast", action="store_true", help="only the quick subset")
    ap.add_argument("--area", action="append", help="run only this area (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per case with its time")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)      # the cases provoke errors on purpose; the table is the output
    tallies = run_areas(args.fast, set(args.area or []), args.verbose)
    if not args.fast:
        tallies.update(run_sync_areas(set(args.area or [])))
    print(f"{'area':<16}{'tried':>6}{'held':>6}{'failed':>8}{'skipped':>9}")
    for area, t in tallies.items():
        print(f"{area:<16}{t.tried:>6}{t.held:>6}{len(t.failed):>8}{len(t.skipped):>9}")
    total = Tally(sum(t.tried for t in tallies.values()), sum(t.held for t in tallies.values()),
                  [s for t in tallies.values() for s in t.skipped], [f for t in tallies.values() for f in t.failed])
    print(f"{'total':<16}{total.tried:>6}{total.held:>6}{len(total.failed):>8}{len(total.skipped):>9}")
    for f in total.failed:
        print(f"FAILED  {f}")
    for s in total.skipped:
        print(f"skipped {s}")
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
