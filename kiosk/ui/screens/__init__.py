"""The kiosk's screens, by name."""
from __future__ import annotations

from typing import Any


def build_screens(app: Any) -> dict[str, Any]:
    from kiosk.ui.screens.attract import AttractScreen
    from kiosk.ui.screens.clinician import ClinicianScreen
    from kiosk.ui.screens.live import LiveScreen
    from kiosk.ui.screens.patient import PatientScreen
    from kiosk.ui.screens.pin import PinScreen
    from kiosk.ui.screens.results import ResultsScreen
    from kiosk.ui.screens.session import SessionScreen
    from kiosk.ui.screens.settings import SettingsScreen
    classes = (AttractScreen, PinScreen, PatientScreen, SessionScreen, ResultsScreen, ClinicianScreen, LiveScreen,
               SettingsScreen)
    return {c.name: c(app) for c in classes}
