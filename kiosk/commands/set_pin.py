"""`kiosk set-pin`: print the hash to put in kiosk.toml as ui.pin_hash."""
from __future__ import annotations

import argparse
import getpass
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pin", help="the new PIN (4..12 digits); asked for when omitted")


def run(args: argparse.Namespace, config) -> int:
    from kiosk.pin import hash_pin

    pin = args.pin or getpass.getpass("New PIN (4-12 digits): ")
    try:
        h = hash_pin(pin)
    except ValueError as e:
        print(f"kiosk set-pin: {e}", file=sys.stderr)
        return 2
    print(f'pin_hash = "{h}"   # put this under [ui] in kiosk.toml')
    return 0
