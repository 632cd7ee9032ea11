from core.api import BaseViewSet
from reports.api.serializers import SummaryCellSerializer
from reports.filters import SummaryCellFilterSet
from reports.models import Scope, SummaryCell

__all__ = ["SummaryCellViewSet"]


class SummaryCellViewSet(BaseViewSet):
    """Summary cells, read-only. Partners read the public scope only; desk users choose with ``?scope=``.

    Without ``?scope=`` a desk user gets desk cells and anyone else public cells, so a list never mixes
    the two scopes (which would count a published incident twice).
    """

    queryset = SummaryCell.objects.select_related("area")
    serializer_class = SummaryCellSerializer
    filterset_class = SummaryCellFilterSet

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and not self.request.query_params.get("scope"):
            desk = self.request.user.has_perm("reports.view_summarycell")
            queryset = queryset.filter(scope=Scope.DESK if desk else Scope.PUBLIC)
        return queryset
