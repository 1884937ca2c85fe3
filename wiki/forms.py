"""Article forms: validation with codes; a rejected form keeps everything the user typed."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.html import format_html
from markdownx.fields import MarkdownxFormField

from . import validation
from .models import Article, ArticleKind, Report
from .rendering.limits import MAX_BYTES
from .selectors import find_article_by_name, find_lookalike, find_tag_by_name

# The field rules live in wiki.validation (the importer uses them too); the form adds the
# questions that need the database: is the name taken, does the tag or article exist.
MAX_BODY_BYTES = MAX_BYTES  # decided with the renderer's other limits (rendering/limits.py)
MAX_ALIASES = validation.MAX_ALIASES
MAX_TAGS = validation.MAX_TAGS
MAX_CONTRASTS = validation.MAX_CONTRASTS
MAX_LENGTHS = validation.MAX_LENGTHS
reject_invalid_utf8 = validation.reject_invalid_utf8


def _taken_message(article: Article, what: str):
    if not article.is_published:  # readers cannot open it: no link to a 404
        return format_html("{} is already used by an article waiting for review.", what)
    return format_html(
        '{} is already used by the article <a href="{}">{}</a>.',
        what,
        article.get_absolute_url(),
        article.title,
    )


def _lookalike_message(article: Article, what: str):
    if not article.is_published:
        return format_html(
            "{} looks the same as the name of an article waiting for review (some of its "
            "letters are look-alikes from another script). Choose a name that reads differently.",
            what,
        )
    return format_html(
        '{} looks the same as <a href="{}">{}</a>: some of its letters are look-alikes from '
        "another script. If you meant that article, edit it instead; otherwise choose a name "
        "that reads differently.",
        what,
        article.get_absolute_url(),
        article.title,
    )


def check_name(name: str, *, what, kind: str, exclude: Article | None = None) -> None:
    """Refuse a title or alias that is too long once normalised, taken, or a look-alike of a
    live article's name. `name` is already clean (wiki.names.clean_name)."""
    validation.check_name_length(name, what=what, kind=kind)
    other = find_article_by_name(name, exclude=exclude)
    if other is not None:
        raise ValidationError(_taken_message(other, what), code=f"{kind}_taken")
    lookalike = find_lookalike(name, exclude=exclude)
    if lookalike is not None:
        raise ValidationError(_lookalike_message(lookalike, what), code=f"{kind}_lookalike")


