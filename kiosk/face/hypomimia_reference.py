"""Healthy references of the hypomimia measures. GENERATED: do not edit; regenerate with

    PYTHONPATH=. python scripts/calibrate_hypomimia.py --write

(faces: astronaut, hopper, feat_f15, feat_f1, feat_single).
PROVISIONAL: measured by this pipeline on 5 real faces (kiosk/demo/real_faces.py) making
the synthetic healthy expressions of kiosk/demo/synthetic_face.py under 5 poses; the spread is
the pipeline's over faces and poses, not people's. Needs healthy-volunteer data.

Per region (unit): the healthy sessions' n, mean, SD, min, max; the 40 % sessions' mean, max and
how many of their values fall below low:
  brow       (mm): n=50 mean 9.14 SD 0.78 min 7.47 max 10.46; 40 %: mean 3.96 max 4.49, 50/50 below low
  eye_gentle (%): n=50 mean 61.63 SD 21.02 min 30.84 max 100.00; 40 %: mean 21.14 max 37.82, 19/50 below low
  eye_tight  (%): n=50 mean 61.83 SD 22.87 min 29.94 max 100.00; 40 %: mean 21.77 max 39.41, 9/50 below low
  smile      (mm): n=50 mean 9.59 SD 0.74 min 7.96 max 10.91; 40 %: mean 4.15 max 4.60, 50/50 below low
  snarl      (mm): n=40 mean 4.26 SD 0.68 min 3.14 max 5.14; 40 %: mean 1.99 max 2.41, 50/50 below low
  pucker     (mm): n=50 mean 8.39 SD 0.93 min 6.36 max 9.53; 40 %: mean 3.69 max 4.07, 50/50 below low
Spontaneous expressivity (mm/s): full [6.07, 5.29, 5.66, 5.41, 5.6]
  40 % [2.88, 2.31, 2.9, 2.76, 2.42]; still [0.97, 1.28, 0.97, 1.71, 0.94]
"""
from kiosk.analytics.parkinson import Reference

FACES = ('astronaut', 'hopper', 'feat_f15', 'feat_f1', 'feat_single')
SOURCE = (
    'measured by this pipeline on 5 real faces with synthetic healthy expressions '
    '(kiosk/demo/synthetic_face.py amplitudes; 5 poses): typical = mean, range mean +- 2 SD (at'
    ' least 10 % beyond the extremes); provisional, needs healthy-volunteer data')
EXPRESSION: dict[str, Reference] = {
    "brow": Reference(9.14, 6.72, 11.50, "low", SOURCE, True),
    "eye_gentle": Reference(61.63, 19.60, 100.00, "low", SOURCE, True),
    "eye_tight": Reference(61.83, 16.09, 100.00, "low", SOURCE, True),
    "smile": Reference(9.59, 7.16, 12.01, "low", SOURCE, True),
    "snarl": Reference(4.26, 2.83, 5.65, "low", SOURCE, True),
    "pucker": Reference(8.39, 5.72, 10.49, "low", SOURCE, True),
}
JITTER_FLOOR_MM_S = 1.71   # still face with sensor noise: highest of the faces
EXPRESSIVITY_SOURCE = (
    'provisional: upper-face RMS speed of synthetic healthy expressions (brow raise, smile, '
    'snarl, one every 1.15 s) on 5 real faces; direction from Novotny 2022 and Bandini 2017 '
    "(less facial motion in Parkinson's disease); not a healthy-volunteer norm for talking "
    'faces')
EXPRESSIVITY = Reference(5.61, 4.76, 6.68, "low", EXPRESSIVITY_SOURCE, True)
