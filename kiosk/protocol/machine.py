"""The guided session as a pure state machine: events in, state out.

No clock, no devices, no pygame: time arrives in ``Tick(now_s)`` events and capture
results in ``CaptureResult`` events, so every path (retry, skip, abort, device loss)
runs in unit tests. The runner (kiosk.session.runner) starts a capture whenever
``state.capture_id`` grows while ``state.phase == "capture"`` and answers it with a
``CaptureResult`` carrying the same id; results for an older id are ignored.

Phases: ``idle`` → ``instruct`` (instruction + countdown) → ``capture`` (window open)
→ ``check`` (waiting for the quality verdict) → next step, or ``retry_wait`` (the
quality prompt is shown, then ``instruct`` again) → ... → ``done``. ``device_wait``
holds the session while the step's camera or microphone is missing; ``paused`` holds it
while the nurse has the controls open; ``aborted`` ends it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Union

from kiosk.protocol.steps import STEPS, StepSpec, step_spec

Phase = Literal["idle", "instruct", "capture", "check", "retry_wait", "device_wait", "paused", "done", "aborted"]
ACTIVE: frozenset[str] = frozenset({"instruct", "capture", "check", "retry_wait", "device_wait", "paused"})
ACTIVE_PHASES = ACTIVE
DEVICE_NAMES = {"camera": "camera", "microphone": "microphone"}


@dataclass(frozen=True)
class Verdict:
    """Quality verdict of one capture (vision QualityVerdict or speech AudioQuality, reduced)."""

    ok: bool
    code: str        # "ok", "no_face", "too_quiet", "clipped", ...
    message: str     # what the patient can do, e.g. "Please move closer"


@dataclass(frozen=True)
class StepOutcome:
    """How a step ended: ``ok``, ``failed`` (retries used up) or ``skipped`` (by the nurse)."""

    name: str
    status: Literal["ok", "failed", "skipped"]
    attempts: int
    reason: str | None = None


# -- events -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    now_s: float
    steps: tuple[str, ...] | None = None   # default: every step of STEPS


@dataclass(frozen=True)
class Tick:
    now_s: float


@dataclass(frozen=True)
class CaptureResult:
    capture_id: int
    verdict: Verdict


@dataclass(frozen=True)
class Skip:
    """The nurse skips the current step."""


@dataclass(frozen=True)
class Repeat:
    """The nurse repeats ``step`` after the session (or a failed step) ended."""

    step: str


@dataclass(frozen=True)
class Pause:
    """The nurse opened the controls: hold the session; the attempt in progress is discarded."""


@dataclass(frozen=True)
class Resume:
    """The nurse closed the controls: the current step starts again from its instruction."""


@dataclass(frozen=True)
class Abort:
    reason: str = "stopped by the nurse"


@dataclass(frozen=True)
class DeviceLost:
    device: str          # "camera" | "microphone"
    message: str = ""


@dataclass(frozen=True)
class DeviceBack:
    device: str


Event = Union[Start, Tick, CaptureResult, Skip, Repeat, Abort, DeviceLost, DeviceBack, Pause, Resume]


# -- state ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionState:
    """Everything the UI needs to draw the session; times in seconds."""

    phase: Phase = "idle"
    pending: tuple[str, ...] = ()             # steps still to do, current first
    attempt: int = 0                          # 1-based attempt of the current step
    now_s: float = 0.0
    phase_started_s: float = 0.0
    max_retries: int = 2
    retry_pause_s: float = 3.0                # how long a quality prompt stays up before the retry
    check_timeout_s: float = 20.0             # no verdict within this after the window: attempt failed
    capture_id: int = 0
    message: str | None = None                # quality prompt or device message for the patient
    missing_devices: frozenset[str] = frozenset()
    outcomes: tuple[StepOutcome, ...] = ()    # in completion order; a repeat replaces the old outcome
    abort_reason: str | None = None
    total_steps: int = field(default=len(STEPS))

    @property
    def current(self) -> StepSpec | None:
        return step_spec(self.pending[0]) if self.pending and self.phase in ACTIVE else None

    @property
    def elapsed_s(self) -> float:
        return max(0.0, self.now_s - self.phase_started_s)

    @property
    def seconds_left(self) -> float:
        """Countdown (instruct), remaining capture window (capture) or prompt time (retry_wait), s."""
        spec = self.current
        if spec is None:
            return 0.0
        length = {"instruct": spec.countdown_s, "capture": spec.capture_s,
                  "retry_wait": self.retry_pause_s}.get(self.phase, 0.0)
        return max(0.0, length - self.elapsed_s)

    @property
    def step_number(self) -> int:
        """1-based number of the current step among all steps of the session."""
        return min(self.total_steps, self.total_steps - len(self.pending) + 1)

    def outcome(self, name: str) -> StepOutcome | None:
        return next((o for o in self.outcomes if o.name == name), None)


def new_session(max_retries: int = 2, *, retry_pause_s: float = 3.0, check_timeout_s: float = 20.0) -> SessionState:
    """An idle session; ``max_retries`` automatic retries per step (config.ui.max_retries)."""
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    return SessionState(max_retries=max_retries, retry_pause_s=retry_pause_s, check_timeout_s=check_timeout_s)


def transition(state: SessionState, event: Event) -> SessionState:
    """The next state after ``event``. Events that do not apply in a phase leave it unchanged."""
    if isinstance(event, Tick):
        return _tick(replace(state, now_s=max(state.now_s, event.now_s)))
    if isinstance(event, Start):
        return _start(state, event)
    if isinstance(event, CaptureResult):
        return _result(state, event)
    if isinstance(event, Skip):
        if state.phase not in ACTIVE:
            return state
        return _advance(state, StepOutcome(state.pending[0], "skipped", state.attempt, "skipped by the nurse"))
    if isinstance(event, Repeat):
        return _repeat(state, event)
    if isinstance(event, Abort):
        if state.phase in ("done", "aborted"):
            return state
        return replace(state, phase="aborted", abort_reason=event.reason, message=None, phase_started_s=state.now_s)
    if isinstance(event, Pause):
        if state.phase not in ACTIVE or state.phase == "paused":
            return state
        return _enter(state, "paused", message="Please wait for the nurse.")
    if isinstance(event, Resume):
        return _begin_step(state) if state.phase == "paused" else state
    if isinstance(event, DeviceLost):
        return _device_lost(state, event)
    if isinstance(event, DeviceBack):
        return _device_back(state, event)
    raise TypeError(f"not a session event: {event!r}")


def run_events(state: SessionState, events: list[Event]) -> SessionState:
    """Fold ``events`` into ``state`` (a convenience for tests and replays)."""
    for e in events:
        state = transition(state, e)
    return state


# -- transitions ------------------------------------------------------------------------------
def _enter(state: SessionState, phase: Phase, **changes: object) -> SessionState:
    return replace(state, phase=phase, phase_started_s=state.now_s, **changes)


def _begin_step(state: SessionState) -> SessionState:
    """Enter the first phase of ``pending[0]``: instruct, or device_wait when its device is missing."""
    spec = step_spec(state.pending[0])
    if spec.device in state.missing_devices:
        return _enter(state, "device_wait", message=_device_message(spec.device))
    return _enter(state, "instruct", message=None)


def _start(state: SessionState, event: Start) -> SessionState:
    if state.phase not in ("idle", "done", "aborted"):
        return state
    steps = tuple(event.steps) if event.steps is not None else tuple(s.name for s in STEPS)
    if not steps:
        raise ValueError("a session needs at least one step")
    for name in steps:
        step_spec(name)
    fresh = replace(state, pending=steps, attempt=1, now_s=event.now_s, outcomes=(), abort_reason=None,
                    total_steps=len(steps), message=None)
    return _begin_step(fresh)


def _tick(state: SessionState) -> SessionState:
    spec = state.current
    if spec is None:
        return state
    if state.phase == "instruct" and state.elapsed_s >= spec.countdown_s:
        return _enter(state, "capture", capture_id=state.capture_id + 1, message=None)
    if state.phase == "capture" and state.elapsed_s >= spec.capture_s:
        return _enter(state, "check")
    if state.phase == "check" and state.elapsed_s >= state.check_timeout_s:
        return _failed(state, Verdict(False, "timeout", "That took too long. Let's try again."))
    if state.phase == "retry_wait" and state.elapsed_s >= state.retry_pause_s:
        return _enter(state, "instruct")
    return state


def _result(state: SessionState, event: CaptureResult) -> SessionState:
    if state.phase not in ("capture", "check") or event.capture_id != state.capture_id:
        return state
    if event.verdict.ok:
        return _advance(state, StepOutcome(state.pending[0], "ok", state.attempt))
    return _failed(state, event.verdict)


def _failed(state: SessionState, verdict: Verdict) -> SessionState:
    if state.attempt <= state.max_retries:
        return _enter(state, "retry_wait", attempt=state.attempt + 1, message=verdict.message)
    return _advance(state, StepOutcome(state.pending[0], "failed", state.attempt, verdict.message))


def _advance(state: SessionState, outcome: StepOutcome) -> SessionState:
    outcomes = tuple(o for o in state.outcomes if o.name != outcome.name) + (outcome,)
    rest = state.pending[1:]
    if not rest:
        return _enter(state, "done", pending=(), outcomes=outcomes, attempt=0, message=None)
    return _begin_step(replace(state, pending=rest, outcomes=outcomes, attempt=1))


def _repeat(state: SessionState, event: Repeat) -> SessionState:
    step_spec(event.step)
    if state.phase != "done":
        return state
    return _begin_step(replace(state, pending=(event.step,), attempt=1, message=None))


def _device_message(device: str) -> str:
    return (f"The {DEVICE_NAMES.get(device, device)} is not connected. "
            "Please ask the nurse. We will continue when it is back.")


def _device_lost(state: SessionState, event: DeviceLost) -> SessionState:
    missing = state.missing_devices | {event.device}
    state = replace(state, missing_devices=missing)
    spec = state.current
    if spec is None or spec.device != event.device or state.phase in ("device_wait", "paused"):
        return state
    # The attempt in progress is discarded without counting against the retries.
    return _enter(state, "device_wait", message=event.message or _device_message(event.device))


def _device_back(state: SessionState, event: DeviceBack) -> SessionState:
    state = replace(state, missing_devices=state.missing_devices - {event.device})
    spec = state.current
    if state.phase != "device_wait" or spec is None or spec.device in state.missing_devices:
        return state
    return _enter(state, "instruct", message=None)
