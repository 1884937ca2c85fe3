from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from .mail import send_after_commit

User = get_user_model()


class SignupForm(auth_forms.UserCreationForm):
    email = forms.EmailField(help_text="We send a confirmation link here before you can edit.")
    # A honeypot: hidden from people by CSS, filled in by naive bots. Out of the tab order and
    # of autofill, so neither a keyboard nor the browser puts anything in it.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is taken.", code="username_taken")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account with this email exists already. Try signing in, or reset the password.",
                code="email_taken",
            )
        return email

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError("Sign-up refused: leave the last field empty.", code="honeypot")
        return ""


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label="New email address")
    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="So that nobody else can take over the account from a session left open.",
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email.lower() == self.user.email.lower():
            raise ValidationError("That is already your address.", code="unchanged")
        if User.objects.filter(email__iexact=email).exclude(pk=self.user.pk).exists():
            raise ValidationError("Another account uses that address.", code="email_taken")
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(
                "That is not your current password. Your new address is still in the form.",
                code="password_incorrect",
            )
        return password


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose mail goes out like all the site's mail: through the task
    queue after commit, so a mail outage never turns the request into an error."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = render_to_string(subject_template_name, context)
        body = render_to_string(email_template_name, context)
        send_after_commit(subject=subject, body=body, to=[to_email])


class WatchingForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["watch_own_edits"]


class MailSettingsForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["mail_decisions", "mail_mentions", "mail_talk", "mail_watched"]
