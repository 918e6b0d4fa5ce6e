"""Signed survey links: who may answer which survey, without signing in.

A token names one survey (kind + id) and is signed with SECRET_KEY and a salt per kind, so a CSAT token cannot be
replayed as an NPS one and an edited id fails the signature. It expires after the configured number of days.
Single use is not in the token: the survey row itself says whether it was answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.urls import reverse

Kind = Literal["csat", "nps", "visit"]
SALTS: dict[str, str] = {
    "csat": "upstream.surveys.csat",
    "nps": "upstream.surveys.nps",
    "visit": "upstream.surveys.visit",
}
ROUTES: dict[str, str] = {"csat": "surveys:csat_link", "nps": "surveys:nps_link", "visit": "surveys:visit_link"}
DAY = 24 * 60 * 60


@dataclass(frozen=True)
class Verdict:
    """What a token says: the survey id, or why it cannot be used ("forged" or "expired")."""

    survey_id: int | None
    problem: str = ""


def make_token(kind: Kind, survey_id: int) -> str:
    return signing.dumps({"i": survey_id}, salt=SALTS[kind], compress=True)


def read_token(kind: Kind, token: str, *, max_age_days: int) -> Verdict:
    try:
        data = signing.loads(token, salt=SALTS[kind], max_age=max_age_days * DAY)
    except signing.SignatureExpired:
        return Verdict(None, "expired")
    except signing.BadSignature:
        return Verdict(None, "forged")
    survey_id = data.get("i") if isinstance(data, dict) else None
    if not isinstance(survey_id, int) or isinstance(survey_id, bool):
        return Verdict(None, "forged")
    return Verdict(survey_id)


def link(kind: Kind, survey_id: int, *, score: int | None = None) -> str:
    """The absolute address of a survey's answer page; `score` pre-selects a choice (the one-click links)."""
    url = settings.SITE_URL.rstrip("/") + reverse(ROUTES[kind], kwargs={"token": make_token(kind, survey_id)})
    return url if score is None else f"{url}?score={score}"
