"""``ltsc-bench site RESULTS OUT``: a static results site (see harness/site/)."""

from __future__ import annotations


def add_parser(sub, name):
    p = sub.add_parser(
        name,
        help="write a static, browsable site of a results folder: index, sortable leaderboards, "
        "per-example views of what each compressor's model read",
    )
    p.add_argument(
        "results",
        metavar="RESULTS",
        help="a results root holding published folders (e.g. results/), or one published folder",
    )
    p.add_argument(
        "out",
        metavar="OUT_DIR",
        help="the folder to write: new, empty, or a site this command wrote, "
        "unchanged and with nothing added (it is replaced); outside RESULTS, "
        "or directly in a results root (results/site)",
    )
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..site import build_site

    files = build_site(args.results, args.out)
    print(f"wrote {len(files)} files to {args.out}; open {args.out}/index.html")
    return 0
