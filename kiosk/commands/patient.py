"""`kiosk patient add CODE --name NAME [--birth-year Y]` and `kiosk patient list [--json]`.

Registers patients in the kiosk's database (``--state-dir``, default ``device.state_dir``) so a
recording made elsewhere can be stored with `kiosk assess DIR --patient CODE --save`.
Exit codes: 0 done, 2 refused (bad field, code already registered), 1 database error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="register a patient by clinic code")
    add.add_argument("code", help="clinic reference code (unique)")
    add.add_argument("--name", help="display name (optional)")
    add.add_argument("--birth-year", type=int, help="year of birth (optional)")
    add.add_argument("--state-dir", type=Path, help="database directory (default: config device.state_dir)")
    ls = sub.add_parser("list", help="list registered patients")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.add_argument("--state-dir", type=Path, help="database directory (default: config device.state_dir)")


def _as_dict(p) -> dict:  # noqa: ANN001
    return {"code": p.code, "name": p.display_name, "birth_year": p.birth_year, "id": p.id,
            "created_at": p.created_at.isoformat()}


def run(args: argparse.Namespace, config) -> int:  # noqa: ANN001
    from kiosk.store import Store, StoreError
    from kiosk.store.repositories import patient_problem
    state_dir = args.state_dir or config.device.state_dir
    if args.action == "add":
        problem = patient_problem(args.code, args.name, args.birth_year)
        if problem:
            print(f"kiosk patient: {problem}; nothing was stored", file=sys.stderr)
            return 2
    try:
        with Store.from_config(config, state_dir) as store:
            if args.action == "add":
                if store.find_patient(args.code) is not None:
                    print(f"kiosk patient: a patient with code {args.code!r} is already registered", file=sys.stderr)
                    return 2
                p = store.add_patient(args.code, args.name, args.birth_year)
                print(f"registered patient {p.code} (id {p.id})")
                return 0
            patients = store.list_patients()
    except StoreError as e:
        print(f"kiosk patient: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([_as_dict(p) for p in patients], indent=1, ensure_ascii=False))
    else:
        for p in patients:
            print(f"{p.code}\t{p.display_name or ''}\t{p.birth_year or ''}")
        print(f"{len(patients)} patients")
    return 0
