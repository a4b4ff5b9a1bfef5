"""The static results site (``ltsc-bench site``): index, leaderboards, per-example drill-down.

:mod:`.examples` rebuilds and stores what each model read (``publish`` writes ``examples.jsonl.gz``);
:mod:`.views` turns ids into displayable segments; :mod:`.folders` reads a results root; :mod:`.pages` and
:mod:`.drilldown` render; :mod:`.build` writes the site; :mod:`.browser` drives headless Chromium (tests,
screenshots).
"""

from .build import build_site  # noqa: F401
