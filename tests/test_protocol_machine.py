"""The guided-session state machine: every path driven by events, no devices, no clock."""
from __future__ import annotations

import pytest

from kiosk.protocol import (FACE_STEPS, SPEECH_STEPS, STEPS, Abort, CaptureResult, DeviceBack, DeviceLost, Repeat,
                            Skip, Start, Tick, Verdict, new_session, step_spec, transition)

OK = Verdict(True, "ok", "")
FAR = Verdict(False, "too_far", "Please move closer")


def _to_capture(state):
    """Tick through the countdown; returns the state in the capture phase."""
    assert state.phase == "instruct"
    state = transition(state, Tick(state.now_s + state.current.countdown_s))
    assert state.phase == "capture"
    return state


def _finish(state, verdict):
    state = transition(state, Tick(state.now_s + state.current.capture_s))
    assert state.phase == "check"
    return transition(state, CaptureResult(state.capture_id, verdict))


def test_step_list_matches_design():
    assert FACE_STEPS == ("rest", "brow_raise", "eye_close_gentle", "eye_close_tight", "smile", "snarl", "pucker")
    assert SPEECH_STEPS == ("vowel", "ddk_pa", "ddk_ta", "ddk_ka", "ddk_pataka", "sentence")
    for s in STEPS:
        assert s.instruction and s.title and s.pictogram and s.countdown_s > 0 and s.capture_s > 0
    assert step_spec("vowel").capture_s >= 15 + 1          # up to 15 s phonation after 1 s lead-in
    with pytest.raises(KeyError, match="unknown step"):
        step_spec("frown")


def test_full_session_all_ok():
    s = transition(new_session(2), Start(0.0))
    assert s.phase == "instruct" and s.current.name == "rest" and s.step_number == 1
    ids = []
    while s.phase != "done":
        s = _to_capture(s)
        ids.append(s.capture_id)
        s = _finish(s, OK)
    assert ids == list(range(1, 14))
    assert [o.name for o in s.outcomes] == [x.name for x in STEPS]
    assert all(o.status == "ok" and o.attempts == 1 for o in s.outcomes)
    assert s.current is None


def test_countdown_and_seconds_left():
    s = transition(new_session(), Start(10.0))
    s = transition(s, Tick(11.0))
    assert s.phase == "instruct" and s.seconds_left == pytest.approx(2.0)
    s = transition(s, Tick(13.0))
    assert s.phase == "capture" and s.seconds_left == pytest.approx(3.0)
    s = transition(s, Tick(14.5))
    assert s.seconds_left == pytest.approx(1.5)


def test_retry_then_ok_and_retry_limit():
    s = transition(new_session(max_retries=2, retry_pause_s=3.0), Start(0.0))
    s = _finish(_to_capture(s), FAR)
    assert s.phase == "retry_wait" and s.message == "Please move closer" and s.attempt == 2
    s = transition(s, Tick(s.now_s + 2.9))
    assert s.phase == "retry_wait"
    s = transition(s, Tick(s.now_s + 0.2))
    assert s.phase == "instruct" and s.current.name == "rest"
    s = _finish(_to_capture(s), OK)
    assert s.outcome("rest").status == "ok" and s.outcome("rest").attempts == 2
    assert s.current.name == "brow_raise" and s.attempt == 1
    # three failures with max_retries=2: the step fails and the session moves on
    for expected_attempt in (1, 2, 3):
        assert s.attempt == expected_attempt
        s = _finish(_to_capture(s), FAR)
        if s.phase == "retry_wait":
            s = transition(s, Tick(s.now_s + s.retry_pause_s))
    o = s.outcome("brow_raise")
    assert o.status == "failed" and o.attempts == 3 and o.reason == "Please move closer"
    assert s.current.name == "eye_close_gentle"


def test_zero_retries_fails_at_once():
    s = transition(new_session(max_retries=0), Start(0.0, steps=("smile",)))
    s = _finish(_to_capture(s), FAR)
    assert s.phase == "done" and s.outcome("smile").status == "failed"


def test_stale_and_early_results_are_ignored():
    s = transition(new_session(), Start(0.0, steps=("rest", "smile")))
    same = transition(s, CaptureResult(0, OK))          # no capture started yet
    assert same == s
    s = _to_capture(s)
    s = transition(s, CaptureResult(s.capture_id - 1, OK))  # an older capture
    assert s.phase == "capture"
    s = transition(s, CaptureResult(s.capture_id, OK))      # verdict before the window closed
    assert s.current.name == "smile"


