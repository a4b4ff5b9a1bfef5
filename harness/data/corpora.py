"""Offline, real data sources for the tasks, read from installed packages at run time.

Nothing here is downloaded at run time and no third-party data is committed:

- CPython standard-library source files, pinned by a manifest of SHA-256 hashes
  (the files differ between Python versions; a mismatch is a one-line error);
- TPC-H tables and TPC-H / TPC-DS queries from duckdb's ``tpch``/``tpcds`` extensions
  (the extension files ship in the ``duckdb-extension-*`` wheels and are LOADed by path);
- ISO code lists as JSON: Debian's ``iso-codes`` package when present, else the copy
  bundled in ``pycountry``; vega-datasets' JSON files;
- real log lines from fail2ban's test suite, unpacked from Debian's ``fail2ban``
  package into the cache by ``scripts/bootstrap.sh``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import platform
import re
import sysconfig
from pathlib import Path

from ..core.errors import HarnessError, missing_package

# -- CPython standard library ------------------------------------------------------------

#: Python version the manifest was pinned on, and sha256 of each file (relative to the stdlib dir)
STDLIB_PYTHON = "3.11.7"
STDLIB_MANIFEST = {
    "argparse.py": "dc1eba8adfdf615986421f981337458ba1072d3e718a0f76e3224940fd74118b",
    "calendar.py": "b3b140864fd122a575ffcc9342b824fbe4f8a38fdf3f4fcd964f26e52725358f",
    "configparser.py": "4a70cecccb55031a413b79e6ced2e63ca031f770cd25a4882980ecdeab67f6ff",
    "csv.py": "6c68a5186e3b85e6e267a7ef96479327a45ae2b40bf5e9f2017e4b2282b3f5b1",
    "dataclasses.py": "4b7e1c99ebea53b546317d218a0261895a1769f83a6b95dc0136f13578066a7f",
    "difflib.py": "0c6afc23568d55b3e9ac914f9c5361e3033e778aa5b58d3cc82835fc5c638679",
    "fractions.py": "b11e850e354808b882d13a70a911c29accd1dbdd41757566704e3b7206c74edb",
    "ftplib.py": "672300f448249dfd7825369e47111c37b8aa5355ef0a10df3226bd5f849e538e",
    "gettext.py": "a5c249a522b6b8e3aa6f1b12a8bcc09508b99ad612b58d2fc973db27ea3b7cc3",
    "heapq.py": "6d43277e5c76fc0f073cd388fcff852d14d068f6bb6d4886c340f8b75a1229a9",
    "imaplib.py": "dc3be105fb6b3e28074c4dbe0d4177c8445a803b5a935f3c4bbfe77701259c39",
    "ipaddress.py": "b157f2f318650698ac4cb81f41ece82a7a860f264c24cfc8dcc538977709ced3",
    "json/decoder.py": "9f02654649816145bc76f8c210a5fe3ba1de142d4d97a1c93105732e747c285b",
    "json/encoder.py": "7c358788fbb2a6a07f66f1f8446c52396f35fc201108f666d5be002d86f31af2",
    "logging/handlers.py": "be46fd2e31d5beda6b87808ebe1b9912110fd8beb15d7998ed0b235be3215bfd",
    "netrc.py": "6394e8e650d04c26ed20b6058d5e93119f544ef1bd00aefb942297d2e2f6c7e1",
    "optparse.py": "07d224301cba312fa0697bff9cd5a4bb4f778a90629632091b3f4ae874d89af5",
    "pprint.py": "0b67dbc8af449d8ced3acd9df902e98c2dbc56c8f2a7a181c51cc72768db621f",
    "queue.py": "f6c37fc37cd7440979f7d22d40ee818fa3b714c573610c08fa52911d541193f0",
    "shlex.py": "42ab6060f316e121e374e6621d8c1c98b8db323903c3df289a810c45a8ae46a7",
    "statistics.py": "889a066f1b8063e73387ceb84018efc507a89b365b56c6afb9cc15b2ed25c2d9",
    "string.py": "24aeae1f0526250f442022022bf98df9a823b1cb330543ee79e70e44907462e9",
    "textwrap.py": "62867e40cdea6669b361f72af4d7daf0359f207c92cbeddfc7c7506397c1f31c",
    "tokenize.py": "79aa94ebe1761811ea9b2da2ada409a8cb9abd7c6eac241d0c181a36684bb609",
    "urllib/parse.py": "0e67e2f5a301d0b573698e75a4e2d37c843b48cfe0e29fef894eda90d2189c27",
    "uuid.py": "e936b632e7b14cbdad7da077edf59d1de77f5a4c8507a5e7d0028b1d336d9883",
    "smtplib.py": "b154e27998d0ef0b32fcc665299cdb30883ffe039ede3c4faac3a9db6618d35d",
    "tarfile.py": "d6957647c11b6592e58e37d4e9f02f6cf9ee695cb0653b1072b542b8afac700d",
    "sched.py": "edfb309483d7cb05e06ad86d1fdeb819629f71402dc6710a1bec36c7afcaac50",
    "bisect.py": "e5b2ff166f48a06e70ae831d8c9b47283fcd0c254306eee12d3dae9c55e11526",
}


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


@functools.cache
def stdlib_file(relpath: str) -> str:
    """Text of one pinned stdlib file, verified against the manifest."""
    if relpath not in STDLIB_MANIFEST:
        raise HarnessError(
            f"{relpath!r} is not in the pinned stdlib manifest; valid files: {', '.join(STDLIB_MANIFEST)}"
        )
    path = stdlib_dir() / relpath
    try:
        data = path.read_bytes()
    except OSError:
        raise HarnessError(
            f"CPython standard-library file {path} is missing; use a full CPython {STDLIB_PYTHON} install"
        ) from None
    if hashlib.sha256(data).hexdigest() != STDLIB_MANIFEST[relpath]:
        raise HarnessError(
            f"{path} differs from the pinned manifest (pinned on CPython {STDLIB_PYTHON}, this is {platform.python_version()}); "
            f"run the code tasks on CPython {STDLIB_PYTHON} so their data is the pinned one"
        )
    return data.decode("utf-8")


def stdlib_files() -> list[tuple[str, str]]:
    """(relative path, text) of every pinned file, in manifest order."""
    return [(rel, stdlib_file(rel)) for rel in STDLIB_MANIFEST]


# -- duckdb TPC-H / TPC-DS -----------------------------------------------------------------


def _extension_file(name: str) -> Path:
    import duckdb

    pkg = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        raise missing_package(f"duckdb-extension-{name}=={duckdb.__version__}", f"the {name.upper()} data")
    path = (
        Path(list(spec.submodule_search_locations)[0])
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{name}.duckdb_extension"
    )
    if not path.is_file():
        raise HarnessError(
            f"{path} is missing: duckdb-extension-{name} must match duckdb {duckdb.__version__}; "
            f"run: pip install duckdb-extension-{name}=={duckdb.__version__}"
        )
    return path


def duckdb_with(name: str):
    """A fresh in-memory duckdb connection with the ``tpch`` or ``tpcds`` extension loaded from its wheel."""
    try:
        import duckdb
    except ImportError:
        raise missing_package("duckdb", "the TPC-H / TPC-DS data") from None
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"LOAD '{_extension_file(name)}'")
    return con


@functools.cache
def tpch_table(table: str, sf: float = 0.01) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of one TPC-H table generated by ``CALL dbgen(sf=...)``."""
    con = duckdb_with("tpch")
    con.execute(f"CALL dbgen(sf={float(sf)})")
    tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
    if table not in tables:
        raise HarnessError(f"unknown TPC-H table {table!r}; valid tables: {', '.join(tables)}")
    cur = con.execute(f"SELECT * FROM {table} ORDER BY ALL")
    return [d[0] for d in cur.description], cur.fetchall()


