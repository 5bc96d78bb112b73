# Facial palsy assessment kiosk. `make demo` and `make test` each set up first.
PY := .venv/bin/python
export PYTHONUNBUFFERED := 1

.PHONY: setup demo test reference bench bench-vision clean

setup:
	scripts/setup

demo: setup
	$(PY) -m kiosk.cli demo --out demo-out

test: setup
	$(PY) -m pytest -q

# Reference venv with mediapipe 0.10.21 (needs numpy < 2): only for parity fixtures and benchmarks.
reference: setup
	test -x .venv-ref/bin/python || python3.11 -m venv .venv-ref
	.venv-ref/bin/pip install -q -r scripts/requirements-ref.txt
	.venv-ref/bin/python scripts/make_reference.py

# Speech real-time factor, sync backlog (10,000 with a broker restart), UI frame rate,
# end-of-session latency and peak memory. Each prints its ratio against a reference
# measured in the same run.
bench: setup
	$(PY) scripts/bench_speech.py
	$(PY) scripts/bench_sync.py
	$(PY) scripts/bench_ui.py
	$(PY) scripts/bench_session.py

# Vision throughput and landmark agreement vs mediapipe 0.10.21 (builds .venv-ref if missing).
bench-vision: setup
	test -x .venv-ref/bin/python || $(MAKE) reference
	$(PY) scripts/bench_vision.py

clean:
	rm -rf .venv .venv-ref models/*.tflite demo-out .pytest_cache
