"""The session engine: the guided session's threads (camera, analysis, audio), background
step analysis, memory housekeeping, the edges it talks to (``services``), and the one
assessment entry point (``assess``) used by the CLI, the UI and the demo."""
