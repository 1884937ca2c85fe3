"""Tags: rename (old slug redirects, old name an alias), merge, review."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from .. import names
from ..models import (
    Tag,
    TagAlias,
    TagSlugRedirect,
)
from ..selectors import find_tag_by_name
from ..tags import merge_tags, rename_tag
from .base import VisibleChangeAdmin


def _check_tag_name(name: str, *, exclude_tag=None, except_alias=None) -> str:
    """A tag or tag alias name, cleaned: refused when too long once normalised, or when it
    already leads to a tag (one name leads to one tag only)."""
    name = names.clean_name(name)
    if len(name) > names.TAG_NAME_MAX or len(names.name_key(name)) > names.TAG_NAME_MAX:
        raise forms.ValidationError(
            f"A tag name has at most {names.TAG_NAME_MAX} characters (letters such as ß count "
            "as two).",
            code="tag_name_too_long",
        )
    other = find_tag_by_name(name, exclude_tag=exclude_tag, except_alias=except_alias)
    if other is not None:
        raise forms.ValidationError(
            f"“{name}” is already the tag “{other.name}” or one of its aliases: one name can "
            "lead to one tag only. To combine two tags, select both in the tag list and use "
            "“Merge”.",
            code="name_taken",
        )
    return name


class TagAliasForm(forms.ModelForm):
    class Meta:
        model = TagAlias
        fields = ("name",)

    def clean_name(self):
        return _check_tag_name(self.cleaned_data["name"], except_alias=self.instance.pk)


class TagAliasFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            name = (form.cleaned_data or {}).get("name")
            if not name or form.cleaned_data.get("DELETE"):
                continue
            if names.name_key(name) in seen:
                raise forms.ValidationError(f"“{name}” is listed twice.", code="duplicate_alias")
            seen.add(names.name_key(name))


class TagAliasInline(admin.TabularInline):
    model = TagAlias
    form = TagAliasForm
    formset = TagAliasFormSet
    extra = 1
    fields = ("name",)


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "slug", "category", "is_adult", "description", "needs_review")

    def clean_name(self):
        instance = self.instance if self.instance.pk else None
        return _check_tag_name(self.cleaned_data["name"], exclude_tag=instance)


class MergeTagsForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Tag.objects.none(), label="Merge into")


@admin.register(Tag)
class TagAdmin(VisibleChangeAdmin):
    form = TagAdminForm
    list_display = ("name", "slug", "category", "is_adult", "needs_review")
    list_filter = ("category", "is_adult", "needs_review")
    search_fields = ("name", "aliases__name")
    fields = ("name", "slug", "category", "is_adult", "description", "needs_review")
    inlines = [TagAliasInline]
    actions = ("merge_selected", "mark_reviewed")

    def save_model(self, request, obj, form, change):
        if change and {"name", "slug"} & set(form.changed_data):
            # The rename keeps the old slug and name working; the form's other fields are
            # saved with it below.
            renamed = rename_tag(
                Tag.objects.get(pk=obj.pk),
                name=obj.name,
                slug=obj.slug if "slug" in form.changed_data else None,
                actor=request.user,
            )
            obj.slug = renamed.slug
        super().save_model(request, obj, form, change)

    @admin.action(description="Mark as reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        queryset.update(needs_review=False)

    @admin.action(description="Merge the selected tags into one", permissions=["change"])
    def merge_selected(self, request, queryset):
        form = MergeTagsForm(request.POST if "apply" in request.POST else None)
        form.fields["target"].queryset = queryset
        if form.is_valid():
            target = form.cleaned_data["target"]
            for tag in queryset.exclude(pk=target.pk):
                merge_tags(tag, into=target, actor=request.user)
            self.message_user(request, f"Merged into “{target.name}”.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/wiki/tag/merge.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Merge tags",
                "queryset": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


admin.site.register(TagSlugRedirect)
