"""Chapter 9 models (杭州 art. 87–92, 99; 舟山 art. 68–73, 77).

Lower part (below claims, which may ask it): agreements and their breaches
(`agreements`), DRG weight tables and district budgets (`tables`).
Higher part (above claims: reads settlements): monthly clearings (`clearing`), the DRG
year-end settlement (`drg`), supervision rules and flags (`supervision`).

Models point at claims and enrollment only by lazy string references
("claims.Institution"), which import nothing.
"""

from .agreements import Agreement, Breach, Service
from .clearing import Clearing, ClearingDeduction, ClearingEntry
from .drg import DrgYear, DrgYearLine
from .supervision import Flag, Rule
from .tables import BudgetTable, DistrictBudget, DrgTable, DrgWeight

__all__ = [
    "Agreement",
    "Breach",
    "BudgetTable",
    "Clearing",
    "ClearingDeduction",
    "ClearingEntry",
    "DistrictBudget",
    "DrgTable",
    "DrgWeight",
    "DrgYear",
    "DrgYearLine",
    "Flag",
    "Rule",
    "Service",
]
