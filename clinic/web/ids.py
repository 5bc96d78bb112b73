"""Identifiers shared by the models, the queries and the CLI (no Django import here)."""

DEFAULT_CLINIC = "default"          # the clinic of every kiosk no admin assigned
CLINIC_ID_RE = r"^[A-Za-z0-9_-]{1,64}$"
DEVICE_ID_RE = r"^[A-Za-z0-9_-]{1,64}$"   # as wire.schema's device id
