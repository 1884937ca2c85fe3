"""The review queue: pending changes, their filters and the review page."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from accounts.models import MODERATORS_GROUP, TrustLevel

from .. import guidelines, moderation
from ..models import (
    Report,
    Revision,
    RevisionStatus,
)
from ..views.history import build_diff


class StatusFilter(admin.SimpleListFilter):
    """Pending first: the changelist opens on the review queue."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("pending", "Pending"),
            ("accepted", "Accepted"),
            ("rejected", "Rejected"),
            ("all", "All"),
        ]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "pending") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "pending"
        return queryset if value == "all" else queryset.filter(status=value)


def trust_q(level: str, prefix: str = "author__") -> Q:
    """The trust ladder as a query (the same rules as User.trust_level)."""
    moderator = Q(**{f"{prefix}is_superuser": True}) | Q(
        **{f"{prefix}groups__name": MODERATORS_GROUP}
    )
    joined_before = timezone.now() - timedelta(days=settings.KOTOBA_AUTOCONFIRM_DAYS)
    auto = Q(**{f"{prefix}is_autoconfirmed": True}) | Q(
        **{
            f"{prefix}date_joined__lte": joined_before,
            f"{prefix}accepted_edit_count__gte": settings.KOTOBA_AUTOCONFIRM_EDITS,
        }
    )
    if not settings.KOTOBA_REQUIRE_CONFIRMED_EMAIL:
        confirmed = Q(**{f"{prefix}pk__isnull": False})
    else:  # an email changed after confirming makes the account unconfirmed again
        confirmed = Q(**{f"{prefix}email_confirmed_at__isnull": False})
    if level == TrustLevel.MODERATOR:
        return moderator
    if level == TrustLevel.UNCONFIRMED:
        return ~confirmed & ~moderator
    if level == TrustLevel.AUTOCONFIRMED:
        return confirmed & auto & ~moderator
    return confirmed & ~auto & ~moderator


