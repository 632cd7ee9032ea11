from django.db import models

__all__ = [
    "AssessmentGrade", "AttributionRole", "Category", "Confidence", "Credibility", "DatePrecision",
    "IncidentKind", "MentionStatus", "Reliability", "Sensitivity", "SourceKind", "Status", "CLAIM_CATEGORIES",
]  # fmt: skip


class Category(models.TextChoices):
    STRIKE = "strike", "Strike"
    MILITANT_ATTACK = "militant_attack", "Militant attack"
    OTHER = "other", "Other"


class IncidentKind(models.TextChoices):
    AIRSTRIKE = "airstrike", "Airstrike"
    DRONE_STRIKE = "drone_strike", "Drone strike"
    SHELLING = "shelling", "Artillery / cross-border shelling"
    GROUND_CLASH = "ground_clash", "Ground clash"
    CROSS_BORDER_RAID = "cross_border_raid", "Cross-border raid"
    IED = "ied", "IED"
    SUICIDE_ATTACK = "suicide_attack", "Suicide attack"
    TARGETED_KILLING = "targeted_killing", "Targeted killing"
    ABDUCTION = "abduction", "Abduction"
    OTHER = "other", "Other"

    @property
    def category(self) -> "Category":
        return KIND_CATEGORY[self]


# A state force hitting a target (often across the border) is a strike; the rest is what militants do.
KIND_CATEGORY = {
    IncidentKind.AIRSTRIKE: Category.STRIKE,
    IncidentKind.DRONE_STRIKE: Category.STRIKE,
    IncidentKind.SHELLING: Category.STRIKE,
    IncidentKind.GROUND_CLASH: Category.MILITANT_ATTACK,
    IncidentKind.CROSS_BORDER_RAID: Category.MILITANT_ATTACK,
    IncidentKind.IED: Category.MILITANT_ATTACK,
    IncidentKind.SUICIDE_ATTACK: Category.MILITANT_ATTACK,
    IncidentKind.TARGETED_KILLING: Category.MILITANT_ATTACK,
    IncidentKind.ABDUCTION: Category.MILITANT_ATTACK,
    IncidentKind.OTHER: Category.OTHER,
}


class DatePrecision(models.TextChoices):
    """As UCDP ``date_prec`` / ACLED ``time_precision``."""

    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Sensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    RESTRICTED = "restricted", "Restricted"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class SourceKind(models.TextChoices):
    NEWS = "news", "News report"
    OFFICIAL = "official", "Official statement"
    POST = "post", "Social media post"
    UN_NGO = "un_ngo", "UN or NGO report"
    FIELD = "field", "Field report"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    """Source reliability, as in the Admiralty (NATO) system."""

    A = "A", "A – Completely reliable"
    B = "B", "B – Usually reliable"
    C = "C", "C – Fairly reliable"
    D = "D", "D – Not usually reliable"
    E = "E", "E – Unreliable"
    F = "F", "F – Reliability cannot be judged"


class Credibility(models.IntegerChoices):
    """Credibility of the information, as in the Admiralty (NATO) system."""

    CONFIRMED = 1, "1 – Confirmed by other sources"
    PROBABLY_TRUE = 2, "2 – Probably true"
    POSSIBLY_TRUE = 3, "3 – Possibly true"
    DOUBTFUL = 4, "4 – Doubtful"
    IMPROBABLE = 5, "5 – Improbable"
    CANNOT_JUDGE = 6, "6 – Truth cannot be judged"


class AttributionRole(models.TextChoices):
    PERPETRATOR = "perpetrator", "Perpetrator"
    TARGET = "target", "Target"
    CLAIMED = "claimed_responsibility", "Claimed responsibility"
    DENIED = "denied_responsibility", "Denied responsibility"
    ACCUSED = "accused", "Accused"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class MentionStatus(models.TextChoices):
    """A person's word on a place the geocoder found in an incident's text."""

    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class AssessmentGrade(models.TextChoices):
    """After Airwars' grading of civilian-harm claims."""

    CONFIRMED = "confirmed", "Confirmed"
    FAIR = "fair", "Fair"
    WEAK = "weak", "Weak"
    CONTESTED = "contested", "Contested"
    DISCOUNTED = "discounted", "Discounted"


# The breakdowns a claim and an assessment carry, each as a killed range; "killed" is the total.
CLAIM_CATEGORIES = ("killed", "civilians", "militants", "security_forces", "women", "children")
