import pytest

from tests.conftest import make_user


@pytest.fixture
def analyst_b(users):
    """A second analyst, reachable as ``client_for("analyst_b")`` / ``api_client_for("analyst_b")``."""
    users["analyst_b"] = make_user("analyst", "analyst-b-user")
    return users["analyst_b"]
