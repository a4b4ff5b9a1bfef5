"""Recipe 4, a metric: a :class:`Metric` (records of one cell -> value), shown with ``leaderboard --metrics``."""

from harness.metrics import Metric


def _prediction_chars(g) -> float:
    return float(g["prediction"].str.len().mean())


PREDICTION_CHARS = Metric("prediction_chars", _prediction_chars, fmt="number", higher_is_better=None,
                          needs=("prediction",), description="Mean characters per prediction (sample plugin)")
