"""Settings for running on a developer's machine (``make run``)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="local-development-only-not-secret-0123456789abcdefghij"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# WhiteNoise warns when the collected-static folder is missing; in development the
# finders serve the files, so an empty folder is enough.
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)
