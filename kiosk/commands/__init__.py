"""`kiosk` subcommands: one module per command, each with ``add_arguments`` and ``run``.

``run(args, config) -> int`` returns the process exit code. Modules are imported only
when their command runs, so `kiosk face` does not load pygame and `kiosk report` does
not load the vision models.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("kiosk.commands.run", "fullscreen kiosk (touch)"),
    "demo": ("kiosk.commands.demo", "synthetic patient, weekly sessions, full pipeline, PDFs, sync"),
    "face": ("kiosk.commands.face", "landmarks, iris, mm_per_px, pose, quality per image"),
    "assess": ("kiosk.commands.assess", "scores from a recorded session folder"),
    "speech": ("kiosk.commands.speech", "speech measures from one WAV"),
    "tremor": ("kiosk.commands.tremor", "head and jaw tremor (Hz, mm) from a video of a still face"),
    "report": ("kiosk.commands.report", "clinician or patient PDF for a stored session"),
    "doctor": ("kiosk.commands.doctor", "check models, camera, microphone, database, broker"),
    "set-pin": ("kiosk.commands.set_pin", "set the nurse/clinician PIN (stored hashed)"),
    "patient": ("kiosk.commands.patient", "register (add) or list patients in the kiosk database"),
}
