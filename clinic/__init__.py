"""The clinic server: the MQTT receiver, the clinic store (SQLite or PostgreSQL) and FHIR export."""
