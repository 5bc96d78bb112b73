import os

from kiosk.capture.quiet import quiet_native_stderr


def test_native_stderr_is_dropped_only_inside_the_block(capfd):
    os.write(2, b"before\n")
    with quiet_native_stderr():
        os.write(2, b"ALSA lib pcm.c: Unknown PCM cards.pcm.rear\n")   # what a C library would print
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert err == "before\nafter\n"


def test_stderr_restored_when_the_block_raises(capfd):
    try:
        with quiet_native_stderr():
            raise OSError("no device")
    except OSError:
        pass
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "still here\n"
