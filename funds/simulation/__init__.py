"""Reform simulation (杭州 art. 33): re-settle a stored year's bills under a draft parameter set.

- `drafts`: a draft's changes checked against the region's declarations (name and shape);
- `inputs`: the stored bills streamed in person and date order, with each person's profile;
- `replay`: each person's year replayed through the engine twice, live rules and the draft;
- `summary`: the comparison (per fund, district, category, bill kind; catastrophic bands;
  out-of-pocket deciles);
- `run`: the batch with progress (Celery task `funds.tasks.run_simulation`, and
  `manage.py simulate_reform`).

Nothing is written to the live tables: the result is one JSON on the run row.
"""

from .drafts import validate_changes
from .run import simulate, start_run

__all__ = ["simulate", "start_run", "validate_changes"]
