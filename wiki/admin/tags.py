"""Tags: rename (old slug redirects, old name an alias), merge, review."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from ..models import (
    Tag,
    TagAlias,
    TagSlugRedirect,
)
from ..tags import merge_tags, rename_tag


def _tag_using(name_key: str, *, except_alias=None) -> Tag | None:
    """The tag whose name or one of whose aliases is `name_key`, if any."""
    tag = Tag.objects.filter(name_key=name_key).first()
    if tag is None:
        alias = (
            TagAlias.objects.select_related("tag")
            .filter(name_key=name_key)
            .exclude(pk=except_alias)
            .first()
        )
        tag = alias.tag if alias else None
    return tag


class TagAliasForm(forms.ModelForm):
    class Meta:
        model = TagAlias
        fields = ("name",)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        other = _tag_using(name.casefold(), except_alias=self.instance.pk)
        if other is not None:
            raise forms.ValidationError(
                f"“{name}” is already the tag “{other.name}” or one of its aliases: "
                "one name can lead to one tag only.",
                code="name_taken",
            )
        return name


class TagAliasFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            name = (form.cleaned_data or {}).get("name")
            if not name or form.cleaned_data.get("DELETE"):
                continue
            if name.casefold() in seen:
                raise forms.ValidationError(f"“{name}” is listed twice.", code="duplicate_alias")
            seen.add(name.casefold())


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
        name = " ".join(self.cleaned_data["name"].split())
        key = name.casefold()
        other = Tag.objects.filter(name_key=key).exclude(pk=self.instance.pk).first()
        if other is None:
            alias = TagAlias.objects.filter(name_key=key).exclude(tag=self.instance.pk).first()
            other = alias.tag if alias else None
        if other is not None:
            raise forms.ValidationError(
                f"“{name}” is already the tag “{other.name}” (or one of its aliases). "
                "To combine the two, select both in the tag list and use “Merge”.",
                code="name_taken",
            )
        return name


class MergeTagsForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Tag.objects.none(), label="Merge into")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
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
