from tests.practice import practice  # noqa: F401 - the shared fixture
