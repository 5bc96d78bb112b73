"""Progress analytics over a patient's sessions (pure functions, frozen dataclasses)."""
from kiosk.analytics.feedback import DeclineFlag, Feedback, face_feedback
from kiosk.analytics.progress import (Change, Improvement, PatientHistory, SessionPoint, Trend, WeekPoint, change,
                                      history, improvement, session_point, trend, weekly)

__all__ = ["DeclineFlag", "Feedback", "face_feedback", "Change", "Improvement", "PatientHistory", "SessionPoint", "Trend", "WeekPoint", "change", "history",
           "improvement", "session_point", "trend", "weekly"]
