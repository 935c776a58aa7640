"""The measurement app: the demo (``./dev demo``), the benchmarks (``./dev bench``), and what
they share (``measure``: one migration per pattern, measured off the local cloud; ``pricing``;
``chart``). It runs the local cloud (``localcloud``); nothing here is deployed."""