@functools.cache
def benchmark_queries(suite: str) -> list[tuple[str, str]]:
    """(name, SQL) of the 22 TPC-H or 99 TPC-DS queries shipped in duckdb's extensions."""
    if suite not in ("tpch", "tpcds"):
        raise HarnessError(f"unknown query suite {suite!r}; use 'tpch' or 'tpcds'")
    con = duckdb_with(suite)
    return [
        (f"{suite} q{nr}", sql)
        for nr, sql in con.execute(f"SELECT query_nr, query FROM {suite}_queries() ORDER BY 1").fetchall()
    ]


# -- JSON: ISO codes, vega datasets --------------------------------------------------------

ISO_DEBIAN_DIR = Path("/usr/share/iso-codes/json")


@functools.cache
def iso_codes(standard: str) -> tuple[list[dict], str]:
    """Records of one ISO list (``3166-1``, ``639-3``, ``4217``...) and the file they came from."""
    debian = ISO_DEBIAN_DIR / f"iso_{standard}.json"
    if debian.is_file():
        path = debian
    else:
        spec = importlib.util.find_spec("pycountry")
        if spec is None or not spec.submodule_search_locations:
            raise missing_package("pycountry", "the ISO code data (or install Debian's iso-codes package)")
        path = Path(list(spec.submodule_search_locations)[0]) / "databases" / f"iso{standard}.json"
        if not path.is_file():
            raise HarnessError(f"no ISO {standard} list in Debian's iso-codes or pycountry ({path})")
    return json.loads(path.read_text(encoding="utf-8"))[standard], str(path)


