from tests.orders import clock  # noqa: F401 - shared fixtures
from tests.practice import admin_site, practice  # noqa: F401 - shared fixtures
