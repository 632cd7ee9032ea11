"""The desk's forms. They validate and shape input; the services in ``incidents.services`` do the writing.

Forms that share the incident page carry a prefix (``source-``, ``claim-``, ``attribution-``…) so that their
fields' ids never collide: ``id_claim-killed_min``, ``id_attribution-actor``.
"""

from django import forms
from django.contrib.gis.geos import Point
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS

from actors.models import Actor
from core.points import PointWidget, coordinate, wgs84_point
from core.validators import TEXT_MAX_LENGTH, validate_text, validate_visible
from geo.choices import AreaLevel, GeoPrecision
from geo.models import Area
from incidents.choices import CLAIM_CATEGORIES
from incidents.models import Assessment, Attribution, CasualtyClaim, Incident, Source

__all__ = [
    "INCIDENT_FIELDS", "AssessmentForm", "AttributionForm", "ClaimForm", "IncidentForm", "MergeForm",
    "NoteForm", "PlaceForm", "SourceForm", "SupersedeForm", "snapshot_of",
]  # fmt: skip

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# What an analyst types for an incident; passed to services.incident_create / incident_update as ``data``.
INCIDENT_FIELDS = (
    "title", "kind", "start_date", "end_date", "date_precision", "place_text", "country_code",
    "origin_country_code", "location", "description", "internal_notes", "sensitivity",
)  # fmt: skip

CATEGORY_LABELS = {category: category.replace("_", " ") for category in CLAIM_CATEGORIES}


def _coordinate_text(value: float) -> str:
    # repr() is the shortest text that reads back as the same double: 32.7015 stays "32.7015".
    return repr(float(value))


def _snapshot_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Point):
        return f"{_coordinate_text(value.y)}, {_coordinate_text(value.x)}"
    return str(value)


def snapshot_of(incident: Incident) -> dict[str, str]:
    """The incident's editable fields as display text: what the editor saw when the form was opened."""
    return {field: _snapshot_value(getattr(incident, field)) for field in INCIDENT_FIELDS}


class ModelErrorsMixin:
    """Model ``clean()`` errors about fields the form does not show go to the field that does, or to the top."""

    error_field_map: dict[str, str] = {}

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            remapped = {}
            for field, messages in errors.error_dict.items():
                target = self.error_field_map.get(field, field)
                if target != NON_FIELD_ERRORS and target not in self.fields:
                    target = NON_FIELD_ERRORS
                remapped.setdefault(target, []).extend(messages)
            errors = forms.ValidationError(remapped)
        super()._update_errors(errors)


class IncidentForm(ModelErrorsMixin, forms.ModelForm):
    """Log or edit an incident. A point comes from the map or from typed coordinates, which win and are kept
    exactly as typed."""

    latitude = forms.CharField(
        required=False, max_length=32, help_text="Decimal degrees, north positive (e.g. 32.7015)."
    )
    longitude = forms.CharField(
        required=False, max_length=32, help_text="Decimal degrees, east positive (e.g. 69.1512)."
    )
    # Optimistic locking: the version the editor started from, and what the fields were then (signed).
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    snapshot = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Incident
        fields = INCIDENT_FIELDS
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "location": PointWidget(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "internal_notes": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "location": "Point on the map",
            "country_code": "Country (ISO code)",
            "origin_country_code": "Action came from (ISO code)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.location is not None and not self.is_bound:
            self.initial["latitude"] = _coordinate_text(self.instance.location.y)
            self.initial["longitude"] = _coordinate_text(self.instance.location.x)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["snapshot"] = signing.dumps(snapshot_of(self.instance), salt="incident-edit")

    def _coordinate(self, name: str) -> float | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            return coordinate(text, name)
        except forms.ValidationError as error:
            self.add_error(name, error)
            return None

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = self._coordinate("latitude"), self._coordinate("longitude")
        typed_lat = bool((cleaned.get("latitude") or "").strip())
        typed_lon = bool((cleaned.get("longitude") or "").strip())
        if typed_lat != typed_lon:
            missing = "longitude" if typed_lat else "latitude"
            self.add_error(missing, "Type both latitude and longitude, or neither.")
        elif latitude is not None and longitude is not None:
            # The typed text is the truth: float("32.7015") is the double closest to what was typed.
            cleaned["location"] = wgs84_point(longitude, latitude)
        return cleaned

    def _post_clean(self):
        # The typed point replaces whatever the map widget sent before the model is validated.
        if "location" in self.cleaned_data:
            self.instance.location = self.cleaned_data["location"]
        super()._post_clean()

    def incident_data(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in INCIDENT_FIELDS}

    def original_snapshot(self) -> dict[str, str] | None:
        try:
            return signing.loads(self.data.get(self.add_prefix("snapshot"), ""), salt="incident-edit")
        except signing.BadSignature:
            return None


class PlaceForm(forms.Form):
    """Accept or correct where the geocoder placed the incident."""

    district = forms.ModelChoiceField(
        queryset=Area.objects.filter(level=AreaLevel.DISTRICT)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
        .order_by("name"),
        required=False,
    )
    province = forms.ModelChoiceField(
        queryset=Area.objects.filter(level=AreaLevel.PROVINCE).defer("boundary").order_by("name"), required=False
    )
    geo_precision = forms.ChoiceField(choices=GeoPrecision.choices, label="Geo precision")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "place")
        super().__init__(*args, **kwargs)
        self.fields["district"].label_from_instance = lambda area: (
            f"{area.name} ({area.parent.name})" if area.parent_id else area.name
        )

    def clean(self):
        cleaned = super().clean()
        district, province = cleaned.get("district"), cleaned.get("province")
        if district and not province:
            cleaned["province"] = province = district.parent
        if district and province and district.parent_id != province.pk:
            self.add_error("district", f"{district.name} is not in {province.name}.")
        return cleaned


