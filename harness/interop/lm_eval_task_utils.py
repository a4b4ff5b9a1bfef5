"""Scoring and data loading for tasks exported by ``ltsc-bench export-lm-eval`` (written next to their YAMLs
as ``utils.py``; stand-alone: lm-eval runs the tasks without ltsc-bench installed).

Scores equal the harness's: ``exact_match`` is exact string equality after stripping surrounding
whitespace; ``edit_similarity`` (code tasks) is 1 - character Levenshtein distance / the longer
length, also on stripped strings. A multiple-choice document is answered by its most likely
choice. A task whose scorer is neither is scored by ltsc-bench itself (``"scorer": "harness"``
in its documents), which then must be installed.
"""

import json
import os


def load(data_file, **_):
    """The test split of one exported task: ``{"test": Dataset}`` from the JSON-lines file next to this one."""
    import datasets

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), data_file)
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {"test": datasets.Dataset.from_list(rows)}


def exact_match(prediction, target):
    return float(prediction.strip() == target.strip())


def levenshtein(a, b):
    """Character edit distance (insertions, deletions, substitutions all cost 1).

    Common prefix and suffix are dropped first; the rest uses the bit-parallel algorithm
    of Myers (1999) as given by Hyyrö (2001) for edit distance, with Python ints as bit
    vectors: O(len(a) * len(b) / word size), so whole files stay fast.
    """
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask, last = (1 << m) - 1, 1 << (m - 1)
    pv, mv, dist = mask, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & last:
            dist += 1
        elif mh & last:
            dist -= 1
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return dist


def edit_similarity(prediction, target):
    a, b = prediction.strip(), target.strip()
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - levenshtein(a, b) / longest


def _harness_scores(doc, prediction):
    from harness.tasks import build_task

    task = build_task(doc["task_spec"])
    return {"exact_match": task.score(prediction, doc["target"]), **task.extra_scores(prediction, doc["target"])}


def process_results(doc, results):
    """lm-eval's per-document hook: ``results`` is ``[text]`` (generation) or ``[(loglikelihood, greedy), ...]``."""
    if doc.get("choices"):
        scores = [r[0] for r in results]
        prediction = doc["choices"][max(range(len(scores)), key=scores.__getitem__)]
    else:
        prediction = results[0]
    if doc.get("scorer") == "harness":
        return _harness_scores(doc, prediction)
    out = {"exact_match": exact_match(prediction, doc["target"])}
    if "edit_similarity" in doc.get("extra_scores", []):
        out["edit_similarity"] = edit_similarity(prediction, doc["target"])
    return out
