"""Fullscreen pygame touch UI: theme, widgets, screens, workers; see kiosk.ui.app."""
