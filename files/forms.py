from django import forms

from . import limits
from .models import ALT_MAX, DESCRIPTION_MAX, NAME_MAX, RATIONALE_MAX, SOURCE_MAX, Licence


class UploadForm(forms.Form):
    picture = forms.FileField(
        label="Picture",
        help_text=f"{limits.ACCEPTED_TEXT}, at most {limits.MAX_BYTES // (1024 * 1024)} MB and "
        f"{limits.MAX_SIDE:,} pixels a side. It is re-encoded, and its metadata (camera, "
        "place) removed.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    name = forms.CharField(
        max_length=NAME_MAX,
        help_text="How articles embed it: [[File:name]]. The right extension is added for you.",
    )
    alt_text = forms.CharField(
        label="Alt text",
        max_length=ALT_MAX,
        help_text="What the picture shows, for people who cannot see it.",
    )
    own_work = forms.BooleanField(label="I made this picture myself", required=False)
    licence = forms.ChoiceField(choices=[("", "Choose a licence"), *Licence.choices])
    source = forms.CharField(
        max_length=SOURCE_MAX,
        required=False,
        help_text="Where it comes from (a link or a citation), unless it is your own work.",
    )
    rationale = forms.CharField(
        max_length=RATIONALE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a non-free picture: why it is needed and why a free one would not do.",
    )
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_adult = forms.BooleanField(
        label="Adult content (shown only on articles tagged adult)", required=False
    )


class VersionForm(forms.Form):
    picture = UploadForm.base_fields["picture"]
    summary = forms.CharField(max_length=300, required=False, help_text="What changed.")
