"""The guided session (docs/architecture.md#guided-session): step definitions and a pure state machine."""
from kiosk.protocol.machine import (ACTIVE_PHASES, Abort, CaptureResult, DeviceBack, DeviceLost, Event, Pause, Repeat,
                                    Resume, SessionState, Skip, Start, StepOutcome, Tick, Verdict, new_session,
                                    run_events, transition)
from kiosk.protocol.steps import FACE_STEPS, SENTENCE, SPEECH_STEPS, STEPS, StepSpec, step_spec

__all__ = ["ACTIVE_PHASES", "Abort", "CaptureResult", "DeviceBack", "DeviceLost", "Event", "FACE_STEPS", "Pause",
           "Repeat", "Resume", "SENTENCE", "SPEECH_STEPS", "STEPS", "SessionState", "Skip", "Start", "StepOutcome",
           "StepSpec", "Tick", "Verdict", "new_session", "run_events", "step_spec", "transition"]
