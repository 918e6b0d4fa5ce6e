from django import forms
from django.contrib import admin

from upstream.customers.models import Channel
from upstream.kb.assist.models import AnswerBotSettings, BotOffer, Deflection


class AnswerBotSettingsForm(forms.ModelForm):
    # The channels the bot answers on, as checkboxes (stored as a JSON list; none ticked: portal and email).
    channels = forms.MultipleChoiceField(
        choices=[(Channel.PORTAL, Channel.PORTAL.label), (Channel.EMAIL, Channel.EMAIL.label)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AnswerBotSettings
        fields = ["enabled", "channels", "plans", "min_confidence", "max_articles"]

    def clean_min_confidence(self) -> float:
        value = float(self.cleaned_data["min_confidence"])
        if not 0 <= value <= 1:
            raise forms.ValidationError("between 0 and 1")
        return value


@admin.register(AnswerBotSettings)
class AnswerBotSettingsAdmin(admin.ModelAdmin):
    form = AnswerBotSettingsForm
    filter_horizontal = ["plans"]


@admin.register(BotOffer)
class BotOfferAdmin(admin.ModelAdmin):
    list_display = ["ticket", "outcome", "confidence", "created_at", "decided_at"]
    list_filter = ["outcome"]
    readonly_fields = ["ticket", "message", "article_ids", "confidence", "nonce", "outcome", "created_at", "decided_at"]


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = ["article", "question", "user", "created_at"]
    readonly_fields = ["article", "question", "user", "created_at"]
