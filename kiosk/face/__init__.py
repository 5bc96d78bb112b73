"""Facial metrics: named landmarks, pose-normalized measures in mm, peak frames, assessment.

Pure maths lives in :mod:`kiosk.face.metrics`, :mod:`kiosk.face.peaks`,
:mod:`kiosk.face.symmetry` and :mod:`kiosk.face.flow` (optical flow: where each measured
point's image patch went from rest to peak, so that excursions follow the image, not the
mesh's symmetric prior); the only module that touches the vision pipeline is
:mod:`kiosk.face.assess`.
"""
