"""How every form on the site renders (settings.FORM_RENDERER): Django's templates, with
labels that end in the label's own words instead of an added colon ("Title", not "Title:"),
in Kotoba's pages and in the admin alike."""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


class PlainLabelBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        suffix = "" if label_suffix is None else label_suffix
        return super().label_tag(contents, attrs, suffix, tag)


class SiteFormRenderer(DjangoTemplates):
    bound_field_class = PlainLabelBoundField
