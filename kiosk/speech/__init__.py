"""Speech engine: quality gate, task checks, noise reduction, voice, diadochokinesis, intelligibility,
prosody (docs/metrics.md#speech-measures, docs/speech.md)."""
