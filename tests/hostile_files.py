"""Hostile recordings built at test time (issue 13 items 10-11): broken WAV headers, cut-short data,
images too small or decoding to gigabytes. Shared by the tests and scripts/adversarial.py."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def wav_bytes(samples: np.ndarray, rate: int = 16000, channels: int = 1) -> bytes:
    """A canonical 16-bit PCM RIFF/WAVE file (fmt chunk then data chunk)."""
    pcm = np.round(np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(seconds: float = 1.0, rate: int = 16000, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 0.3 * np.sin(2 * np.pi * hz * t)


def hostile_wavs() -> dict[str, bytes]:
    """name -> bytes of WAVs the reader must refuse with its own error (never a traceback)."""
    good = wav_bytes(tone())
    zero_ch = bytearray(good)
    zero_ch[22:24] = struct.pack("<H", 0)
    no_data = good[:36] + b"LIST" + struct.pack("<I", 4) + b"INFO"
    bad_data = good[:36] + b"data" + struct.pack("<I", 0xFFFFFFF0) + b"\x01"
    fmt_huge = bytearray(good)
    fmt_huge[16:20] = struct.pack("<I", 0xFFFFFF00)
    return {"30_bytes": good[:30], "zero_channels": bytes(zero_ch), "no_data_chunk": no_data,
            "malformed_data_chunk": bad_data, "huge_fmt_chunk": bytes(fmt_huge), "cut_in_half": good[:44 + 16000],
            "empty": b"", "text": b"hello, not audio", "riff_only": b"RIFF\x00\x00\x00\x00WAVE"}


def png_bytes(width: int, height: int) -> bytes:
    """A grey 8-bit PNG of ``width`` x ``height`` px, all black: compresses to ~1 KB per 1 MP, so a
    30000x30000 image is under 1 MB on disk and 900 MB decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" * (width + 1)
    block_rows = min(height, 500)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)          # raw deflate: blocks can be repeated
    block = comp.compress(row * block_rows) + comp.flush(zlib.Z_FULL_FLUSH)   # byte-aligned, no back-refs
    last = height % block_rows
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    adler = 1
    for n in [block_rows] * (height // block_rows) + ([last] if last else []):
        adler = zlib.adler32(row * n, adler)
    body = block * (height // block_rows) + (tail.compress(row * last) if last else b"") + tail.flush()
    data = b"\x78\xda" + body + struct.pack(">I", adler & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(data)
    return p
