"""Facial metrics: named landmarks, pose-normalized measures in mm, peak frames, assessment.

Pure maths lives in :mod:`kiosk.face.metrics` and :mod:`kiosk.face.peaks`; the only module
that touches the vision pipeline is :mod:`kiosk.face.assess`.
"""