class ArticleForm(forms.Form):
    # Guideline pages are the wiki's own (the demo and imports make them), not written here.
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in ArticleKind.choices if k != ArticleKind.GUIDE],
        widget=forms.RadioSelect,
    )
    # The stored title is checked after cleaning (wiki.names); the raw input may be longer.
    title = forms.CharField(max_length=MAX_LENGTHS["title"])
    summary = forms.CharField(
        max_length=MAX_LENGTHS["summary"],
        help_text="One line, at most 200 characters: shown under the title and in lists.",
    )
    body = MarkdownxFormField(
        required=False,
        strip=False,  # leading spaces are Markdown (an indented code block)
        help_text="Markdown. Link articles with [[Title]] or [[Title|label]]; "
        "cite sources with footnotes: [^1] … [^1]: Source.",
    )
    aliases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Other names, one per line. Each one leads to this article.",
    )
    original_script = forms.CharField(max_length=MAX_LENGTHS["original_script"], required=False)
    reading = forms.CharField(
        max_length=MAX_LENGTHS["reading"], required=False, label="Reading or romanization"
    )
    origin_language = forms.CharField(
        max_length=MAX_LENGTHS["origin_language"], required=False, label="Language of origin"
    )
    contrasts_with = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Titles of the articles this explainer compares, one per line.",
    )
    tone = forms.CharField(
        max_length=MAX_LENGTHS["tone"], required=False, help_text="One short line."
    )
    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Existing tag names, separated by commas.",
        # The tag picker (static/js/editor.js) asks this address for existing tags as one types.
        widget=forms.TextInput(
            attrs={"data-tag-suggest": reverse_lazy("tag_suggest"), "autocomplete": "off"}
        ),
    )
    edit_summary = forms.CharField(
        max_length=MAX_LENGTHS["edit_summary"],
        required=False,
        help_text="Briefly describe your change.",
    )
    is_minor = forms.BooleanField(required=False, label="This is a minor edit")
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    TERM_FIELDS = ("aliases", "original_script", "reading", "origin_language")
    GENRE_FIELDS = ("contrasts_with", "tone")

    def __init__(self, *args, article: Article | None = None, user=None, **kwargs):
        self.article = article
        self.user = user
        super().__init__(*args, **kwargs)
        if article is not None:
            del self.fields["kind"]
            hidden = {
                ArticleKind.TERM: self.GENRE_FIELDS,
                ArticleKind.GENRE: self.TERM_FIELDS,
            }.get(article.kind, self.TERM_FIELDS + self.GENRE_FIELDS)
            for name in hidden:
                del self.fields[name]
        self.fields["body"].widget.attrs.update({"rows": 18, "aria-describedby": "body-help"})
        for form_field in self.fields.values():
            if isinstance(form_field, forms.CharField):
                form_field.validators.append(reject_invalid_utf8)

    @property
    def article_kind(self) -> str:
        if self.article is not None:
            return self.article.kind
        return self.data.get("kind") or self.initial.get("kind") or ArticleKind.TERM

    def clean_title(self):
        title = validation.clean_title(self.cleaned_data["title"])
        check_name(title, what="This title", kind="title", exclude=self.article)
        return title

    def clean_summary(self):
        return validation.clean_summary(self.cleaned_data["summary"])

    def clean_body(self):
        return validation.clean_body(self.cleaned_data.get("body") or "")

    def clean_aliases(self):
        aliases = validation.clean_alias_names(self.cleaned_data.get("aliases") or "")
        for name in aliases:
            shown = name if len(name) <= 40 else name[:40] + "…"
            what = format_html("The alias “{}”", shown)
            check_name(name, what=what, kind="alias", exclude=self.article)
        return "\n".join(aliases)

    def clean_contrasts_with(self):
        raw = self.cleaned_data.get("contrasts_with") or ""
        lines = validation.clean_contrast_titles(raw.splitlines())
        articles = []
        for name in lines:
            found = find_article_by_name(name)
            if found is None or not found.is_published:
                raise ValidationError(
                    f"There is no article called “{name}” to contrast with.",
                    code="unknown_article",
                )
            if self.article is not None and found.pk == self.article.pk:
                raise ValidationError(
                    "An explainer cannot contrast with itself.", code="self_contrast"
                )
            articles.append(found)
        return list(dict.fromkeys(articles))

    def clean_tags(self):
        raw = self.cleaned_data.get("tags") or ""
        typed = validation.clean_tag_names(raw.split(","))
        tags, unknown = [], []
        for name in typed:
            tag = find_tag_by_name(name)
            if tag is None:
                unknown.append(name)
            else:
                tags.append(tag)
        if unknown:
            if self.user is not None and self.user.is_authenticated and self.user.is_trusted:
                self.new_tag_names = unknown
            else:
                raise ValidationError(
                    "Not a tag yet: %(names)s. Choose existing tags (see the list of tags); "
                    "autoconfirmed editors can create new ones.",
                    code="unknown_tag",
                    params={"names": ", ".join(unknown)},
                )
        return list(dict.fromkeys(tags))

    def clean_edit_summary(self):
        return validation.clean_edit_summary(self.cleaned_data.get("edit_summary") or "")

    def clean(self):
        cleaned = super().clean()
        if self.article is None:  # creating: the page holds both kinds' fields, one shown
            kind = cleaned.get("kind") or self.article_kind
            other = self.TERM_FIELDS if kind == ArticleKind.GENRE else self.GENRE_FIELDS
            for name in other:  # what the other kind's fields hold is neither saved nor checked
                self.errors.pop(name, None)
                cleaned[name] = [] if name == "contrasts_with" else ""
        return cleaned

    @property
    def kind_switched(self) -> bool:
        """A new article's kind was changed without JavaScript: the page showed the fields of
        the other kind (`shown_kind`), so the form comes back once with this kind's fields."""
        shown = self.data.get("shown_kind")
        return (
            self.article is None
            and shown in ArticleKind.values
            and shown != self.cleaned_data.get("kind")
        )

    def revision_values(self, created_tags=()) -> dict:
        data = self.cleaned_data
        values = {name: data.get(name, "") for name in ("title", "summary", "body")}
        for name in self.TERM_FIELDS + ("tone",):
            values[name] = data.get(name, "") or ""
        values["contrasts_with"] = data.get("contrasts_with") or []
        values["tags"] = [*data.get("tags", []), *created_tags]
        return values


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Details",
        help_text="Required for “Other”.",
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
