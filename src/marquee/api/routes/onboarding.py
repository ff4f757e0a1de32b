"""Onboarding of a new profile: a diverse popular set to pick from, and the picks."""

from __future__ import annotations

from fastapi import APIRouter

from marquee.api.deps import CurrentPrincipal, HomeDep, OnboardingDep
from marquee.api.schemas.accounts import ProfileId
from marquee.api.schemas.home import OnboardingChoices, OnboardingPicks, OnboardingSaved
from marquee.recs.coldstart import MAX_PICKS, MIN_PICKS

router = APIRouter(prefix="/profiles/{profile_id}/onboarding", tags=["recommendations"])


@router.get("", summary="Popular titles across genres for a new profile to pick from")
def get_choices(
    profile_id: ProfileId, principal: CurrentPrincipal, home: HomeDep, onboarding: OnboardingDep
) -> OnboardingChoices:
    viewer = home.viewer(account_id=principal.account_id, profile_id=profile_id)
    cards = onboarding.choices(viewer)
    return OnboardingChoices.of(cards, min_picks=MIN_PICKS, max_picks=MAX_PICKS)


@router.post("", summary="Save the picks (at least three titles or genres); rows follow at once")
def save_picks(
    profile_id: ProfileId,
    body: OnboardingPicks,
    principal: CurrentPrincipal,
    home: HomeDep,
    onboarding: OnboardingDep,
) -> OnboardingSaved:
    viewer = home.viewer(account_id=principal.account_id, profile_id=profile_id)
    picks = onboarding.save(viewer, title_ids=body.title_ids, genres=body.genres)
    home.forget(profile_id)
    return OnboardingSaved(title_ids=picks.titles, genres=picks.genres)
