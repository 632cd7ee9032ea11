from rest_framework import serializers

from core.api import BaseSerializer, DetailUrlField
from geo.api.serializers import AreaBriefSerializer
from reports.models import SummaryCell

__all__ = ["SummaryCellSerializer"]


class SummaryCellSerializer(BaseSerializer):
    """Figures for one area × month × category in one scope, as the workers last built them."""

    url = DetailUrlField(view_name="api:summarycell-detail")
    area = AreaBriefSerializer(read_only=True)
    pending = serializers.SerializerMethodField(help_text="An edit touched this cell; a worker is recomputing it.")

    class Meta:
        model = SummaryCell
        fields = (
            "id", "url", "display", "area", "month", "category", "scope", "incident_count", "contested_count",
            "killed_low", "killed_best", "killed_high", "civilians_low", "civilians_best", "civilians_high",
            "computed_at", "pending",
        )  # fmt: skip
        brief_fields = ("id", "url", "display")

    def get_pending(self, obj) -> bool:
        return obj.requested is not None
