"""Store-and-forward delivery of session summaries to the clinic server over MQTT."""