class TrustFilter(admin.SimpleListFilter):
    title = "author's trust level"
    parameter_name = "trust"

    def lookups(self, request, model_admin):
        return [
            (TrustLevel.UNCONFIRMED, "Unconfirmed"),
            (TrustLevel.NEW, "New"),
            (TrustLevel.AUTOCONFIRMED, "Autoconfirmed"),
            (TrustLevel.MODERATOR, "Moderator"),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(trust_q(self.value())).distinct()
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("day", "Less than a day"), ("week", "1 to 7 days"), ("older", "Over a week")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "day":
            return queryset.filter(created_at__gt=now - timedelta(days=1))
        if self.value() == "week":
            return queryset.filter(
                created_at__lte=now - timedelta(days=1), created_at__gt=now - timedelta(days=7)
            )
        if self.value() == "older":
            return queryset.filter(created_at__lte=now - timedelta(days=7))
        return queryset


class GuidelineChoice(forms.Form):
    """A decision's reason may name the section of the Guidelines page the edit went against
    (the page's own headings); the reason sent then starts with it and its address."""

    guideline = forms.ChoiceField(
        required=False, label="Against the guideline", help_text="Optional: named in the reason."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guideline"].choices = [("", "—"), *guidelines.section_choices()]

    def cited_reason(self) -> str:
        data = self.cleaned_data
        return guidelines.reason_citing(data.get("guideline") or "", data.get("reason") or "")


class ReviewForm(GuidelineChoice):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject (or a guideline): the author receives it.",
    )
    field_order = ["decision", "guideline", "reason"]

    def clean(self):
        data = super().clean()
        given = (data.get("reason") or "").strip() or data.get("guideline")
        if data.get("decision") == "reject" and not given:
            self.add_error("reason", "Give a reason for rejecting: it is sent to the author.")
        return data


class RejectReasonForm(GuidelineChoice):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason (sent to every author)",
    )

    def clean(self):
        data = super().clean()
        if not (data.get("reason") or "").strip() and not data.get("guideline"):
            self.add_error("reason", "Give a reason or a guideline: it is sent to every author.")
        return data


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = (
        "review_link",
        "article_kind",
        "author_with_trust",
        "age",
        "size_change",
        "edit_summary",
        "status",
    )
    # The first column is already the link to the review page: Django's own link around it
    # would nest one link in another (an empty link for screen readers).
    list_display_links = None
    list_filter = (StatusFilter, "article__kind", TrustFilter, AgeFilter)
    search_fields = ("title", "article__title", "author__username")
    ordering = ("created_at", "pk")
    list_select_related = ("article", "author")
    actions = ("accept_selected", "reject_selected")
    list_per_page = 50
    readonly_fields = [f.name for f in Revision._meta.fields] + ["tags", "contrasts_with"]
    exclude = ("tags", "contrasts_with")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("author__groups")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Every field is read-only: revisions change only through the review page."""

    def changelist_view(self, request, extra_context=None):
        status = request.GET.get(StatusFilter.parameter_name) or "pending"
        titles = {"pending": "Pending changes", "accepted": "Accepted revisions"}
        title = titles.get(status, "Rejected revisions" if status == "rejected" else "Revisions")
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [path("<int:pk>/review/", review, name="wiki_revision_review"), *super().get_urls()]

    @admin.display(description="article", ordering="article__title")
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> <span class="quiet">rev. {}</span>',
            reverse("admin:wiki_revision_review", args=[obj.pk]),
            obj.title,
            obj.number,
        )

    @admin.display(description="kind", ordering="article__kind")
    def article_kind(self, obj):
        return obj.article.get_kind_display()

    @admin.display(description="author (trust)", ordering="author__username")
    def author_with_trust(self, obj):
        if obj.author is None:
            return "—"
        return f"{obj.author.username} ({obj.author.trust_level})"

    @admin.display(description="age", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at)

    @admin.display(description="size change", ordering="size_delta")
    def size_change(self, obj):
        return f"+{obj.size_delta}" if obj.size_delta > 0 else f"{obj.size_delta}".replace("-", "−")

    def review_view(self, request, pk):
        revision = get_object_or_404(
            Revision.objects.select_related(
                "article__published_revision__author", "author", "parent"
            ),
            pk=pk,
        )
        if not self.has_change_permission(request, revision):
            raise PermissionDenied
        article = revision.article
        old = article.published_revision  # None for a new article: all of it is new
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if form.cleaned_data["decision"] == "accept":
                    done = moderation.accept_chain(
                        revision, moderator=request.user, reason=form.cited_reason()
                    )
                    self.message_user(
                        request, f"Accepted {len(done)} revision(s) of “{article.title}”."
                    )
                else:
                    done = moderation.reject(
                        revision, moderator=request.user, reason=form.cited_reason()
                    )
                    self.message_user(
                        request, f"Rejected {len(done)} revision(s) of “{article.title}”."
                    )
                return redirect("admin:wiki_revision_changelist")
            except moderation.ModerationError as exc:
                form.add_error(None, exc.message)
        chain = (
            article.revisions.filter(status=RevisionStatus.PENDING)
            .exclude(pk=revision.pk)
            .select_related("author")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review: {revision.title} (revision {revision.number})",
            "revision": revision,
            "article": article,
            "form": form,
            "review": True,
            "chain_below": chain.filter(number__lt=revision.number).order_by("number"),
            "chain_above": chain.filter(number__gt=revision.number).order_by("number"),
            "author_history": (
                Revision.objects.filter(author=revision.author)
                .exclude(pk=revision.pk)
                .select_related("article")
                .order_by("-created_at")[:10]
                if revision.author_id
                else []
            ),
            "open_reports": article.reports.filter(status=Report.Status.OPEN).count(),
            **build_diff(old, revision, view="inline"),
        }
        return TemplateResponse(request, "admin/wiki/revision/review.html", context)

    @admin.action(description="Accept selected pending revisions", permissions=["change"])
    def accept_selected(self, request, queryset):
        count = 0
        for revision in queryset.filter(status=RevisionStatus.PENDING).order_by("-number"):
            revision.refresh_from_db()
            if revision.status != RevisionStatus.PENDING:
                continue
            try:
                count += len(moderation.accept_chain(revision, moderator=request.user))
            except moderation.ModerationError as exc:
                self.message_user(request, f"{revision}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Accepted {count} revision(s).")

    @admin.action(
        description="Reject selected pending revisions (with one reason)", permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        form = RejectReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = 0
            for revision in queryset.filter(status=RevisionStatus.PENDING).order_by("number"):
                revision.refresh_from_db()
                if revision.status == RevisionStatus.PENDING:
                    count += len(
                        moderation.reject(
                            revision, moderator=request.user, reason=form.cited_reason()
                        )
                    )
            self.message_user(request, f"Rejected {count} revision(s).")
            return None
        return TemplateResponse(
            request,
            "admin/wiki/revision/reject_selected.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Reject the selected revisions",
                "queryset": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
