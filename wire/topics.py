"""MQTT topic names shared by the kiosk publisher and the clinic receiver (docs/wire-format.md)."""
from __future__ import annotations


def session_topic(topic_root: str, device_id: str, session_id: str) -> str:
    """Where a kiosk publishes one session summary (QoS 1)."""
    return f"{topic_root}/{device_id}/sessions/{session_id}"


def ack_topic(topic_root: str, device_id: str, session_id: str) -> str:
    """Where the receiver acknowledges a stored (or dead-lettered) summary."""
    return f"{topic_root}/{device_id}/ack/{session_id}"


def status_topic(topic_root: str, device_id: str) -> str:
    """A kiosk's retained online/offline status (last will)."""
    return f"{topic_root}/{device_id}/status"
