"""``clinic-web``: the clinic's web dashboard (issue 16; docs/clinic-server.md).

A small Django 5.2 LTS application over the clinic store (SQLite or PostgreSQL). Django
brings the security parts that must not be hand-rolled: sessions in the database,
CSRF middleware on every POST, argon2 password hashing (``argon2-cffi``), clickjacking and
content-type headers. Our own tables (clinics, memberships, device -> clinic mapping,
audit log, login throttle, site secret) live beside ``session_summaries`` under the
``web_`` prefix and are created by Django migrations; ``session_summaries`` itself is
only read, with parameterised SQL (:mod:`clinic.web.queries`).

Modules: :mod:`.settings` (configuration built from ``--db``), :mod:`.models`,
:mod:`.queries` (SQL), :mod:`.history` (payload -> progress, flags), :mod:`.charts`
(server-side SVG), :mod:`.pdf` (clinician PDF from stored summaries), :mod:`.exports`
(CSV, FHIR), :mod:`.throttle` (login lockout), :mod:`.views`, :mod:`.cli`.
"""
