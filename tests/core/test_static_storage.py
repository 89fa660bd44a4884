"""core.static_storage: production's static storage gives WhiteNoise's hashed URLs, works each one out once, and
still refuses a file missing from the manifest."""

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.static_storage import StaticStorage


@pytest.fixture
def collected(tmp_path):
    (tmp_path / "css").mkdir()
    manifest = {"version": "1.1", "hash": "0", "paths": {"css/site.css": "css/site.0123abcd.css",
                                                          "vendor/a b.js": "vendor/a b.feedbeef.js"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return tmp_path


def test_static_urls_are_whitenoise_s_and_worked_out_once(collected, monkeypatch):
    ours = StaticStorage(location=collected, base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=collected, base_url="/static/")
    for name in ("css/site.css", "vendor/a b.js", "css/site.css?v=1#top"):
        assert ours.url(name) == theirs.url(name)
    assert ours.url("css/site.css") == "/static/css/site.0123abcd.css"

    def no_more_lookups(*args, **kwargs):
        raise AssertionError("looked up again")

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", no_more_lookups)
    assert ours.url("css/site.css") == "/static/css/site.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(collected):
    storage = StaticStorage(location=collected, base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
