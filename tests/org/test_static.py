from django.core.management import call_command


def test_collectstatic_with_the_production_storage(settings, tmp_path):
    # given the storage production uses (hashed names, compressed copies)
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # when every vendored and project file is collected
    call_command("collectstatic", interactive=False, verbosity=0)
    # then the vendored libraries are there, no CDN needed
    names = {p.name for p in tmp_path.rglob("*")}
    assert "staticfiles.json" in names
    for lib in ("pico.min.css", "htmx.min.js", "chart.umd.min.js", "trellis.css"):
        assert lib in names
