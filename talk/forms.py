from django import forms

from wiki.validation import reject_garbage

from .models import POST_MAX_BYTES, SUBJECT_MAX


class PostForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, *italic*, links, > quotes, [[Article]] links. "
        "Mention someone with @username.",
    )

    def clean_body(self):
        body = reject_garbage(self.cleaned_data["body"], "message")
        if not body.strip():
            raise forms.ValidationError("Write something first.", code="empty")
        size = len(body.encode("utf-8"))
        if size > POST_MAX_BYTES:
            raise forms.ValidationError(
                f"A message may be at most {POST_MAX_BYTES:,} bytes; this one is {size:,}.",
                code="too_long",
            )
        return body


class ThreadForm(PostForm):
    subject = forms.CharField(max_length=SUBJECT_MAX, label="Subject")
    field_order = ["subject", "body"]

    def clean_subject(self):
        subject = " ".join(reject_garbage(self.cleaned_data["subject"], "subject").split())
        if not subject:
            raise forms.ValidationError("Give the thread a subject.", code="empty")
        return subject


class PostReportForm(forms.Form):
    text = forms.CharField(max_length=1000, label="What is wrong with this post?")
