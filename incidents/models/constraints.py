"""Constraint builders shared by the claim and assessment models (ranges per category)."""

from itertools import combinations

from django.db import models

from incidents.choices import CLAIM_CATEGORIES

__all__ = ["ordered_range_constraints", "range_fields"]


def range_fields(suffixes: tuple[str, ...], verbose: str) -> dict[str, models.Field]:
    """``killed_min``, ``killed_max``, ``civilians_min``… as nullable non-negative integers."""
    return {
        f"{category}_{suffix}": models.PositiveIntegerField(
            null=True, blank=True, verbose_name=f"{category.replace('_', ' ')} {verbose} {suffix}"
        )
        for category in CLAIM_CATEGORIES
        for suffix in suffixes
    }


def ordered_range_constraints(prefix: str, suffixes: tuple[str, ...], categories=CLAIM_CATEGORIES) -> list:
    """For each category, ``a <= b`` for every ordered pair of suffixes, whenever both are known."""
    constraints = []
    for category in categories:
        for lo, hi in combinations(suffixes, 2):
            constraints.append(
                models.CheckConstraint(
                    condition=models.Q(**{f"{category}_{lo}__isnull": True})
                    | models.Q(**{f"{category}_{hi}__isnull": True})
                    | models.Q(**{f"{category}_{lo}__lte": models.F(f"{category}_{hi}")}),
                    name=f"{prefix}_{category}_{lo}_le_{hi}",
                    violation_error_message=f"{category.replace('_', ' ')}: {lo} must not exceed {hi}.",
                )
            )
    return constraints
