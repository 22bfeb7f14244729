"""Reform simulation (杭州 art. 33): re-settle a stored year's bills under a draft parameter set.

- `drafts`: a draft's changes checked against the region's declarations (name and shape);
- `inputs`: the stored bills streamed in person and date order, with each person's profile;
- `replay`: each person's year replayed through the engine twice, live rules and the draft;
- `summary`: the comparison (per fund, district, category, bill kind; catastrophic bands;
  out-of-pocket deciles);
- `run`: the batch with progress (Celery task `funds.tasks.run_simulation`, and
  `manage.py simulate_reform`), its parts in processes of their own (`worker`).

Nothing is written to the live tables: the result is one JSON on the run row.

The names below are imported on first use: a spawned child imports `worker` from this package
before Django is set up, so the package itself imports nothing of Django.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .drafts import validate_changes
    from .run import simulate, start_run

__all__ = ["simulate", "start_run", "validate_changes"]


def __getattr__(name: str):
    if name == "validate_changes":
        from .drafts import validate_changes

        return validate_changes
    if name in ("simulate", "start_run"):
        from . import run

        return getattr(run, name)
    raise AttributeError(name)
