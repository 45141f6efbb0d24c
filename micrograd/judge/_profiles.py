"""Hypothesis profiles (``dev``, ``ci``, ``student``, ``grading``), registered once and chosen by name or with
``HYPOTHESIS_PROFILE``: what ``micrograd check --explore``, the catalogue and the pytest plugin
(:mod:`micrograd.testing`) share. No pytest here: the check imports it."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Dict, Iterator, Optional, Tuple

from hypothesis import HealthCheck, Phase, settings

from micrograd.spec import Property

__all__ = ["PROFILES", "ProfileError", "load_profile", "profile_loaded", "profile_settings", "register_profiles"]


class ProfileError(ValueError):
    """An unknown Hypothesis profile name; the message lists the known ones."""


#: what the deterministic profiles share: the same examples every run, no deadline, nothing kept
_DETERMINISTIC: Dict[str, Any] = dict(
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
#: profile name -> settings; registered once, by register_profiles()
PROFILES = {
    # derandomize=False said explicitly: under CI, Hypothesis's default (every unset setting) is derandomized
    "dev": dict(max_examples=50, deadline=None, derandomize=False),
    "ci": dict(_DETERMINISTIC, max_examples=100),
    "student": dict(_DETERMINISTIC, max_examples=30),
    "grading": dict(_DETERMINISTIC, max_examples=300, phases=[Phase.explicit, Phase.generate, Phase.shrink]),
}


def register_profiles() -> None:
    """Register PROFILES, each over Hypothesis's own defaults (not over whatever profile is loaded now)."""
    default = settings.get_profile("default")
    for name, values in PROFILES.items():
        settings.register_profile(name, parent=default, **values)


def load_profile(name: Optional[str] = None) -> str:
    """Load ``name``, else $HYPOTHESIS_PROFILE, else ``ci`` when $CI is set, else ``dev``."""
    register_profiles()
    chosen = name or os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    if chosen not in PROFILES:
        raise ProfileError(
            f"unknown Hypothesis profile {chosen!r} (from HYPOTHESIS_PROFILE); choose one of {', '.join(PROFILES)}"
        )
    settings.load_profile(chosen)
    return chosen


@contextlib.contextmanager
def profile_loaded(name: str) -> Iterator[str]:
    """Profile ``name`` loaded inside the block, then the settings loaded before it again (Hypothesis's public
    API of every version pyproject allows: no ``get_current_profile_name``)."""
    before = settings()
    load_profile(name)
    try:
        yield name
    finally:
        settings.register_profile(_RESTORED, before)
        settings.load_profile(_RESTORED)


#: the name under which profile_loaded puts back the settings it found
_RESTORED = "_micrograd_restored"

def profile_settings(prop: Property, current: Optional[settings] = None) -> Tuple[settings, Optional[int]]:
    """The settings and seed to run ``prop`` with under the loaded profile (``current``): its example count, and
    for a derandomized profile a fixed seed of its own (Hypothesis's ``derandomize`` would give every
    property the seed of the one wrapper that runs them all)."""
    from micrograd.judge import property_seed, settings_for

    current = current or settings()
    phases = [p for p in current.phases if p is not Phase.explain]
    chosen = settings_for(prop, current.max_examples, parent=current, shrink=Phase.shrink in phases)
    return chosen, property_seed(prop) if current.derandomize else None
