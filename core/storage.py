"""Static files: hashed names with far-future caching (whitenoise), ES module imports rewritten."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The frontend's ES modules import each other by relative path; rewrite those imports to the
    # hashed names too, so that a new release never mixes old and new modules in a browser cache.
    support_js_module_import_aggregation = True
