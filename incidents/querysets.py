"""Who may see what: one method per queryset, used by every page, list, export, tile and endpoint."""

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q

from incidents.choices import Sensitivity, Status

__all__ = ["AttributionQuerySet", "ClaimQuerySet", "IncidentQuerySet", "SourceQuerySet"]


def can_see_restricted(user) -> bool:
    return user.is_authenticated and user.has_perm("incidents.view_restricted")


def is_desk(user) -> bool:
    """Analysts, editors and admins: people who work on drafts."""
    return user.is_authenticated and user.has_perm("incidents.view_incident")


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What this user may read.

        Editors (and admins): everything. Analysts: every public incident, and the restricted ones
        they logged themselves. Partners and anyone else: published and public only.
        """
        if can_see_restricted(user):
            return self
        if is_desk(user):
            return self.filter(Q(sensitivity=Sensitivity.PUBLIC) | Q(created_by=user))
        if user.is_authenticated:
            return self.published()
        return self.none()

    def published(self):
        """What partners may read: published, public, and not merged into another incident."""
        return self.filter(status=Status.PUBLISHED, sensitivity=Sensitivity.PUBLIC, merged_into__isnull=True)

    def live(self):
        """Not retracted and not merged into another incident."""
        return self.exclude(status=Status.RETRACTED).filter(merged_into__isnull=True)

    def for_list(self):
        return self.select_related("district", "province", "created_by").defer(*_AREA_GEOMETRY)

    def for_api(self, user):
        """Everything the API's incident serializer renders, in a fixed number of queries whatever the page size.

        Claims, attributions and sources are prefetched through their own ``visible_to(user)``, so a row citing
        a source this user may not see is never loaded, let alone rendered.
        """
        from incidents.models import Assessment, Attribution, CasualtyClaim, Source

        # Columns no serializer renders are never loaded: a source's stored text can be a whole article, and
        # parsing the related rows' bookkeeping timestamps took ~15% of a 100-incident page's CPU.
        unrendered = ("created", "updated", "created_by")
        source = ("source__content", "source__created", "source__updated", "source__created_by")
        return (
            self.select_related("district", "province", "created_by")
            .defer(*_AREA_GEOMETRY, "district__created", "district__updated", "province__created", "province__updated")
            .prefetch_related(
                Prefetch(
                    "claims",
                    queryset=CasualtyClaim.objects.visible_to(user)
                    .select_related("claimant", "source")
                    .defer(*unrendered, *source, *_actor_columns("claimant")),
                ),
                # Every claim's id and the id it supersedes, hidden ones too, only to link the visible claims across
                # a revision this user may not see (claims.link_revisions); never rendered.
                Prefetch(
                    "claims",
                    queryset=CasualtyClaim.objects.only("id", "incident_id", "supersedes_id"),
                    to_attr="revision_links",
                ),  # fmt: skip
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.visible_to(user)
                    .select_related("actor", "asserted_by", "source")
                    .defer(*unrendered, *source, *_actor_columns("actor"), *_actor_columns("asserted_by")),
                ),
                Prefetch(
                    "assessments",
                    queryset=Assessment.objects.select_related("decided_by")
                    .prefetch_related(Prefetch("claims", queryset=CasualtyClaim.objects.visible_to(user).only("pk")))
                    .order_by("-decided_at", "-id"),
                ),
                Prefetch("sources", queryset=Source.objects.visible_to(user).defer("content", *unrendered)),
            )
        )

    def for_map(self):
        """Only what a map symbol and its popup link need; rows without a point are left out.

        Ordered by id, not date: a viewport's page then walks the primary key and stops at the page size,
        instead of sorting every incident in view by date first (320 ms of a 690 ms viewport at 1M).
        """
        return (
            self.filter(location__isnull=False)
            .only("id", "title", "kind", "category", "start_date", "geo_precision", "contested", "location")
            .order_by("-id")
        )

    def for_detail(self, user):
        from incidents.models import Assessment, Attribution, CasualtyClaim, Source

        return (
            self.select_related("district", "province", "created_by", "merged_into", "text_district_elsewhere")
            .defer(*_AREA_GEOMETRY, "text_district_elsewhere__boundary")
            .prefetch_related(
                Prefetch(
                    "claims",
                    # Revisions are linked among these (visible) claims only: see claims.link_revisions.
                    queryset=CasualtyClaim.objects.visible_to(user).select_related("claimant", "source"),
                ),
                Prefetch(
                    "attributions",
                    queryset=Attribution.objects.visible_to(user).select_related("actor", "asserted_by", "source"),
                ),
                Prefetch(
                    "assessments", queryset=Assessment.objects.select_related("decided_by").order_by("-decided_at")
                ),
                Prefetch("sources", queryset=Source.objects.visible_to(user)),
            )
        )


class SourceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Restricted sources (a field report naming a contact) are for editors only, and their authors.

        A public source is seen through the incidents it backs: by partners when one of them is published, by
        analysts when they may see one of them (or it backs none yet). A public source cited only by someone else's
        restricted incident would otherwise tell an analyst that incident exists (issue #9).
        """
        if can_see_restricted(user):
            return self
        from incidents.models import Incident

        backs = Incident.sources.through.objects.filter(source_id=OuterRef("pk"))
        if is_desk(user):
            seen = backs.filter(Q(incident__sensitivity=Sensitivity.PUBLIC) | Q(incident__created_by=user))
            return self.filter(Q(created_by=user) | Q(sensitivity=Sensitivity.PUBLIC) & (Exists(seen) | ~Exists(backs)))
        published = backs.filter(
            incident__status=Status.PUBLISHED,
            incident__sensitivity=Sensitivity.PUBLIC,
            incident__merged_into__isnull=True,
        )
        return self.filter(Exists(published), sensitivity=Sensitivity.PUBLIC)


# An area's boundary is a multipolygon of thousands of points: never loaded along with an incident.
_AREA_GEOMETRY = ("district__boundary", "province__boundary")


def _actor_columns(relation: str) -> tuple[str, ...]:
    return tuple(f"{relation}__{name}" for name in ("created", "updated", "description"))


class SourcedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rows citing a source the user may not see are hidden with it (the rule of SourceQuerySet.visible_to).

        Written as a join on the source, not ``source__in=<subquery>``: the subquery form made PostgreSQL rescan
        the sources for every row (19 s per page of claims at 1M incidents).
        """
        if can_see_restricted(user):
            return self
        allowed = Q(source__isnull=True) | Q(source__sensitivity=Sensitivity.PUBLIC)
        if is_desk(user):
            allowed |= Q(source__created_by=user)
        return self.filter(allowed)


class ClaimQuerySet(SourcedQuerySet):
    def live(self):
        """Claims no later claim supersedes."""
        return self.filter(superseded_by__isnull=True)


class AttributionQuerySet(SourcedQuerySet):
    pass
