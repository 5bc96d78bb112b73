"""Facial measurement maths on arrays: named landmarks, pose-normalised measures in mm, peak
frames, symmetry, optical-flow excursions and the session's combination into scores.

Pure maths lives in :mod:`kiosk.face.metrics`, :mod:`kiosk.face.peaks`,
:mod:`kiosk.face.symmetry`, :mod:`kiosk.face.flow` (optical flow: where each measured
point's image patch went from rest to peak, so that excursions follow the image, not the
mesh's symmetric prior) and :mod:`kiosk.face.assessment`. Nothing here runs a model: the
edge that runs the vision pipeline on a session's frames is :mod:`kiosk.session.face`.
"""
