"""A synthetic patient with signs seen in Parkinson's disease, as a session folder with known truth
(docs/parkinson.md, docs/cli.md#session-folder): for `kiosk demo --scenario parkinson` and the tests.

- ``sit_still.mp4``: a real face (kiosk.demo.synthetic_tremor on the scikit-image astronaut
  portrait) with a jaw tremor of known frequency (Hz) and amplitude (mm), slow seated sway and
  sensor noise;
- the palsy face steps: the synthetic face with both sides' movement reduced alike
  (``SyntheticSpec(affected_side="both", severity=...)``, hypomimia);
- ``spontaneous.wav``: a ~25 s passage spoken by flite, its F0 excursions scaled by Praat
  manipulation (kiosk.demo.prosody_speech; factor < 1 = monotone), after a quiet lead-in; and
  ``spontaneous.mp4``: a short clip of the reduced face moving (smile, brow raise);
- the palsy speech steps (kiosk.demo.synthetic_speech), with the sentence made monotone too;
- ``hands_lap.mp4`` / ``hands_up.mp4``: a real hand photograph (pygame's fist, beside the
  astronaut face; kiosk.demo.synthetic_hand_tremor) for each hand, the patient's right hand with a
  rest tremor of known frequency and amplitude on the lap, both hands still when held up.

Frames are small and clips short, so a demo of several weeks stays within a minute or two on
two cores; a folder that is already complete is reused (``make_session_folder`` is cached by
its parameters).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from kiosk.demo.synthetic_tremor import write_video
from kiosk.protocol.steps import FACE_STEPS

SR_HZ = 16000
PASSAGE = ("This morning I woke up early, at about half past six. I made a cup of tea and some toast, and I "
           "read the newspaper at the kitchen table. Then I fed the cat and watered the plants on the "
           "balcony. After breakfast my daughter called, and we talked about the weekend. Later I walked "
           "to the bakery at the corner to buy bread, and I met a neighbour on the way back home.")
SIT_STILL_S = 6.0           # the kiosk records 20 s; 6 s keep the demo fast (tremor needs 3 s, blinks 5 s)
HANDS_S = 4.0               # the kiosk records 15 s; tremor needs 3 s
VIDEO_FPS = 30.0
FRAME_SIZE_PX = (480, 540)  # (width, height) of the sit-still and hands videos
EYE_SPAN_PX = 220.0         # outer eye corners apart in those frames (about 0.4 mm/px)


@dataclass(frozen=True)
class ParkinsonSpec:
    """The synthetic patient's signs: jaw tremor (Hz, mm), F0 variation factor (1 = the voice's own,
    0 = flat), bilateral expression reduction (0..1), slower DDK (severity of kiosk.demo.synthetic_speech)."""

    jaw_hz: float = 5.0
    jaw_mm: float = 0.8
    f0_factor: float = 0.3
    expression_reduction: float = 0.5
    speech_severity: float = 0.2
    hand_rest_hz: float = 4.5
    hand_rest_mm: float = 1.0
    seed: int = 0

    @property
    def name(self) -> str:
        return (f"pd_jaw{self.jaw_hz:.1f}x{self.jaw_mm:.2f}_f0{self.f0_factor:.2f}_expr{self.expression_reduction:.2f}"
                f"_sev{self.speech_severity:.2f}_hand{self.hand_rest_hz:.1f}x{self.hand_rest_mm:.2f}_seed{self.seed}")


@lru_cache(maxsize=1)
def framed_face() -> tuple[np.ndarray, float, tuple[float, float], float]:
    """The astronaut portrait framed as the kiosk camera sees it: (RGB, mm/px, chin (x, y) px, mouth line y px)."""
    from skimage import data

    from kiosk.demo.synthetic_tremor import frame_face
    from kiosk.vision.pipeline import FacePipeline

    p = FacePipeline(tracking=False, with_iris=True)
    try:
        a = p.process(data.astronaut()).face
        img = frame_face(data.astronaut(), a.box_px, a.interocular_px, EYE_SPAN_PX, FRAME_SIZE_PX)
        f = p.process(img).face
    finally:
        p.close()
    return img, float(f.mm_per_px), (float(f.landmarks_px[152, 0]), float(f.landmarks_px[152, 1])), \
        float(f.landmarks_px[[13, 14], 1].mean())


def seated_video(seconds: float, spec: ParkinsonSpec, jaw: bool) -> list[np.ndarray]:
    """The framed face seated, with sway and noise, and the jaw tremor when ``jaw``."""
    from kiosk.demo.synthetic_tremor import Oscillation, TremorSpec, tremor_video

    img, mm_per_px, chin, mouth_y = framed_face()
    ts = TremorSpec(seconds=seconds, fps=VIDEO_FPS, jaw=Oscillation(spec.jaw_hz, spec.jaw_mm, 90.0) if jaw else None,
                    seed=spec.seed)
    return tremor_video(img, mm_per_px, chin, mouth_y, ts)


def expression_clip(spec: ParkinsonSpec, fps: float = VIDEO_FPS, seconds: float = 3.0) -> list[np.ndarray]:
    """Spontaneous-speech face: smiles and brow raises at the reduced amplitude (half-sine bursts)."""
    from kiosk.demo.synthetic_face import SyntheticSpec, expression_image

    face = SyntheticSpec(affected_side="both", severity=spec.expression_reduction)
    t = np.arange(int(round(seconds * fps))) / fps
    frames = []
    for tk in t:
        step = "smile" if int(tk) % 2 == 0 else "brow_raise"
        frames.append(expression_image(step, face, float(np.sin(np.pi * (tk % 1.0)))))
    return frames


def passage_speech(f0_factor: float, seed: int = 0) -> tuple[np.ndarray, float]:
    """The spontaneous passage (float32 at 16 kHz with a quiet lead-in) and its true F0 SD (st)."""
    from kiosk.demo.prosody_speech import scale_pitch_variation
    from kiosk.demo.synthetic_speech import flite_speech, with_lead_in

    x = flite_speech(PASSAGE, "slt", SR_HZ)
    s = scale_pitch_variation(x, SR_HZ, f0_factor)
    y = 0.3 * s.samples / max(float(np.max(np.abs(s.samples))), 1e-9)
    return with_lead_in(y, SR_HZ, seed=seed), s.true_f0_sd_st


def hands_video(spec: ParkinsonSpec, rest: bool) -> list[np.ndarray]:
    """Both hands in view (real photograph) for HANDS_S; at rest the right hand has the spec's tremor."""
    from kiosk.demo.synthetic_hand_tremor import HandTremorSpec, hand_tremor_video
    from kiosk.demo.synthetic_tremor import Oscillation

    right = Oscillation(spec.hand_rest_hz, spec.hand_rest_mm) if rest and spec.hand_rest_mm > 0 else None
    return hand_tremor_video(HandTremorSpec(seconds=HANDS_S, fps=VIDEO_FPS, right=right, seed=spec.seed)).frames


