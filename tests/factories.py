import datetime as dt

import factory
from django.contrib.gis.geos import Point

from actors.models import Actor
from geo.models import Area
from incidents.models import CasualtyClaim, Incident, Source


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    kind = "government"
    country = "PK"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    level = "country"
    name = factory.Sequence(lambda n: f"Area {n}")
    code = factory.Sequence(lambda n: f"T{n}")
    country_code = "AF"
    centroid = factory.LazyFunction(lambda: Point(69.0, 33.0, srid=4326))


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    publisher = "Dawn"
    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://example.org/report/{n}")
    content = "Officials said the strike killed militants."


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    kind = "airstrike"
    start_date = dt.date(2024, 12, 24)
    location = factory.LazyFunction(lambda: Point(69.2, 32.7, srid=4326))
    place_text = "Barmal district, Paktika"


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CasualtyClaim

    incident = factory.SubFactory(IncidentFactory)
    claimant = factory.SubFactory(ActorFactory)
    source = factory.SubFactory(SourceFactory)
    claimed_on = dt.date(2024, 12, 25)
