"""Typed settings both sides share (pydantic v2): the broker connection, and a TOML loader
that names the file and the key of every problem (docs/wire-format.md#broker)."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_CONFIG_BYTES = 1 << 20
# An MQTT topic root: levels of letters, digits, '_' and '-' joined by '/'; no wildcard (+ #), no '$'
# prefix (broker-internal topics), no empty level (docs/wire-format.md#topics).
TOPIC_ROOT_PATTERN = r"^[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64}){0,7}$"


class StrictModel(BaseModel):
    """Unknown keys are errors (a typo is never a silent default); values are frozen; every float is
    finite (``inf``/``nan`` in a threshold or timeout is refused with the key named)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BrokerSettings(StrictModel):
    """How to reach the clinic's Mosquitto; the kiosk's ``[sync]`` and the receiver's ``[receiver]``."""

    host: str = Field("127.0.0.1", title="Broker host")
    port: int = Field(1883, ge=1, le=65535, title="Broker port")
    tls: bool = Field(False, title="Use TLS", description="Required in production (port 8883, client certificate)")
    ca_file: Path | None = Field(None, title="CA certificate")
    cert_file: Path | None = Field(None, title="Client certificate")
    key_file: Path | None = Field(None, title="Client key")
    username: str | None = Field(None, title="Username (tests only; production uses the certificate)")
    password: str | None = Field(None, title="Password (tests only)")
    topic_root: str = Field("clinic", title="Topic root", pattern=TOPIC_ROOT_PATTERN,
                            description="Levels of A-Z a-z 0-9 _ - joined by '/': no wildcard, no '$', no empty level")
    session_expiry_s: int = Field(7 * 24 * 3600, ge=0, le=2**32 - 1, title="MQTT v5 session expiry (s)")
    reconnect_min_s: float = Field(0.5, gt=0, le=60, title="First reconnect delay (s)", description="Doubles per failed attempt, with random jitter")
    reconnect_max_s: float = Field(30.0, gt=0, le=600, title="Longest reconnect delay (s)")

    @model_validator(mode="after")
    def _reconnect_order(self) -> "BrokerSettings":
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(f"reconnect_min_s ({self.reconnect_min_s:g}) must not exceed reconnect_max_s "
                             f"({self.reconnect_max_s:g})")
        return self

    def tls_options(self) -> dict[str, str | None] | None:
        """Keyword arguments for :class:`wire.transport.MqttTransport`'s ``tls``, or None."""
        if not self.tls:
            return None
        return {"ca_certs": str(self.ca_file) if self.ca_file else None,
                "certfile": str(self.cert_file) if self.cert_file else None,
                "keyfile": str(self.key_file) if self.key_file else None}


M = TypeVar("M", bound=BaseModel)


def load_toml_model(path: Path, model: type[M], error: type[Exception]) -> M:
    """Read ``path`` as TOML and validate it as ``model``; raise ``error`` with file, key and problem.

    Only a regular file is opened (a folder is refused, a FIFO or device would block or never end);
    at most MAX_CONFIG_BYTES are read."""
    if not path.exists():
        raise error(f"config file not found: {path}")
    if not path.is_file():
        raise error(f"config file {path} is not a regular file (a folder, FIFO or device)")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise error(f"config file {path} cannot be read: {e.strerror or e}") from e
    if len(raw) > MAX_CONFIG_BYTES:
        raise error(f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KB: not a configuration")
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise error(f"config file {path} is not valid TOML: {e}") from e
    except RecursionError as e:
        raise error(f"config file {path} is nested too deeply to be a configuration") from e
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                             for err in e.errors())
        raise error(f"config file {path} is invalid: {problems}") from e
    except RecursionError as e:
        raise error(f"config file {path} is nested too deeply to be a configuration") from e
