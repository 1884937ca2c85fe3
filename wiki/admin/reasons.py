"""Admin actions that ask for one reason first (an intermediate page), then apply it to each
selected row: rejecting talk posts and uploads, hiding posts, locking threads, deleting files.
The reason may name the guideline broken, as when declining an edit."""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse

from .revisions import GuidelineChoice


class ReasonForm(GuidelineChoice):
    # With a guideline's name and address in front, it still fits the 1,000 characters
    # kept for a hidden post's or a lock's reason.
    reason = forms.CharField(
        required=False, max_length=600, widget=forms.Textarea(attrs={"rows": 3}), label="Reason"
    )

    def clean(self):
        data = super().clean()
        if not (data.get("reason") or "").strip() and not data.get("guideline"):
            self.add_error("reason", "Give a reason or a guideline.")
        return data


def with_reason(modeladmin, request, queryset, *, action, verb, apply, explanation=""):
    """`apply(row, reason) -> bool` for each selected row once a reason is given; until then
    the page that asks for it. `verb` says what was done ("Rejected"), `explanation` who is
    told."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        reason = form.cited_reason()
        count = sum(1 for item in queryset if apply(item, reason))
        modeladmin.message_user(request, f"{verb} {count}.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{verb}: give a reason",
        "explanation": explanation,
        "queryset": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/with_reason.html", context)
