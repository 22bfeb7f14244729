"""Fixtures shared with other areas."""

from tests.enrollment.conftest import make_person  # noqa: F401
