"""Remote control and telemetry over MQTT: a broker steers runs and reads their telemetry.

``session`` opens a run's link (``--mqtt``), ``remote`` turns messages into
engine commands between slices, ``paced`` runs headless at ``--speed``,
``control`` is ``observatory control``. See the README, "Remote control".
"""
