"""`kiosk` entry point (docs/cli.md#kiosk)."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from kiosk import __version__
from kiosk.commands import COMMANDS
from kiosk.config import ConfigError, load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Facial palsy assessment kiosk: objective facial-symmetry and speech measures. "
        "Decision support, not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--config", help="kiosk.toml to use (default: $KIOSK_CONFIG or device_config/kiosk.toml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if importlib.util.find_spec(module_name) is None:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(module_name)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"kiosk: {e}", file=sys.stderr)
        return 3
    return int(args._module.run(args, config) or 0)


if __name__ == "__main__":
    sys.exit(main())
