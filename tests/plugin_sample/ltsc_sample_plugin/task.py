"""Recipe 1, a task: a factory ``f(**params) -> Task`` whose examples follow the harness's split policy."""

from harness.core import validate
from harness.tasks import Example, Task
from harness.tasks.splits import SPLITS, rng, split_of

WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")


def _examples(words: int, split: str, n: int, seed: int) -> list[Example]:
    out, attempt = [], 0
    while len(out) < n:
        r = rng("echo", seed, words, attempt)
        attempt += 1
        context = " ".join(r.choice(WORDS) for _ in range(words))
        if split_of(context, 5) == split:  # content-keyed: 1 in 5 contexts is test, whatever the seed
            out.append(Example(f"echo-{split}-{len(out)}", "Words: ", context, "\nLast word: ", context.split()[-1]))
    return out


def echo(words: int = 6) -> Task:
    """Repeat the last word of a list (sample plugin task)"""
    words = validate.positive_int("words", words)
    return Task(
        name="echo",
        description="repeat the last word of a list",
        source="synthetic (seeded)",
        load=lambda split, n, seed: _examples(words, split, n, seed) if split in SPLITS else [],
        params={"words": words},
        default_sizes={"train": 200, "test": 20},
    )
