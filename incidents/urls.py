"""The desk's pages. Every page needs a logged-in analyst, editor or admin; partners and users without a
role get 403 everywhere, anonymous users are sent to the login page.

Pages (GET):                                  who
  incident_list         /                     desk
  incident_create       /incidents/new/       desk (POST saves; duplicates are shown first)
  incident_detail       /incidents/<pk>/      desk (restricted: editors or whoever logged it)
  incident_edit         /incidents/<pk>/edit/ desk (published/retracted: editors only)
  incident_reconcile    /incidents/<pk>/reconcile/   editors (POST records an assessment)
  incident_history      /incidents/<pk>/history/     desk
  claim_supersede       /incidents/<pk>/claims/<claim_pk>/supersede/  desk (POST adds the revised claim)
  review_queue          /review/              editors
Actions (POST only, CSRF):
  source_add, claim_add, attribution_add, incident_place, incident_submit, incident_merge,
  mention_confirm, mention_reject                                          desk
  incident_publish, incident_send_back (note), incident_retract (reason)   editors
"""

from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="incident_create"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.IncidentEditView.as_view(), name="incident_edit"),
    path("incidents/<int:pk>/reconcile/", views.IncidentReconcileView.as_view(), name="incident_reconcile"),
    path("incidents/<int:pk>/history/", views.IncidentHistoryView.as_view(), name="incident_history"),
    path("incidents/<int:pk>/sources/add/", views.SourceAddView.as_view(), name="source_add"),
    path("incidents/<int:pk>/claims/add/", views.ClaimAddView.as_view(), name="claim_add"),
    path(
        "incidents/<int:pk>/claims/<int:claim_pk>/supersede/",
        views.ClaimSupersedeView.as_view(),
        name="claim_supersede",
    ),
    path("incidents/<int:pk>/attributions/add/", views.AttributionAddView.as_view(), name="attribution_add"),
    path("incidents/<int:pk>/place/", views.IncidentPlaceView.as_view(), name="incident_place"),
    path(
        "incidents/<int:pk>/mentions/<int:mention_pk>/confirm/",
        views.MentionConfirmView.as_view(),
        name="mention_confirm",
    ),
    path(
        "incidents/<int:pk>/mentions/<int:mention_pk>/reject/",
        views.MentionRejectView.as_view(),
        name="mention_reject",
    ),
    path("incidents/<int:pk>/merge/", views.IncidentMergeView.as_view(), name="incident_merge"),
    path("incidents/<int:pk>/submit/", views.IncidentSubmitView.as_view(), name="incident_submit"),
    path("incidents/<int:pk>/publish/", views.IncidentPublishView.as_view(), name="incident_publish"),
    path("incidents/<int:pk>/send-back/", views.IncidentSendBackView.as_view(), name="incident_send_back"),
    path("incidents/<int:pk>/retract/", views.IncidentRetractView.as_view(), name="incident_retract"),
    path("review/", views.ReviewQueueView.as_view(), name="review_queue"),
]
