import pytest


@pytest.fixture
def environ(environ):
    """The profile consumer is run by the test (``consume``), and reads events at once."""
    environ["CONTENT_CONSUMER_IN_APP"] = "0"
    environ["CONTENT_SETTLE_MS"] = "1"
    return environ
