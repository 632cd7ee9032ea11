from django.db import models

__all__ = ["ActorKind", "Language"]


class ActorKind(models.TextChoices):
    STATE_FORCE = "state_force", "State armed force"
    GOVERNMENT = "government", "Government or official body"
    NON_STATE_ARMED_GROUP = "non_state_armed_group", "Non-state armed group"
    INTERNATIONAL = "international", "International body"
    MEDIA = "media", "Media"
    NGO = "ngo", "NGO"
    COMMUNITY = "community", "Community or civilians"
    OTHER = "other", "Other"


class Language(models.TextChoices):
    """Languages of names and sources: ISO 639 codes."""

    ENGLISH = "en", "English"
    PASHTO = "ps", "Pashto"
    DARI = "prs", "Dari"
    URDU = "ur", "Urdu"
    ARABIC = "ar", "Arabic"
    OTHER = "und", "Other / unknown"
