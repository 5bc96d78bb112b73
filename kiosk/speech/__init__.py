"""Speech engine: quality gate, noise reduction, voice, diadochokinesis, intelligibility (docs/metrics.md#speech-measures)."""
