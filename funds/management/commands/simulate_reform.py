"""`manage.py simulate_reform`: a reform study (杭州 art. 33) from the command line.

    manage.py simulate_reform --draft 3                      # a draft saved in the admin, recorded as a run
    manage.py simulate_reform --region hangzhou --year 2024 --changes changes.json

`--processes N` replays in N processes (default: the cores, on PostgreSQL).
`changes.json` is the draft's list of {"name", "effective_from", "value"}. Prints the result
as JSON; a refusal (unknown parameter, wrong shape, no bills) exits 2 naming the key.
"""

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from funds.models import ReformDraft
from funds.simulation import simulate, start_run
from funds.simulation.run import carry_out


class Command(BaseCommand):
    help = "Re-settle a stored year's bills under a draft parameter set and print the comparison."

    def add_arguments(self, parser):
        parser.add_argument("--draft", type=int, help="id of a saved draft (the run is recorded)")
        parser.add_argument("--region")
        parser.add_argument("--year", type=int)
        parser.add_argument("--changes", help="JSON file with the list of changes ('-' for stdin)")
        parser.add_argument(
            "--processes", type=int, help="processes replaying the bills (default: the cores)"
        )

    def handle(self, *args, draft=None, region=None, year=None, changes=None, processes=None, **options):
        try:
            if draft is not None:
                run = carry_out(start_run(draft=ReformDraft.objects.get(pk=draft)), processes=processes)
                if run.error:
                    raise CommandError(run.error, returncode=2)
                result = run.result
            else:
                if not (region and year and changes):
                    raise CommandError("--draft, or --region, --year and --changes", returncode=2)
                text = sys.stdin.read() if changes == "-" else open(changes, encoding="utf-8").read()
                result = simulate(region=region, year=year, changes=json.loads(text), processes=processes)
        except ReformDraft.DoesNotExist:
            raise CommandError(f"没有编号为 {draft} 的测算方案", returncode=2)
        except (ValidationError, json.JSONDecodeError) as error:
            messages = error.message_dict if isinstance(error, ValidationError) else {"changes": [str(error)]}
            raise CommandError(json.dumps({"errors": messages}, ensure_ascii=False), returncode=2)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
