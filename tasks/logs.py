"""Log extraction over real log lines: fail2ban's test logs (Debian's ``fail2ban`` package).

fail2ban annotates its test log lines with the host each line blames (``# failJSON``);
those annotations are the ground truth. The context is a run of consecutive lines of
one log file; the question quotes the start of one line (long enough to be unique in
the run, and stopping before the host) and asks for the host it reports.
"""

from __future__ import annotations

from ..core.validate import positive_int
from ..data import corpora
from .base import Task
from .registry import tasks
from .windows import Question, Window, WindowSource, chunks, window_task

MIN_LEAD = 16  # characters of a line quoted at least


def unique_lead(line: str, others: list[str], stop: int) -> str | None:
    """The shortest word-aligned start of ``line`` (>= MIN_LEAD chars, < ``stop``) no other line starts with."""
    for end in range(MIN_LEAD, stop + 1):
        if end < len(line) and line[end - 1] != " " and line[end] != " ":
            continue  # cut only at word boundaries
        lead = line[:end].rstrip()
        if len(lead) >= MIN_LEAD and not any(o.startswith(lead) for o in others):
            return lead
    return None


def host_questions(lines: list[tuple[str, dict | None]]) -> list[Question]:
    texts = [line for line, _ in lines]
    out = []
    for i, (line, note) in enumerate(lines):
        host = str((note or {}).get("host") or "")
        at = line.find(host) if host else -1
        if at <= 0:
            continue
        lead = unique_lead(line, texts[:i] + texts[i + 1 :], at)
        if lead and host not in lead:
            out.append(
                Question(
                    f"\nQuestion: which host (IP address or name) does the log line starting with "
                    f"`{lead}` report? Answer: ",
                    host,
                    {"line": i},
                )
            )
    return out


@tasks.register("log_extract")
def log_extract(lines: int = 40, per_window: int = 8) -> Task:
    """Extract the host a given line of a real fail2ban test log reports"""
    lines, per_window = positive_int("lines", lines), positive_int("per_window", per_window)

    def windows():
        return [
            Window(f"{name}@{start}", f"Log ({name}):\n", "\n".join(text for text, _ in block), block)
            for name, entries in corpora.fail2ban_logs()
            for start, block in chunks(entries, lines, 1)
        ]

    source = WindowSource("log_extract", windows, lambda w: host_questions(w.data), per_window)
    return window_task(
        "log_extract",
        f"Host extraction from runs of up to {lines} real log lines (fail2ban test logs)",
        "Debian fail2ban package test logs (unpacked by scripts/bootstrap.sh)",
        source,
    )
