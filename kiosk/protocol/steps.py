"""The guided session's steps (docs/architecture.md#guided-session), in the order they run.

Each step carries what the patient is told (written and spoken), which pictogram the UI
draws, the countdown before the capture (s) and the capture window (s). The spoken prompt
plays at the start of the countdown and must end before the soft start tone that the kiosk
plays just before the capture (kiosk.ui.sound.TONE_LEAD_S); a second tone marks the end of the
capture, so a patient with closed eyes knows when to open them. Speech steps start with a
silent lead-in (noise profile): the screen shows "Quiet, please" and then "Go!". Face windows are long enough for the
expression to reach its peak and be held; speech windows follow docs/architecture.md#guided-session
(sustained /a/ up to 15 s, repetitions 5 s) plus the 1 s silent lead-in for the noise profile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["face", "speech", "video"]


@dataclass(frozen=True)
class Pictogram:
    """What the drawn face for a step shows (kiosk.ui.pictograms draws it)."""

    eyes: Literal["open", "closed", "tight"] = "open"
    brows_raised: bool = False
    mouth: Literal["neutral", "smile", "snarl", "pucker", "open"] = "neutral"
    speech_label: str | None = None   # speech steps: the sound, drawn beside the face
    hands: Literal["none", "up", "lap"] = "none"   # Parkinson's hand steps: where the hands are


@dataclass(frozen=True)
class StepSpec:
    """One task of the guided session."""

    name: str              # file stem in a session folder (docs/cli.md#session-folder)
    kind: Kind             # "face" needs the camera, "speech" the microphone
    title: str             # short heading, large type
    instruction: str       # one or two plain sentences for the patient
    pictogram: Pictogram   # the drawn face (kiosk.ui.pictograms)
    countdown_s: float     # "get ready" time before the capture starts
    capture_s: float       # capture window; speech includes the silent lead-in
    gate: str | None = None  # speech quality-gate task: "vowel", "ddk" or "sentence" (None for faces)
    spoken: str = ""         # the spoken prompt (kiosk.ui.sound makes it into a WAV at setup)
    video: bool = False      # speech steps: the camera records a video too (spontaneous-speech expressivity)

    @property
    def device(self) -> str:
        """The device this step needs first: "camera" (face and video steps) or "microphone"."""
        return "microphone" if self.kind == "speech" else "camera"


SENTENCE = "Bob may buy a big blue map of Paris"


def _speech(label: str) -> Pictogram:
    return Pictogram(mouth="open", speech_label=label)


STEPS: tuple[StepSpec, ...] = (
    StepSpec("rest", "face", "Relax your face", "Look at the screen and keep your face still and relaxed.",
             Pictogram(), 3.0, 3.0, spoken="Look at the screen, and keep still."),
    StepSpec("brow_raise", "face", "Raise your eyebrows", "Lift both eyebrows as high as you can and hold.",
             Pictogram(brows_raised=True), 3.0, 3.0, spoken="Raise your eyebrows high, and hold."),
    # With the eyes closed the patient cannot see the screen: the start and end tones lead them.
    StepSpec("eye_close_gentle", "face", "Close your eyes gently", "At the tone, close both eyes softly, as if "
             "asleep. Open them at the second tone.", Pictogram(eyes="closed"), 5.0, 3.0,
             spoken="At the tone, close your eyes gently. Open them at the second tone."),
    StepSpec("eye_close_tight", "face", "Squeeze your eyes shut", "At the tone, squeeze both eyes shut as "
             "tightly as you can. Open them at the second tone.", Pictogram(eyes="tight"), 5.0, 3.0,
             spoken="At the tone, squeeze your eyes shut. Open them at the second tone."),
    StepSpec("smile", "face", "Big smile", "Smile widely and show your teeth.", Pictogram(mouth="smile"), 3.0, 3.0,
             spoken="Big smile, show your teeth."),
    StepSpec("snarl", "face", "Wrinkle your nose", "Wrinkle your nose and lift your upper lip.", Pictogram(mouth="snarl"), 3.0, 3.0,
             spoken="Wrinkle your nose, and lift your upper lip."),
    StepSpec("pucker", "face", "Pucker your lips", "Push your lips forward as if to whistle.", Pictogram(mouth="pucker"), 3.0, 3.0,
             spoken="Push your lips forward, as if to whistle."),
    StepSpec("vowel", "speech", "Say \"aaah\"", "Stay quiet until you see \"Go!\", then take a breath and say "
             "\"aaah\" as long as you comfortably can.", _speech("aaah"), 3.0, 16.0, "vowel",
             spoken="At Go, say aah, as long as you can."),
    StepSpec("ddk_pa", "speech", "Say \"pa pa pa\"", "Stay quiet until you see \"Go!\", then say \"pa\" again "
             "and again, as fast and clearly as you can.", _speech("pa pa"), 3.0, 6.0, "ddk",
             spoken="At Go, say pa pa pa, fast."),
    StepSpec("ddk_ta", "speech", "Say \"ta ta ta\"", "Stay quiet until you see \"Go!\", then say \"ta\" again "
             "and again, as fast and clearly as you can.", _speech("ta ta"), 3.0, 6.0, "ddk",
             spoken="At Go, say ta ta ta, fast."),
    StepSpec("ddk_ka", "speech", "Say \"ka ka ka\"", "Stay quiet until you see \"Go!\", then say \"ka\" again "
             "and again, as fast and clearly as you can.", _speech("ka ka"), 3.0, 6.0, "ddk",
             spoken="At Go, say ka ka ka, fast."),
    StepSpec("ddk_pataka", "speech", "Say \"pa-ta-ka\"", "Stay quiet until you see \"Go!\", then say "
             "\"pa-ta-ka\" again and again, as fast and clearly as you can.", _speech("pa-ta-ka"), 3.0, 6.0, "ddk",
             spoken="At Go, say pa ta ka, fast."),
    StepSpec("sentence", "speech", "Read aloud", f"Stay quiet until you see \"Go!\", then read this sentence: "
             f"\"{SENTENCE}\".", _speech("Bob may..."), 3.0, 6.0, "sentence", spoken="At Go, read the sentence aloud."),
)

#: Parkinson's protocol additions (docs/parkinson.md#protocol). "video" steps record every camera
#: frame to a video file (tremor, blinks); the spontaneous-speech step records sound and video.
#: Their countdowns are longer than the palsy steps': the spoken prompt is longer, the patient
#: needs a moment to think of what to say or to lift the hands, and the window must not open
#: while they are still moving into position.
SPONTANEOUS_PROMPT = "Tell me about your morning"
PARKINSON_STEPS: tuple[StepSpec, ...] = (
    StepSpec("sit_still", "video", "Sit still", "Look at the screen and sit still and relaxed for 20 seconds.",
             Pictogram(), 5.0, 20.0, spoken="Look at the screen, and sit still for twenty seconds."),
    StepSpec("spontaneous", "speech", SPONTANEOUS_PROMPT, "Stay quiet until you see \"Go!\", then tell us about "
             "your morning, in your own words, until the tone.", _speech("..."), 5.0, 31.0, "spontaneous",
             spoken="At Go, tell me about your morning, until the tone.", video=True),
    StepSpec("hands_up", "video", "Hands up", "Hold both hands up in front of your chest, fingers apart, "
             "until the tone.", Pictogram(hands="up"), 6.0, 15.0,
             spoken="Hold both hands up in front of your chest, until the tone."),
    StepSpec("hands_lap", "video", "Hands resting", "Rest your hands on your lap, where the camera can see "
             "them, until the tone.", Pictogram(hands="lap"), 6.0, 15.0,
             spoken="Rest your hands on your lap, in view, until the tone."),
)
VIDEO_STEPS: tuple[str, ...] = tuple(s.name for s in PARKINSON_STEPS if s.kind == "video" or s.video)

FACE_STEPS: tuple[str, ...] = tuple(s.name for s in STEPS if s.kind == "face")
SPEECH_STEPS: tuple[str, ...] = tuple(s.name for s in STEPS if s.kind == "speech")
#: The five expressions of the Sunnybrook form (voluntary movement and synkinesis), in its order:
#: forehead wrinkle, gentle eye closure, open-mouth smile, snarl, lip pucker [Ross 1996].
SUNNYBROOK_EXPRESSIONS: tuple[str, ...] = tuple(n for n in FACE_STEPS if n not in ("rest", "eye_close_tight"))
BY_NAME: dict[str, StepSpec] = {s.name: s for s in STEPS + PARKINSON_STEPS}
#: The protocols a nurse can choose (palsy is the default), as ordered step names.
PROTOCOLS: dict[str, tuple[str, ...]] = {
    "palsy": tuple(s.name for s in STEPS),
    "parkinson": ("sit_still", "spontaneous", *(s.name for s in STEPS), "hands_up", "hands_lap"),
}
PROTOCOL_LABELS: dict[str, str] = {"palsy": "Facial palsy", "parkinson": "Parkinson's"}


def step_spec(name: str) -> StepSpec:
    """The spec of step ``name``; KeyError names the unknown step."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown step {name!r}; steps are {', '.join(BY_NAME)}") from None