def test_check_timeout_counts_as_failed_attempt():
    s = transition(new_session(max_retries=1, check_timeout_s=5.0), Start(0.0, steps=("rest",)))
    s = _to_capture(s)
    s = transition(s, Tick(s.now_s + s.current.capture_s))
    s = transition(s, Tick(s.now_s + 5.0))
    assert s.phase == "retry_wait" and s.attempt == 2 and "too long" in s.message


def test_skip_by_nurse_in_any_active_phase():
    s = transition(new_session(), Start(0.0, steps=("rest", "vowel", "sentence")))
    s = transition(s, Skip())
    assert s.outcome("rest").status == "skipped" and s.current.name == "vowel"
    s = transition(transition(s, DeviceLost("microphone")), Skip())   # a dead mic can be skipped past
    assert s.outcome("vowel").status == "skipped" and s.phase == "device_wait"
    s = transition(s, Abort("patient tired"))
    assert s.phase == "aborted" and s.abort_reason == "patient tired" and s.current is None
    assert transition(s, Skip()) == s and transition(s, Abort()) == s


def test_device_lost_mid_capture_resumes_without_using_a_retry():
    s = transition(new_session(max_retries=0), Start(0.0, steps=("smile", "vowel")))
    s = _to_capture(s)
    lost_id = s.capture_id
    s = transition(s, DeviceLost("camera", "Camera unplugged"))
    assert s.phase == "device_wait" and s.message == "Camera unplugged" and "camera" in s.missing_devices
    s = transition(s, CaptureResult(lost_id, OK))             # the interrupted capture does not count
    assert s.phase == "device_wait"
    s = transition(s, Tick(100.0))
    assert s.phase == "device_wait"                            # waits as long as needed
    s = transition(s, DeviceBack("camera"))
    assert s.phase == "instruct" and s.attempt == 1 and s.current.name == "smile"
    s = _to_capture(s)
    assert s.capture_id == lost_id + 1
    s = _finish(s, OK)
    assert s.outcome("smile").attempts == 1


def test_lost_device_of_a_later_step_holds_only_that_step():
    s = transition(new_session(), Start(0.0, steps=("pucker", "vowel")))
    s = transition(s, DeviceLost("microphone"))
    assert s.phase == "instruct"                                # camera step carries on
    s = _finish(_to_capture(s), OK)
    assert s.phase == "device_wait" and s.current.name == "vowel" and "microphone" in s.message
    s = transition(s, DeviceBack("microphone"))
    assert s.phase == "instruct" and s.missing_devices == frozenset()


def test_repeat_a_failed_step_after_done():
    s = transition(new_session(max_retries=0), Start(0.0, steps=("rest", "smile")))
    s = _finish(_to_capture(s), OK)
    s = _finish(_to_capture(s), FAR)
    assert s.phase == "done" and s.outcome("smile").status == "failed"
    assert transition(s, Tick(50.0)).phase == "done"
    s = transition(s, Repeat("smile"))
    assert s.phase == "instruct" and s.current.name == "smile"
    s = _finish(_to_capture(s), OK)
    assert s.phase == "done"
    assert [(o.name, o.status) for o in s.outcomes] == [("rest", "ok"), ("smile", "ok")]


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError):
        new_session(-1)
    with pytest.raises(KeyError, match="unknown step"):
        transition(new_session(), Start(0.0, steps=("rest", "wink")))
    with pytest.raises(ValueError):
        transition(new_session(), Start(0.0, steps=()))
    with pytest.raises(TypeError):
        transition(new_session(), "go")
    s = transition(new_session(), Start(0.0))
    assert transition(s, Start(5.0)) == s                       # a second start does not reset a running session
    assert transition(new_session(), Skip()).phase == "idle"


def test_pause_by_nurse_discards_the_attempt_and_resume_restarts_the_step():
    from kiosk.protocol import Pause, Resume
    s = transition(new_session(max_retries=0), Start(0.0, steps=("smile", "vowel")))
    s = _to_capture(s)
    cid = s.capture_id
    s = transition(s, Pause())
    assert s.phase == "paused" and s.message == "Please wait for the nurse."
    assert transition(s, Pause()) == s
    assert transition(s, CaptureResult(cid, OK)).phase == "paused"         # the open capture is dropped
    assert transition(s, Tick(500.0)).phase == "paused"
    s = transition(s, DeviceLost("camera"))
    assert s.phase == "paused"                                             # stays with the nurse
    s = transition(transition(s, DeviceBack("camera")), Resume())
    assert s.phase == "instruct" and s.current.name == "smile" and s.attempt == 1
    s = transition(transition(s, Pause()), Skip())
    assert s.outcome("smile").status == "skipped" and s.current.name == "vowel"
    assert transition(new_session(), Resume()).phase == "idle"