class SourceForm(ModelErrorsMixin, forms.ModelForm):
    """A document: its pasted text is stored and hashed (SHA-256) by the database."""

    class Meta:
        model = Source
        fields = (
            "kind", "publisher", "title", "url", "published_on", "language", "quote", "reliability",
            "credibility", "content", "sensitivity",
        )  # fmt: skip
        widgets = {
            "published_on": DATE_INPUT,
            "quote": forms.Textarea(attrs={"rows": 2}),
            "content": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"content": "Pasted text", "url": "URL"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "source")
        super().__init__(*args, **kwargs)

    def clean_content(self):
        # Browsers submit textarea line breaks as CRLF; store the text as pasted, so its hash matches the original.
        return self.cleaned_data["content"].replace("\r\n", "\n")


def _parse_labels(text: str) -> list[dict]:
    """``refugees`` or ``refugees: 5`` or ``refugees: 5-10``, one per line, into the claim's labels."""
    labels = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _, figures = line.partition(":")
        label, figures = label.strip(), figures.strip()
        if not label:
            raise forms.ValidationError(f"Line {number}: the label is empty.")
        low = high = None
        if figures:
            low_text, dash, high_text = figures.replace("–", "-").partition("-")
            try:
                low = int(low_text) if low_text.strip() not in ("", "?") else None
                high = (int(high_text) if high_text.strip() not in ("", "?") else None) if dash else low
            except ValueError as exc:
                raise forms.ValidationError(
                    f"Line {number}: write the figures as a number or a range, like 5 or 5-10."
                ) from exc
            if (low is not None and low < 0) or (high is not None and high < 0):
                raise forms.ValidationError(f"Line {number}: figures cannot be negative.")
            if low is not None and high is not None and low > high:
                raise forms.ValidationError(f"Line {number}: the minimum is greater than the maximum.")
        labels.append({"label": label, "min": low, "max": high})
    return labels


def _labels_text(labels: list[dict]) -> str:
    lines = []
    for item in labels or []:
        low, high = item.get("min"), item.get("max")
        if low is None and high is None:
            lines.append(item["label"])
        elif low == high:
            lines.append(f"{item['label']}: {low}")
        else:
            lines.append(f"{item['label']}: {'?' if low is None else low}-{'?' if high is None else high}")
    return "\n".join(lines)


CLAIM_RANGE_FIELDS = tuple(f"{c}_{s}" for c in (*CLAIM_CATEGORIES, "injured") for s in ("min", "max"))


class ClaimForm(ModelErrorsMixin, forms.ModelForm):
    """What one claimant said, from one source: killed/injured ranges per category, own labels, denials."""

    labels_text = forms.CharField(
        required=False,
        label="Claimant's own labels",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='One per line, as the claimant said it: "refugees", "refugees: 12" or "refugees: 5-10".',
    )
    denied = forms.MultipleChoiceField(
        choices=[(c, CATEGORY_LABELS[c]) for c in CLAIM_CATEGORIES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Denies casualties among",
        help_text="A denial is recorded as a figure of 0.",
    )
    error_field_map = {"labels": "labels_text"}

    class Meta:
        model = CasualtyClaim
        fields = ("claimant", "source", "claimed_on", *CLAIM_RANGE_FIELDS, "quote")
        widgets = {"claimed_on": DATE_INPUT, "quote": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, incident: Incident, user, **kwargs):
        kwargs.setdefault("prefix", "claim")
        super().__init__(*args, **kwargs)
        self.instance.incident = incident
        self.instance.created_by = user
        self.fields["source"].queryset = Source.objects.visible_to(user).filter(incidents=incident)
        if "claimant" in self.fields:
            self.fields["claimant"].queryset = Actor.objects.order_by("name")
        for name in CLAIM_RANGE_FIELDS:
            category, _, end = name.rpartition("_")
            self.fields[name].label = f"{CATEGORY_LABELS.get(category, category)} {end}"
            self.fields[name].widget.attrs["min"] = 0

    @property
    def range_rows(self) -> list[dict]:
        """The min/max inputs as one row per category, for the claim form's table."""
        return [
            {
                "label": CATEGORY_LABELS.get(category, category),
                "fields": [self[f"{category}_min"], self[f"{category}_max"]],
            }
            for category in (*CLAIM_CATEGORIES, "injured")
        ]

    def clean_labels_text(self):
        return _parse_labels(self.cleaned_data.get("labels_text") or "")

    def _post_clean(self):
        self.instance.labels = self.cleaned_data.get("labels_text", [])
        self.instance.denied = list(self.cleaned_data.get("denied", []))
        super()._post_clean()

    def claim_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in ("source", "claimed_on", *CLAIM_RANGE_FIELDS, "quote")}
        data["labels"] = self.cleaned_data.get("labels_text", [])
        data["denied"] = list(self.cleaned_data.get("denied", []))
        if "claimant" in self.fields:
            data["claimant"] = self.cleaned_data.get("claimant")
        return data


