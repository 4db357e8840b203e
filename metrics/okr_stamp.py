"""The stamp of everything the OKR progress on the cohort dashboard shows
(`config.stamps`): objectives, their key results and the names of their teams.

Saves and deletes bump it through signals (connected in `MetricsConfig.ready`, cascades
included); the writes that send none (`QuerySet.update` in `metrics.services`) call
`okrs_changed` themselves.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save

from config import stamps

OKRS = "metrics:okrs"


def okrs_changed() -> None:
    stamps.bump(OKRS)


def _on_write(sender: Any, **kwargs: Any) -> None:
    okrs_changed()


def connect() -> None:
    from org.models import Team

    from .models import KeyResult, Objective

    for model in (Objective, KeyResult, Team):
        for signal in (post_save, post_delete):
            signal.connect(_on_write, sender=model, dispatch_uid=f"{OKRS}.{model.__name__}")
