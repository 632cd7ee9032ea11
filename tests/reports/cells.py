"""Reading summary cells back as plain data, for comparing one way of building them with another."""

from reports.models import SummaryCell

FIGURES = ("incident_count", "contested_count", "killed_low", "killed_best", "killed_high",
           "civilians_low", "civilians_best", "civilians_high")  # fmt: skip


def cell_table() -> dict[tuple, tuple]:
    """Every cell as ``{(area_id, month, category, scope): figures}``."""
    rows = SummaryCell.objects.values_list("area_id", "month", "category", "scope", *FIGURES)
    return {row[:4]: row[4:] for row in rows}


def cell(area, scope: str, *, month="2024-12-01", category="strike") -> dict:
    """One cell's figures by name (``{}`` when it does not exist)."""
    row = SummaryCell.objects.filter(area=area, month=month, category=category, scope=scope).values(*FIGURES)
    return row.first() or {}


def pending_cells() -> int:
    return SummaryCell.objects.filter(requested__isnull=False).count()
