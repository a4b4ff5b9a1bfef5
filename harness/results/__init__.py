"""What a run leaves on disk and how it is read, measured and shown: records and the run lock, the folder layouts,
the metrics registry, the leaderboard and its tables and plots, the regression gate (``compare``), provenance and
``publish``."""