class SupersedeForm(ClaimForm):
    """A revised figure from the same claimant: starts from the old claim's figures."""

    class Meta(ClaimForm.Meta):
        fields = ("source", "claimed_on", *CLAIM_RANGE_FIELDS, "quote")

    def __init__(self, *args, claim: CasualtyClaim, **kwargs):
        kwargs.setdefault("prefix", "supersede")
        if not args and "data" not in kwargs:
            kwargs.setdefault(
                "initial",
                {
                    **{name: getattr(claim, name) for name in CLAIM_RANGE_FIELDS},
                    "source": claim.source_id,
                    "labels_text": _labels_text(claim.labels),
                    "denied": claim.denied,
                },
            )
        super().__init__(*args, **kwargs)
        self.instance.claimant = claim.claimant
        self.instance.supersedes = claim


class AttributionForm(ModelErrorsMixin, forms.ModelForm):
    """Who is said to have done what, and who says so."""

    class Meta:
        model = Attribution
        fields = ("actor", "role", "asserted_by", "source", "confidence", "quote")
        widgets = {"quote": forms.Textarea(attrs={"rows": 2})}
        labels = {"asserted_by": "Asserted by"}

    def __init__(self, *args, incident: Incident, user, **kwargs):
        kwargs.setdefault("prefix", "attribution")
        super().__init__(*args, **kwargs)
        self.instance.incident = incident
        self.instance.created_by = user
        actors = Actor.objects.order_by("name")
        self.fields["actor"].queryset = actors
        self.fields["asserted_by"].queryset = actors
        self.fields["source"].queryset = Source.objects.visible_to(user).filter(incidents=incident)

    def attribution_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


ASSESSMENT_RANGE_FIELDS = tuple(f"{c}_{s}" for c in CLAIM_CATEGORIES for s in ("low", "best", "high"))


class ClaimChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, claim):
        return f"{claim.claimant.name}, {claim.claimed_on:%d %b %Y}: {claim.range_text('killed')} killed"


class AssessmentForm(ModelErrorsMixin, forms.ModelForm):
    """The editor's reconciliation: low/best/high per category, a grade, the claims that informed it."""

    claims = ClaimChoiceField(
        queryset=CasualtyClaim.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Claims that informed it",
    )

    class Meta:
        model = Assessment
        fields = (*ASSESSMENT_RANGE_FIELDS, "grade", "claims", "rationale")
        widgets = {"rationale": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, incident: Incident, user, claims=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.incident = incident
        self.instance.decided_by = user
        queryset = CasualtyClaim.objects.visible_to(user).filter(incident=incident).select_related("claimant")
        self.fields["claims"].queryset = queryset
        if claims is not None:
            # Reuse the claims the page already loaded, so rendering the checkboxes costs no query per claim.
            self.fields["claims"].choices = [(c.pk, self.fields["claims"].label_from_instance(c)) for c in claims]
        for name in ASSESSMENT_RANGE_FIELDS:
            category, _, end = name.rpartition("_")
            self.fields[name].label = f"{CATEGORY_LABELS[category]} {end}"
            self.fields[name].widget.attrs["min"] = 0

    def assessment_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in (*ASSESSMENT_RANGE_FIELDS, "grade", "rationale")}


class NoteForm(forms.Form):
    """The comment that goes with sending back (``note``) or retracting (``reason``)."""

    def __init__(self, *args, field: str, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_name = field
        # Saved as the incident's status note without a full_clean(): the text rules are applied here.
        self.fields[field] = forms.CharField(
            label=label, widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX_LENGTH,
            validators=[validate_text, validate_visible],
        )  # fmt: skip


class MergeForm(forms.Form):
    """Merge this incident into another (its claims, attributions and sources are copied there)."""

    into = forms.IntegerField(label="Merge into incident number", min_value=1)
