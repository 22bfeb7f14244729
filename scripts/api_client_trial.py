"""A client generated from /api/schema/ works (issue 11), run by scripts/api_check.py.

    python scripts/api_client_trial.py <generated project dir> <base url> <institution token> <id number> <date>

Imports every module of the generated package, then through it, as the demo hospital: trial-settles
an outpatient bill of a demo insured person, settles the same bill, reads the settlement back and
reverses it. Each answer must be the documented success status, parsed into the generated model, and
the figures must agree (the trial's fund share equals the settlement's; the reversal negates it).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import sys
import uuid
from decimal import Decimal
from pathlib import Path


def fail(message: str) -> None:
    sys.exit(f"generated client: {message}")


def import_everything(project: Path):
    packages = [p for p in project.iterdir() if (p / "__init__.py").exists()]
    if len(packages) != 1:
        fail(f"expected one package in {project}, found {[p.name for p in packages]}")
    sys.path.insert(0, str(project))
    package = importlib.import_module(packages[0].name)
    names = [package.__name__]
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
        names.append(module.name)
    return package, names


def main(project: str, base: str, token: str, id_number: str, date: str) -> None:
    package, names = import_everything(Path(project))
    print(f"generated client: {package.__name__}, {len(names)} modules imported")
    name = package.__name__
    client_module = importlib.import_module(f"{name}.client")
    v1 = f"{name}.api.v1"
    trial = importlib.import_module(f"{v1}.v1_settlements_trial_create")
    create = importlib.import_module(f"{v1}.v1_settlements_create")
    retrieve = importlib.import_module(f"{v1}.v1_settlements_retrieve")
    reversal = importlib.import_module(f"{v1}.v1_settlements_reversal_create")
    models = importlib.import_module(f"{name}.models")

    client = client_module.AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
    bill = models.SettlementRequestRequest(
        id_number=id_number,
        bill_number=f"GEN-{uuid.uuid4().hex[:12]}",
        kind=models.SettlementRequestKindEnum.OUTPATIENT,
        date=dt.date.fromisoformat(date),
        eligible="860.00",
        out_of_scope="12.30",
        self_pay_first="40.00",
    )
    answer = trial.sync_detailed(client=client, body=bill)
    if answer.status_code != 200 or not isinstance(answer.parsed, models.SettlementTrialResponse):
        fail(f"trial: {answer.status_code} {answer.content[:500]!r}")
    trial_fund = Decimal(answer.parsed.basic_fund_paid)
    answer = create.sync_detailed(client=client, body=bill)
    if answer.status_code != 201 or not isinstance(answer.parsed, models.SettlementResponse):
        fail(f"settle: {answer.status_code} {answer.content[:500]!r}")
    settled = answer.parsed
    fund = Decimal(settled.basic_fund_paid)
    if fund != trial_fund or fund <= 0:
        fail(f"trial fund {trial_fund}, settled fund {fund}: must be equal and positive")
    answer = retrieve.sync_detailed(settled.settlement_id, client=client)
    if answer.status_code != 200 or (answer.parsed.settlement_id, answer.parsed.total) != (
        settled.settlement_id,
        settled.total,
    ):
        fail(f"read: {answer.status_code} {answer.content[:500]!r}")
    answer = reversal.sync_detailed(settled.settlement_id, client=client)
    if (
        answer.status_code != 201
        or Decimal(answer.parsed.basic_fund_paid) != -fund
        or answer.parsed.reverses != settled.settlement_id
    ):
        fail(f"reversal: {answer.status_code} {answer.content[:500]!r}")
    print(
        f"generated client: trial fund {trial_fund}, settlement {settled.settlement_id} fund {fund}, "
        f"read back, reversed by {answer.parsed.settlement_id} fund {answer.parsed.basic_fund_paid}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
