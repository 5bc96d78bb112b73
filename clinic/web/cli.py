"""``clinic-web``: manage users and kiosks, and serve the dashboard (docs/clinic-server.md#clinic-web).

    clinic-web add-user USER --db DB [--role clinician|admin] [--clinic ID ...]   (password on stdin)
    clinic-web add-device DEVICE --clinic ID --db DB [--label TEXT]
    clinic-web add-clinic ID --name NAME --db DB
    clinic-web migrate --db DB
    clinic-web backup OUT --db DB          (SQLite online backup, or pg_dump --format=custom)
    clinic-web serve --db DB [--host 127.0.0.1] [--port 8080] [--workers 2] [--threads 4] [--secure]

``--db`` defaults to ``[receiver] db`` of the clinic configuration (clinic-receiver.toml).
Exit codes: 0 done, 1 refused (bad input, user exists), 3 bad configuration, 4 database unavailable.
"""
from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any


def prepare(db: str, *, secure: bool = False, migrate: bool = True) -> None:
    """Make sure the receiver's tables exist, configure Django, apply our migrations, load the secret."""
    from clinic.store import open_clinic_store
    open_clinic_store(db).close()          # the receiver's own schema (idempotent; its migrations, untouched)
    from clinic.web.settings import configure
    configure(db, secure=secure)
    if migrate:
        from django.core.management import call_command
        from django.db import connection
        from clinic.web.queries import INDEXES
        call_command("migrate", verbosity=0, interactive=False)
        with connection.cursor() as cur:
            for sql in INDEXES:
                cur.execute(sql)
    load_secret()


def load_secret() -> None:
    """The signing key shared by all workers: created once in ``web_secret``, then read by every process."""
    from django.conf import settings
    from django.db import IntegrityError, transaction
    from clinic.web.models import SiteSecret
    row = SiteSecret.objects.filter(name="signing").first()
    if row is None:
        try:
            with transaction.atomic():
                row = SiteSecret.objects.create(name="signing", value=secrets.token_urlsafe(48))
        except IntegrityError:         # another worker created it first
            row = SiteSecret.objects.get(name="signing")
    settings.SECRET_KEY = row.value


def _read_password() -> str:
    if sys.stdin.isatty():
        pw = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != pw:
            raise ValueError("the two passwords differ")
        return pw
    return sys.stdin.readline().rstrip("\r\n")


