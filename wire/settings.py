"""Typed settings both sides share (pydantic v2): the broker connection, and a TOML loader
that names the file and the key of every problem (docs/wire-format.md#broker)."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class StrictModel(BaseModel):
    """Unknown keys are errors (a typo is never a silent default); values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
    topic_root: str = Field("clinic", title="Topic root")
    session_expiry_s: int = Field(7 * 24 * 3600, ge=0, title="MQTT v5 session expiry (s)")
    reconnect_min_s: float = Field(0.5, gt=0, le=60, title="First reconnect delay (s)", description="Doubles per failed attempt, with random jitter")
    reconnect_max_s: float = Field(30.0, gt=0, le=600, title="Longest reconnect delay (s)")

    def tls_options(self) -> dict[str, str | None] | None:
        """Keyword arguments for :class:`wire.transport.MqttTransport`'s ``tls``, or None."""
        if not self.tls:
            return None
        return {"ca_certs": str(self.ca_file) if self.ca_file else None,
                "certfile": str(self.cert_file) if self.cert_file else None,
                "keyfile": str(self.key_file) if self.key_file else None}


M = TypeVar("M", bound=BaseModel)


def load_toml_model(path: Path, model: type[M], error: type[Exception]) -> M:
    """Read ``path`` as TOML and validate it as ``model``; raise ``error`` with file, key and problem."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise error(f"config file not found: {path}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise error(f"config file {path} is not valid TOML: {e}") from e
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise error(f"config file {path} is invalid: {problems}") from e
