"""Fullscreen pygame touch UI: theme, widgets, drawing and screens; see kiosk.ui.app.
The session engine it drives lives in :mod:`kiosk.session`."""
