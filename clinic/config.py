"""Typed configuration of the clinic server (pydantic v2), loaded from ``clinic-receiver.toml``.

Load order: ``--config``, else ``$CLINIC_CONFIG``, else ``device_config/clinic-receiver.toml`` in the
checkout, else defaults. Unknown keys are errors that name the key (docs/cli.md#clinic-receiver).
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from wire.settings import BrokerSettings, StrictModel, load_toml_model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "device_config" / "clinic-receiver.toml"


class ReceiverSettings(BrokerSettings):
    """``[receiver]``: the broker connection plus where and how summaries are stored."""

    db: str = Field("state/clinic.db", title="Clinic database", description="SQLite path, or a postgresql:// URL for a multi-kiosk clinic")
    group: str | None = Field(None, title="Shared-subscription group", description="Several receivers with the same group share the load ($share/<group>/...); None: one receiver gets everything. A secret of 16-64 letters, digits, _ or -: a kiosk that can name the group could join it (device_config/acl)", pattern=r"^[A-Za-z0-9_-]{16,64}$")
    max_payload_kib: int = Field(256, ge=1, le=65536, title="Largest accepted summary (KiB)", description="Bigger payloads go to the dead-letter table")
    max_attempts: int = Field(3, ge=1, le=100, title="Deliveries before a failing message is dead-lettered", description="A message whose storing fails this often (for a reason other than the database being unavailable) goes to the dead-letter table with the error")


class ClinicConfig(StrictModel):
    receiver: ReceiverSettings = ReceiverSettings()


class ClinicConfigError(Exception):
    """The clinic configuration file is unreadable or invalid; the message names the file and key."""


def load_clinic_config(path: Path | str | None = None) -> ClinicConfig:
    """Load and validate the clinic server's configuration; raise ClinicConfigError on a bad file."""
    if path is None:
        env = os.environ.get("CLINIC_CONFIG")
        path = Path(env) if env else (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if path is None:
        return ClinicConfig()
    return load_toml_model(Path(path), ClinicConfig, ClinicConfigError)
