"""Recipe 4, a metric: a :class:`Metric` (records of one cell -> value). Its ``place`` puts it on every leaderboard
(JSON rows, the table and the site) after the built-in columns; without one, ``leaderboard --metrics`` shows it."""

from harness.results.metrics import Metric, Place


def _prediction_chars(g) -> float:
    return float(g["prediction"].str.len().mean())


PREDICTION_CHARS = Metric(
    "prediction_chars",
    _prediction_chars,
    fmt="number",
    higher_is_better=None,
    needs=("prediction",),
    description="Mean characters per prediction (sample plugin)",
    place=Place("prediction chars", order=300),
)
