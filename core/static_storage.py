"""The static files' storage in production: WhiteNoise's compressed, hashed files with their URLs remembered.

Every page names a dozen static files (``{% static %}``); for each, the manifest storage cleans the name, looks up
its hashed name and joins and quotes the URL. The manifest is read once when the process starts and never changes
while it runs, so neither does a file's URL: it is worked out once per file. A name missing from the manifest still
raises, every time, as WhiteNoise's storage does."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

MAX_REMEMBERED = 4096  # far more than the project's static files


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = super().url(name)
            if len(self._urls) < MAX_REMEMBERED:
                self._urls[name] = url
            return url
