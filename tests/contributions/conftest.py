from tests.enrollment.conftest import employer, make_person, provincial_wage  # noqa: F401
