"""A web worker loads only what every request needs: the heavy libraries behind single
sign-on, statistics, credentials, calendars and connectors are imported by the code
that uses them. Checked in a fresh interpreter that loads the WSGI application and
every URL, as gunicorn does, with the production settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Each loaded on first use only (see the module docstrings of org.saml.views,
# org.account_urls, assessments.services.statistics, metrics.views, credentials.jsonld,
# credentials.keys, incidents.connectors.http and .secrets, notifications.calendar).
LAZY = [
    "saml2",
    "djangosaml2.views",
    "xmlschema",
    "mozilla_django_oidc.auth",
    "jwt",
    "numpy",
    "scipy",
    "pyld",
    "lxml",
    "cryptography",
    "httpx",
    "icalendar",
]

PROBE = """
import json, sys
from config.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted(sys.modules)))
"""


def test_web_worker_does_not_import_heavy_libraries() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "startup-imports-test",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert [name for name in LAZY if name in loaded] == []
