"""``python -m bench 100000 1000000``: generate (or reuse) each size's database, measure, print one table.

Each size has its own database, ``<bench database>_<size>`` (by default ``incidents_bench_100000`` …, derived
from ``DATABASE_URL`` + ``_bench``; ``BENCH_DATABASE_URL`` overrides), never the dev database, so a rerun
reuses what it generated (when the incident count matches; ``--regenerate`` forces it) and ``make run`` data
is never touched. Each size is measured in its own process
(Django binds one database per process). Writes ``bench/results.json`` and ``bench/results.md``.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import environ
import psycopg

HERE = Path(__file__).resolve().parent
RESULTS_JSON = HERE / "results.json"
RESULTS_MD = HERE / "results.md"
README = HERE.parent / "README.md"
README_MARKERS = ("<!-- bench:start -->\n", "<!-- bench:end -->")
DEFAULT_URL = "postgis:///incidents"


def bench_url(size: int | None = None) -> str:
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        url = os.environ.get("DATABASE_URL", DEFAULT_URL)
        head, _, name = url.rpartition("/")
        name, sep, query = name.partition("?")
        base = f"{head}/{name if name.endswith('_bench') else name + '_bench'}{sep}{query}"
    if size is None:
        return base
    head, _, name = base.rpartition("/")
    name, sep, query = name.partition("?")
    return f"{head}/{name}_{size}{sep}{query}"


def ensure_database(url: str) -> None:
    """Create the database (PostGIS comes with the first migration) if it does not exist."""
    cfg = environ.Env.db_url_config(url)
    kwargs = {k: v for k, v in {"host": cfg.get("HOST"), "port": cfg.get("PORT"), "user": cfg.get("USER"),
                                "password": cfg.get("PASSWORD")}.items() if v}  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def run_child(args: list[str], url: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("DJANGO_DEBUG", "1")
    # The bench measures the work, not the throttle: one partner pages far faster than the production rate allows.
    for name in ("API_THROTTLE_USER", "API_THROTTLE_ANON"):
        env.setdefault(name, "1000000/min")
    subprocess.run([sys.executable, "-m", "bench", *args, "--out", out], env=env, check=True, cwd=HERE.parent)
    try:
        return json.loads(Path(out).read_text())
    finally:
        os.unlink(out)


def child(args) -> None:
    import django

    django.setup()
    if args.geocoder:
        result = geocoder_rows()
    else:
        from bench.harness import measure_size, prepare_database

        prepared = prepare_database(args.size, regenerate=args.regenerate)
        result = {"prepared": prepared, "rows": measure_size(args.size, runs=args.runs)}
    Path(args.out).write_text(json.dumps(result, default=str))


def geocoder_rows() -> dict:
    """The geocoder's own rows and details (confusions, wrong-district samples): ``bench/geocoder.py`` owns them."""
    from bench.geocoder import details, run

    raw = run()
    rows = []
    for row in raw:
        if row.get("value") is None:  # samples of wrong answers: kept in the geocoder's own printout
            continue
        notes = f"unresolved {row['unresolved']}%" if row.get("unresolved") is not None else ""
        if row.get("baseline") is not None:
            notes = "PostgreSQL column: the same lookups as PostGIS queries"
        if row.get("notes"):
            notes = row["notes"]
        rows.append({
            "measure": row.get("figure", "geocoder"), "size": None, "ours": row.get("value"),
            "postgres": row.get("baseline"), "unit": row.get("unit", ""), "ratio": row.get("ratio"),
            "target": row.get("target", ""), "met": row.get("met"), "runs": 1, "notes": notes,
        })  # fmt: skip
    return {"rows": rows, "details": details(raw)}


def _cell(value, fmt="{:,.1f}") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int) and fmt == "{:,.1f}":
        return f"{value:,}"  # counts and rates measured as whole numbers: no ".0"
    if isinstance(value, int | float):
        return fmt.format(value)
    return str(value)


COLUMNS = ("measure", "size", "ours", "PostgreSQL", "ratio", "target", "met", "notes")


def _with_unit(value, unit: str) -> str:
    text = _cell(value)
    return text if text == "—" or not unit else f"{text} {unit}"


def table_rows(rows: list[dict]) -> list[list[str]]:
    return [
        [r["measure"], _cell(r.get("size"), "{:,}"), _with_unit(r.get("ours"), r.get("unit", "")),
         _with_unit(r.get("postgres"), r.get("unit", "")), _cell(r.get("ratio"), "{:.2f}×"), _cell(r.get("target")),
         _cell(r.get("met")), _cell(r.get("notes"))]
        for r in rows
    ]  # fmt: skip


def render_text(rows: list[dict]) -> str:
    body = table_rows(rows)
    widths = [max(len(c), *(len(r[i]) for r in body)) if body else len(c) for i, c in enumerate(COLUMNS)]
    widths[-1] = len(COLUMNS[-1])  # notes run on without padding
    line = "  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    return "\n".join(out)


def render_markdown(rows: list[dict], meta: dict) -> str:
    out = [
        f"Measured {meta['date']} on {meta['machine']} (medians of {meta['runs']} runs; ratio = ours / PostgreSQL).",
        "",
    ]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    for r in table_rows(rows):
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return "\n".join(out) + "\n"


def update_readme(path: Path, markdown: str) -> bool:
    """Put the table between the README's bench markers; False (and nothing written) when they are missing."""
    text = path.read_text(encoding="utf-8")
    start, end = README_MARKERS
    head, found, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        return False
    path.write_text(head + start + markdown + end + tail, encoding="utf-8")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median reported)")
    parser.add_argument("--regenerate", action="store_true", help="generate again even if the data is there")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--geocoder", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.out:  # a child process: one size (or the geocoder) against the database DATABASE_URL names
        child(args)
        return 0

    rows, prepared = [], {}
    for size in sorted(set(args.sizes)):
        url = bench_url(size)
        ensure_database(url)
        extra = ["--regenerate"] if args.regenerate else []
        result = run_child(["--size", str(size), "--runs", str(args.runs), *extra], url)
        rows += result["rows"]
        prepared[str(size)] = result["prepared"]
    first = bench_url(min(args.sizes))
    geocoder = run_child(["--geocoder"], first)
    rows += geocoder["rows"]

    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        "runs": args.runs,
        "sizes": sorted(set(args.sizes)),
        "generation": prepared,
    }
    print()
    print(render_text(rows))
    print("\nGeocoder details (UCDP GED; truth → ours):")
    print("\n".join(geocoder["details"]))
    results = {"meta": meta, "rows": rows, "geocoder_details": geocoder["details"]}
    RESULTS_JSON.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    markdown = render_markdown(rows, meta)
    details = "\n".join(f"- {line.strip()}" for line in geocoder["details"] if not line.endswith(":"))
    RESULTS_MD.write_text(f"{markdown}\n## Geocoder details (UCDP GED; truth → ours)\n\n{details}\n")
    written = [RESULTS_JSON, RESULTS_MD] + ([README] if update_readme(README, markdown) else [])
    print(f"\nwritten: {', '.join(str(p.relative_to(HERE.parent)) for p in written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
