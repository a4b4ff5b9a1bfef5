"""One run's computation: its configuration, the cell plan, the prompt pipeline (tokenize -> compress -> check the
round trip), training, checkpoints, evaluation into records, the default suite and model-free statistics. A
backend (:mod:`harness.backends`) schedules the cells; :func:`harness.evaluate` owns the run."""
