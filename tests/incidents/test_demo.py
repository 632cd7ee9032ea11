from incidents.demo import DEMO_TITLE, load_demo
from incidents.models import Incident


def test_paktika_demo_is_in_barmal_with_three_rival_claims(paktika):
    assert paktika.title == DEMO_TITLE
    assert paktika.district.name == "Barmal"
    assert paktika.province.name == "Paktika"
    assert paktika.category == "strike"
    claimants = sorted(c.claimant.slug for c in paktika.claims.all())
    assert claimants == ["afghan-mofa", "pakistani-security-forces", "unama"]
    pakistan = paktika.claims.get(claimant__slug="pakistani-security-forces")
    assert (pakistan.killed_min, pakistan.militants_min, pakistan.killed_max) == (20, 20, None)
    assert "at least 20 militants" in pakistan.quote
    kabul = paktika.claims.get(claimant__slug="afghan-mofa")
    assert kabul.labels[0]["label"] == "refugees"
    assert "women and children" in kabul.quote
    unama = paktika.claims.get(claimant__slug="unama")
    assert unama.quote.startswith("The U.N. Assistance Mission in Afghanistan echoed Taliban claims")
    assert unama.quote.endswith("protect the rights of affected communities.")
    assert paktika.current_assessment.grade == "contested"
    assert paktika.status == "published"


def test_paktika_attributions_say_who_asserts_them(paktika):
    rows = {(a.actor.slug, a.role, a.asserted_by.slug) for a in paktika.attributions.all()}
    assert ("ttp", "target", "pakistani-security-forces") in rows
    assert ("barmal-civilians", "target", "afghan-mofa") in rows
    assert ("islamic-emirate-of-afghanistan", "accused", "government-of-pakistan") in rows


def test_loading_the_demo_twice_changes_nothing(paktika):
    counts = (Incident.objects.count(), paktika.claims.count(), paktika.attributions.count())
    incident, created = load_demo()
    assert not created
    assert incident.pk == paktika.pk
    assert (Incident.objects.count(), paktika.claims.count(), paktika.attributions.count()) == counts