def _db(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    from clinic.config import load_clinic_config
    return load_clinic_config(args.config).receiver.db


def cmd_add_user(args: argparse.Namespace) -> int:
    from clinic.web.staff import create_user
    password = _read_password()
    create_user(args.user, password, admin=args.role == "admin", clinics=args.clinic or ["default"])
    print(f"clinic-web: user {args.user} ({args.role}) created in clinic(s) {', '.join(args.clinic or ['default'])}")
    return 0


def cmd_add_device(args: argparse.Namespace) -> int:
    from clinic.web.staff import assign_device
    assign_device(args.device, args.clinic, args.label or "")
    print(f"clinic-web: kiosk {args.device} belongs to clinic {args.clinic}")
    return 0


def cmd_add_clinic(args: argparse.Namespace) -> int:
    import re
    from clinic.web.ids import CLINIC_ID_RE
    from clinic.web.models import Clinic
    if not re.fullmatch(CLINIC_ID_RE, args.id):
        raise ValueError("clinic id: 1-64 letters, digits, _ or -")
    Clinic.objects.update_or_create(id=args.id, defaults={"name": args.name or args.id})
    print(f"clinic-web: clinic {args.id} saved")
    return 0


def cmd_serve(args: argparse.Namespace, db: str) -> int:
    """Run the dashboard under gunicorn (``--workers`` processes x ``--threads`` threads)."""
    from django.db import connections
    connections.close_all()          # nothing open across the fork
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            opts = {"bind": f"{args.host}:{args.port}", "workers": args.workers, "threads": args.threads,
                    "worker_class": "gthread", "timeout": 60, "graceful_timeout": 20, "accesslog": args.access_log,
                    "errorlog": "-", "loglevel": "warning", "proc_name": "clinic-web",
                    "forwarded_allow_ips": "127.0.0.1,::1" if args.secure else ""}
            for k, v in opts.items():
                if v is not None:
                    self.cfg.set(k, v)

        def load(self) -> Any:
            from django.core.wsgi import get_wsgi_application
            prepare(db, secure=args.secure, migrate=False)
            return get_wsgi_application()

    print(f"clinic-web: serving {_safe(db)} on http://{args.host}:{args.port}/ "
          f"({args.workers} workers x {args.threads} threads)", flush=True)
    _App().run()
    return 0


def _safe(db: str) -> str:
    """The database URL without its password, for messages."""
    from urllib.parse import urlsplit
    u = urlsplit(db)
    if u.password:
        return db.replace(":" + u.password + "@", ":***@")
    return db


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="clinic-web", description="The clinic's web dashboard")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", help="clinic database: SQLite path or postgresql:// URL (default: [receiver] db)")
        sp.add_argument("--config", help="clinic-receiver.toml (default: $CLINIC_CONFIG or device_config/...)")

    sp = sub.add_parser("add-user", help="create a user; the password is read from stdin")
    sp.add_argument("user")
    sp.add_argument("--role", choices=("clinician", "admin"), default="clinician")
    sp.add_argument("--clinic", action="append", help="clinic id (repeatable; default: default)")
    common(sp)
    sp = sub.add_parser("add-device", help="assign a kiosk to a clinic (provisioning)")
    sp.add_argument("device")
    sp.add_argument("--clinic", required=True)
    sp.add_argument("--label")
    common(sp)
    sp = sub.add_parser("add-clinic", help="create or rename a clinic")
    sp.add_argument("id")
    sp.add_argument("--name")
    common(sp)
    sp = sub.add_parser("migrate", help="create or update the dashboard's tables")
    common(sp)
    sp = sub.add_parser("backup", help="consistent backup of the clinic database while it is in use")
    sp.add_argument("out")
    common(sp)
    sp = sub.add_parser("serve", help="serve the dashboard")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8080)
    sp.add_argument("--workers", type=int, default=2, help="processes (no shared state but the database)")
    sp.add_argument("--threads", type=int, default=4, help="threads per process")
    sp.add_argument("--secure", action="store_true",
                    help="behind the TLS reverse proxy: Secure cookies, HSTS, trust X-Forwarded-Proto from 127.0.0.1")
    sp.add_argument("--access-log", default=None, help="access log file ('-' = stderr; default: none)")
    common(sp)
    args = p.parse_args(argv)
    try:
        db = _db(args)
    except Exception as e:   # ClinicConfigError names the file and key
        print(f"clinic-web: {e}", file=sys.stderr)
        return 3
    if args.cmd == "backup":
        from clinic.web.backup import backup, counts
        try:
            out = backup(db, args.out)
        except (OSError, RuntimeError) as e:
            print(f"clinic-web: backup failed: {e}", file=sys.stderr)
            return 1
        rows = ", ".join(f"{k} {v}" for k, v in counts(db).items())
        print(f"clinic-web: backup of {_safe(db)} written to {out} (source rows: {rows})")
        return 0
    try:
        prepare(db, secure=getattr(args, "secure", False))
    except Exception as e:
        print(f"clinic-web: cannot open the clinic database {_safe(db)}: {e}".splitlines()[0], file=sys.stderr)
        return 4
    try:
        if args.cmd == "add-user":
            return cmd_add_user(args)
        if args.cmd == "add-device":
            return cmd_add_device(args)
        if args.cmd == "add-clinic":
            return cmd_add_clinic(args)
        if args.cmd == "migrate":
            print("clinic-web: tables up to date")
            return 0
        return cmd_serve(args, db)
    except ValueError as e:
        print(f"clinic-web: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
