"""Headers and markup: a Content-Security-Policy with no inline code, no remote images."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from config.markdown import render_markdown

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Mail is not served to browsers: its HTML keeps inline styles for mail clients.
MAIL = {"invitation_email.html", "password_reset_email.html", "notice.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/api/docs/", "/healthz"])
def test_every_answer_carries_a_policy_without_inline_code(path):
    policy = _policy(Client().get(path))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    sources = {source for values in policy.values() for source in values}
    assert not sources & {"'unsafe-inline'", "'unsafe-eval'", "*"}


@pytest.mark.parametrize(
    "template",
    sorted(p for p in TEMPLATES.rglob("*.html") if p.name not in MAIL),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_no_template_holds_inline_script_handler_or_style(template):
    text = template.read_text()

    assert not INLINE_SCRIPT.search(text)
    assert not INLINE_HANDLER.search(text)
    assert not INLINE_STYLE.search(text)


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_from_a_file():
    page = Client().get("/api/docs/").content.decode()
    script_url = re.findall(r'<script src="([^"]*script=[^"]*)"', page)[0].replace("&amp;", "&")

    script = Client().get(script_url)

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_remote_images_in_markdown_are_off_by_default():
    html = render_markdown("![pixel](https://tracker.example/p.gif) ![logo](/static/favicon.svg)")

    assert "tracker.example" not in html
    assert 'alt="pixel"' in html
    assert '<img src="/static/favicon.svg" alt="logo">' in html


def test_listed_image_hosts_are_allowed_over_https_only(settings):
    settings.TRELLIS_MARKDOWN_IMAGE_HOSTS = ["img.example.org"]

    html = render_markdown(
        "![a](https://img.example.org/a.png) ![b](http://img.example.org/b.png) "
        "![c](https://img.example.org.evil.test/c.png) ![d](//other.test/d.png)"
    )

    assert 'src="https://img.example.org/a.png"' in html
    assert "http://img.example.org/b.png" not in html
    assert "evil.test" not in html
    assert "other.test" not in html


def _production_settings(**env) -> dict:
    """Settings as config.settings.production reads them from `env`, in a fresh process."""
    code = (
        "import json, config.settings.production as s; print(json.dumps({"
        "'img': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'],"
        "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "'redirect': s.SECURE_SSL_REDIRECT}))"
    )
    environ = {**os.environ, "DJANGO_SECRET_KEY": "s" * 60, **env}
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def test_production_turns_hsts_on_and_lists_image_hosts_in_the_policy():
    default = _production_settings()
    listed = _production_settings(TRELLIS_MARKDOWN_IMAGE_HOSTS="img.example.org")

    assert default["hsts"] >= 31536000 and default["sub"] and default["redirect"]
    assert default["img"] == ["'self'", "data:"]
    assert listed["img"] == ["'self'", "data:", "https://img.example.org"]
