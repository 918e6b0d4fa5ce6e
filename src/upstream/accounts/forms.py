"""Forms of the account pages: preferences and API tokens."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.utils.translation import gettext_lazy as _

from upstream.accounts.models import Language


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """IANA zones people recognise (Area/City and UTC), sorted; legacy aliases such as "PRC" are left out."""
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "posix", "right"))
    )
    return [("UTC", "UTC"), *[(z, z.replace("_", " ")) for z in zones]]


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “monitoring integration”."),
    )
