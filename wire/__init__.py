"""What crosses the network between a kiosk and the clinic: the session-summary schema and
the MQTT topic names, imported by both sides (docs/wire-format.md)."""