@functools.cache
def vega_json(name: str) -> tuple[list[dict], str]:
    """Records of one JSON file bundled in ``vega-datasets`` (installed ``--no-deps``, never imported)."""
    spec = importlib.util.find_spec("vega_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise missing_package("vega-datasets", "the vega JSON data", "pip install --no-deps vega-datasets==0.9.0")
    path = Path(list(spec.submodule_search_locations)[0]) / "_data" / f"{name}.json"
    if not path.is_file():
        raise HarnessError(f"vega-datasets has no bundled {name}.json")
    return json.loads(path.read_text(encoding="utf-8")), str(path)


# -- fail2ban test logs ----------------------------------------------------------------------

_F2B_LOGS = "usr/lib/python3/dist-packages/fail2ban/tests/files/logs"


def fail2ban_logs_dir() -> Path:
    """Where the fail2ban test logs are: ``$LTSC_FAIL2BAN_LOGS``, the bootstrap cache, or an installed fail2ban."""
    from ..core.env import cache_dir

    candidates = [Path(p) for p in [os.environ.get("LTSC_FAIL2BAN_LOGS")] if p]
    candidates += [cache_dir() / "fail2ban" / _F2B_LOGS, Path("/") / _F2B_LOGS]
    for path in candidates:
        if path.is_dir():
            return path
    raise HarnessError(
        f"fail2ban's test logs are not under {candidates[-2]}; run scripts/bootstrap.sh (it unpacks Debian's fail2ban "
        "package there: apt-get download fail2ban && dpkg -x fail2ban_*.deb DIR), or set LTSC_FAIL2BAN_LOGS"
    )


_FAIL_JSON = re.compile(r"^#\s*failJSON:\s*(\{.*\})\s*$")


@functools.cache
def fail2ban_logs() -> list[tuple[str, list[tuple[str, dict | None]]]]:
    """Per log file (sorted by name): its log lines, each with fail2ban's ``failJSON`` annotation or None.

    Comment and blank lines are dropped; an annotation applies to the next log line.
    """
    root = fail2ban_logs_dir()
    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a few files are binary or latin-1 fixtures; real-text logs only
        lines, pending = [], None
        for line in text.splitlines():
            m = _FAIL_JSON.match(line)
            if m:
                try:
                    pending = json.loads(m.group(1))
                except ValueError:
                    pending = None
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            lines.append((line, pending))
            pending = None
        if lines:
            out.append((str(path.relative_to(root)), lines))
    return out
