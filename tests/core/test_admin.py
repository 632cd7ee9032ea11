import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = [(m._meta.app_label, m._meta.model_name) for m in admin.site._registry]


@pytest.mark.parametrize(("app_label", "model_name"), MODELS)
def test_admin_changelists_open_for_the_admin_role(client_for, paktika, app_label, model_name):
    response = client_for("admin").get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["analyst", "editor", "partner"])
def test_desk_and_partner_roles_are_sent_to_the_admin_login(client_for, role):
    response = client_for(role).get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_area_admin_shows_a_map_widget_for_the_boundary(client_for, areas):
    from geo.models import Area

    barmal = Area.objects.get(name="Barmal")
    page = client_for("admin").get(reverse("admin:geo_area_change", args=[barmal.pk])).content.decode()
    assert "leaflet" in page.lower()
    assert "id_boundary" in page


def test_admin_cannot_delete_incidents_or_edit_claims(client_for, paktika):
    client = client_for("admin")
    delete = client.get(reverse("admin:incidents_incident_delete", args=[paktika.pk]))
    assert delete.status_code == 403
    claim = paktika.claims.first()
    change = client.post(reverse("admin:incidents_casualtyclaim_change", args=[claim.pk]), {"killed_min": 1})
    assert change.status_code == 403
