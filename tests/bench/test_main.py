"""The bench command's own logic: which database each size uses, and the table it prints."""

from bench.__main__ import bench_url, render_markdown, render_text, update_readme


def test_each_size_gets_its_own_bench_database_never_the_dev_one(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert bench_url(100000) == "postgis:///incidents_bench_100000"
    monkeypatch.setenv("DATABASE_URL", "postgis://u:p@db:5432/tracker?sslmode=disable")
    assert bench_url(1000000) == "postgis://u:p@db:5432/tracker_bench_1000000?sslmode=disable"
    monkeypatch.setenv("DATABASE_URL", "postgis:///incidents_bench")
    assert bench_url(5) == "postgis:///incidents_bench_5"
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgis:///elsewhere")
    assert bench_url(5) == "postgis:///elsewhere_5"


ROWS = [
    {"measure": "API page", "size": 100000, "ours": 90.0, "postgres": 30.0, "unit": "ms", "ratio": 3.0,
     "target": "≤ 3×", "met": True, "runs": 7, "notes": "9 queries | per page"},
    {"measure": "geocoder throughput", "size": None, "ours": 12000, "postgres": None, "unit": "texts/s",
     "ratio": None, "target": "≥ 2000", "met": True, "runs": 1, "notes": ""},
]  # fmt: skip


def test_the_table_has_one_line_per_figure_with_ratio_and_units():
    lines = render_text(ROWS).splitlines()
    assert len(lines) == 2 + len(ROWS)
    assert "100,000" in lines[2]
    assert "90.0 ms" in lines[2]
    assert "3.00×" in lines[2]
    assert "12,000 texts/s" in lines[3]  # a whole number stays whole


def test_the_markdown_table_escapes_pipes_in_notes():
    md = render_markdown(ROWS, {"date": "d", "machine": "m", "runs": 7})
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(ROWS)
    assert "9 queries \\| per page" in md
    assert all(line.count(" | ") == table[0].count(" | ") for line in table[:1] + table[2:3])


def test_the_readme_table_is_replaced_between_its_markers_and_nothing_else(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# T\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\n### After\nkept\n")
    assert update_readme(readme, "| new |\n")
    assert readme.read_text() == "# T\n\n<!-- bench:start -->\n| new |\n<!-- bench:end -->\n\n### After\nkept\n"
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n")
    assert not update_readme(plain, "| new |\n")
    assert plain.read_text() == "no markers\n"