def make_session_folder(root: Path | str, spec: ParkinsonSpec = ParkinsonSpec()) -> Path:
    """Write (or reuse) the Parkinson's session folder of ``spec`` under ``root``; its path."""
    from kiosk.capture.audio import write_wav
    from kiosk.demo.prosody_speech import scale_pitch_variation
    from kiosk.demo.synthetic_face import SyntheticSpec, write_session
    from kiosk.demo.synthetic_speech import synthesize_patient

    folder = Path(root) / spec.name
    done = folder / ".complete"
    if done.is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    write_session(folder, SyntheticSpec(affected_side="both", severity=spec.expression_reduction), FACE_STEPS,
                  clips=True)
    audio, _ = synthesize_patient(spec.speech_severity, seed=spec.seed)
    audio["sentence"] = scale_pitch_variation(audio["sentence"], SR_HZ, spec.f0_factor).samples
    for step, x in audio.items():
        write_wav(folder / f"{step}.wav", x, SR_HZ)
    speech, _ = passage_speech(spec.f0_factor, spec.seed)
    write_wav(folder / "spontaneous.wav", speech, SR_HZ)
    write_video(folder / "spontaneous.mp4", expression_clip(spec, VIDEO_FPS), VIDEO_FPS)   # >= 20 frames/s: replayable in the UI
    write_video(folder / "sit_still.mp4", seated_video(SIT_STILL_S, spec, jaw=True), VIDEO_FPS)
    write_video(folder / "hands_lap.mp4", hands_video(spec, rest=True), VIDEO_FPS)
    write_video(folder / "hands_up.mp4", hands_video(spec, rest=False), VIDEO_FPS)
    done.write_text(spec.name + "\n")
    return folder
