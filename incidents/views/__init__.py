"""The desk's pages: thin views over ``incidents.services``; who may do what is checked here, per role.

Every page needs a logged-in user with a desk role (analyst, editor, admin): anonymous users are sent to the
login page, partners and users without a role get 403. Incidents are always looked up through
``Incident.objects.visible_to(user)``, so a restricted incident an analyst may not see is a 404, not a leak.
Every write goes through a service, which validates first: bad input re-renders the form with the errors
next to the field, and nothing partial is saved.

One module per page family: ``lists`` (the list, the review queue), ``editing`` (log, edit), ``detail`` (the
incident page), ``evidence`` (what that page posts), ``workflow`` (submit, publish, send back, retract, merge),
``reconcile``, ``history``; ``base`` holds the access mixins and the helpers two families share.
"""

from incidents.views.base import DeskMixin, EditorMixin, IncidentMixin, PostOnlyMixin
from incidents.views.detail import IncidentDetailView, render_detail
from incidents.views.editing import IncidentCreateView, IncidentEditView
from incidents.views.evidence import (
    AttributionAddView,
    ClaimAddView,
    ClaimSupersedeView,
    EvidenceAddView,
    IncidentPlaceView,
    MentionActionView,
    MentionConfirmView,
    MentionRejectView,
    SourceAddView,
)
from incidents.views.history import IncidentHistoryView
from incidents.views.lists import IncidentListView, ReviewQueueView
from incidents.views.reconcile import IncidentReconcileView
from incidents.views.workflow import (
    IncidentMergeView,
    IncidentPublishView,
    IncidentRetractView,
    IncidentSendBackView,
    IncidentSubmitView,
    NoteTransitionView,
)

__all__ = [
    "AttributionAddView", "ClaimAddView", "ClaimSupersedeView", "DeskMixin", "EditorMixin", "EvidenceAddView",
    "IncidentCreateView", "IncidentDetailView", "IncidentEditView", "IncidentHistoryView", "IncidentListView",
    "IncidentMergeView", "IncidentMixin", "IncidentPlaceView", "IncidentPublishView", "IncidentReconcileView",
    "IncidentRetractView", "IncidentSendBackView", "IncidentSubmitView", "MentionActionView", "MentionConfirmView",
    "MentionRejectView", "NoteTransitionView", "PostOnlyMixin", "ReviewQueueView", "SourceAddView", "render_detail",
]  # fmt: skip
