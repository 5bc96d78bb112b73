"""Speech engine: quality gate, noise reduction, voice, diadochokinesis, intelligibility (DESIGN.md section 6)."""
