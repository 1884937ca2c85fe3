from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

User = get_user_model()


class SignupForm(UserCreationForm):
    email = forms.EmailField(help_text="We send a confirmation link here before you can edit.")
    # A honeypot: hidden from people by CSS, filled in by naive bots. Out of the tab order and
    # of autofill, so neither a keyboard nor the browser puts anything in it.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta(UserCreationForm.Meta):
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
