"""Typed kiosk configuration (pydantic v2), loaded from TOML.

Every model forbids unknown keys, so a typo in ``kiosk.toml`` is an error with the
key's name, not a silently ignored setting. Load order: the file named by
``$KIOSK_CONFIG``, else ``device_config/kiosk.toml`` in the checkout, else defaults.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from wire.settings import BrokerSettings, StrictModel, load_toml_model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "device_config" / "kiosk.toml"


_Section = StrictModel


class DeviceConfig(_Section):
    device_id: str = Field("kiosk-dev", title="Device id", description="Unique id; MQTT topics and certificates use it", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    clinic_name: str = Field("Demo Clinic", title="Clinic name", description="Shown on reports", min_length=1, max_length=120)
    state_dir: Path = Field(Path("state"), title="State directory", description="Database, backups, reports, peak frames (relative paths are from the working directory)")
    provisioned: bool = Field(False, title="Provisioned kiosk", description="Written true by scripts/provision_device: the staff screens stay locked until ui.pin_hash is set (no demo PIN)")

    @field_validator("state_dir")
    @classmethod
    def _state_dir_usable(cls, v: Path) -> Path:
        """An existing state_dir must be a writable folder; a new one must be creatable (its nearest
        existing parent a writable folder)."""
        if v.exists():
            if not v.is_dir():
                raise ValueError(f"{v} exists and is not a directory")
            if not os.access(v, os.W_OK | os.X_OK):
                raise ValueError(f"{v} is not writable by this user")
            return v
        parent = v.absolute().parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise ValueError(f"{v} does not exist and cannot be created ({parent} is not a writable directory)")
        return v


class VisionConfig(_Section):
    model_dir: Path = Field(ROOT / "models", title="Model directory", description="Where scripts/fetch_models put the TFLite files")
    threads: int = Field(2, ge=1, le=8, title="Inference threads", description="CPU threads the vision pipeline uses: with 2 or more the two eyes' iris models run in parallel; 2 leaves cores for UI and audio on a 4-core Pi 5")
    mesh_threads: int = Field(1, ge=1, le=8, title="Mesh/detector LiteRT threads", description="XNNPACK threads inside the face mesh and detector models (at most `threads`); 1 is fastest for these small models on x86 (mesh 1.35 ms vs 1.52 ms with 2); measure with scripts/bench_vision.py on the device")
    min_detection_score: float = Field(0.5, ge=0.05, le=0.99, title="Face detection score threshold")
    min_presence: float = Field(0.5, ge=0.05, le=0.99, title="Mesh presence threshold", description="Below it, the tracker detects again")
    min_interocular_px: float = Field(60.0, ge=10, le=2000, title="Minimum interocular distance (px)", description="Closer than this: 'move closer'")
    max_yaw_deg: float = Field(12.0, ge=1, le=45, title="Max |yaw| (deg)")
    max_pitch_deg: float = Field(15.0, ge=1, le=45, title="Max |pitch| (deg)")
    min_brightness: float = Field(40.0, ge=0, le=255, title="Min mean brightness (0..255)")
    max_brightness: float = Field(220.0, ge=0, le=255, title="Max mean brightness (0..255)")
    min_sharpness: float = Field(25.0, ge=0, le=100000, title="Min Laplacian variance of the face crop", description="Variance of the Laplacian of the grey face box resized to 128 px wide; below it the frame is called blurred. Calibrated on the astronaut face: 252 sharp, 63 / 32 / 16 / 10 after a Gaussian blur of sigma 0.7 / 1 / 1.5 / 2 px")
    redetect_every_frames: int = Field(15, ge=0, le=1000, title="Face count check while tracking (frames)", description="Video only: run the face detector every N tracked frames so a second person stepping in is reported; 0 = never (as mediapipe)")
    iris_roi_reuse_tolerance: float = Field(0.1, ge=0, le=0.3, title="Iris ROI reuse tolerance (fraction of the eye ROI)", description="Video only: the iris runs on eye crops placed by the previous frame's mesh, concurrently with this frame's mesh, and is redone on the exact crop when the eye moved more than this fraction of the crop; 0 = always exact (see kiosk/vision/eyes.py)")
    iris_diameter_mm: float = Field(11.7, gt=9, lt=14, title="Visible iris diameter (mm)", description="Population mean used as the mm scale")

    @model_validator(mode="after")
    def _cross_checks(self) -> "VisionConfig":
        if self.min_brightness >= self.max_brightness:
            raise ValueError(f"min_brightness ({self.min_brightness:g}) must be below max_brightness "
                             f"({self.max_brightness:g})")
        if self.mesh_threads > self.threads:
            raise ValueError(f"mesh_threads ({self.mesh_threads}) must not exceed threads ({self.threads})")
        return self


class CameraConfig(_Section):
    source: Literal["picamera2", "opencv", "replay"] = Field("opencv", title="Camera source")
    device: str = Field("0", title="Camera device", description="OpenCV index or path; replay: a file or folder")
    width: int = Field(1280, ge=160, le=8192, title="Frame width (px)")
    height: int = Field(720, ge=120, le=8192, title="Frame height (px)")
    fps: int = Field(30, ge=1, le=120, title="Frames per second")
    store_peak_frames: bool = Field(False, title="Store peak frames", description="Keep one JPEG per expression in the state directory (needs consent)")


class AudioConfig(_Section):
    source: Literal["pyaudio", "replay"] = Field("pyaudio", title="Microphone source")
    device_name: str = Field("", title="Input device name (substring)", description="Empty: the system default input")
    sample_rate_hz: Literal[16000, 44100, 48000] = Field(48000, title="Sample rate (Hz)")
    lead_in_s: float = Field(1.0, ge=0.5, le=3.0, title="Silent lead-in (s)", description="Noise profile before each task")
    replay_path: Path | None = Field(None, title="Replay WAV file or folder", description="Used when source = 'replay': a file is one continuous stream; a folder gives one file per recording, in name order")


class UIConfig(_Section):
    fullscreen: bool = Field(True, title="Fullscreen")
    width: int = Field(800, ge=320, le=7680, title="Window width (px)")
    height: int = Field(480, ge=240, le=4320, title="Window height (px)")
    idle_timeout_s: float = Field(90.0, ge=10, le=3600, title="Idle timeout (s)", description="Back to the attract screen, patient data cleared")
    results_timeout_s: float = Field(30.0, ge=10, le=3600, title="Results shown for (s)", description="The patient's results (first name, scores) are cleared after this long without a touch")
    pin_hash: str = Field("", title="Nurse/clinician PIN hash", description="scrypt hash from `kiosk set-pin`; empty means the demo PIN 1234 (refused on a provisioned kiosk)")
    show_mesh: bool = Field(False, title="Show mesh overlay in the patient preview")
    max_retries: int = Field(2, ge=0, le=5, title="Automatic retries per step")
    volume: int = Field(70, ge=0, le=100, title="Speaker volume (%)", description="Spoken prompts and tones; 0 = silent")
    prompt_dir: Path = Field(ROOT / "prompts", title="Spoken prompt WAVs", description="Made offline by scripts/make_prompts (run by scripts/setup)")

    @field_validator("pin_hash")
    @classmethod
    def _pin_hash_format(cls, v: str) -> str:
        from kiosk.pin import pin_hash_problem
        problem = pin_hash_problem(v)
        if problem:
            raise ValueError(f"{problem}; make one with `kiosk set-pin`")
        return v


class SyncConfig(BrokerSettings):
    """The kiosk side of sync: the broker connection plus the publisher's delivery settings."""

    enabled: bool = Field(True, title="Sync enabled")
    ack_timeout_s: float = Field(30.0, gt=0, le=86400, title="Republish a row when no ack came within (s)")
    inflight_window: int = Field(20, ge=1, le=1000, title="Unacked rows in flight at most")


class ReportConfig(_Section):
    printer: str | None = Field(None, title="CUPS printer name", description="None: PDFs are saved and their path shown", pattern=r"^[^\s/\\#'\"]{1,127}$")


class KioskConfig(_Section):
    device: DeviceConfig = DeviceConfig()
    vision: VisionConfig = VisionConfig()
    camera: CameraConfig = CameraConfig()
    audio: AudioConfig = AudioConfig()
    ui: UIConfig = UIConfig()
    sync: SyncConfig = SyncConfig()
    report: ReportConfig = ReportConfig()


class ConfigError(Exception):
    """The configuration file is unreadable or invalid; the message names the file and key."""


def load_config(path: Path | str | None = None) -> KioskConfig:
    """Load and validate the kiosk configuration.

    Raises ConfigError with a readable message (file, key, problem) on a corrupt
    or invalid file; the caller decides the safe state (the CLI exits non-zero).
    """
    if path is None:
        env = os.environ.get("KIOSK_CONFIG", "").strip()
        path = Path(env) if env else (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if path is None:
        return KioskConfig()
    return load_toml_model(Path(path), KioskConfig, ConfigError)
