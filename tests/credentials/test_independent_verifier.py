"""An award's credential verified by an independent implementation: Digital Bazaar's
npm packages (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite,
vc-bitstring-status-list) in tests/node/vc-verifier, installed by `make node-deps`,
against the live app. Marked e2e so `make test-e2e` (which runs node-deps first) runs it.
"""

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from credentials import services
from tests.credentials.factories import earn_certification
from tests.factories import UserFactory

VERIFIER = Path(__file__).resolve().parents[1] / "node" / "vc-verifier"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _verifier_missing() -> str | None:
    if shutil.which("node") is None:
        return "needs node (make system-deps)"
    if not (VERIFIER / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        return "needs the verifier's npm packages: make node-deps"
    return None


@pytest.fixture
def verify(live_server):
    missing = _verifier_missing()
    if missing:
        if os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1":
            pytest.fail(missing)
        pytest.skip(missing)

    def run(source: str) -> tuple[int, dict]:
        done = subprocess.run(
            ["node", "verify.js", source, "--origin", live_server.url],
            cwd=VERIFIER,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.stdout.strip(), done.stderr
        return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])

    return run


def _get(url: str) -> tuple[int, str]:
    # anonymous: no cookie, no credentials
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


def test_npm_verifier_accepts_the_award_rejects_a_changed_copy_and_sees_revocation(
    live_server, settings, verify, tmp_path, django_capture_on_commit_callbacks
):
    settings.TRELLIS_BASE_URL = live_server.url
    learner = UserFactory()
    credential = earn_certification(
        learner, django_capture_on_commit_callbacks, name="Incident Commander"
    )
    url = f"{live_server.url}/credentials/{credential.public_id}.json"

    # the credential, fetched anonymously from the live app, verifies
    status, text = _get(url)
    assert status == 200
    original = tmp_path / "credential.json"
    original.write_text(text)
    assert verify(str(original)) == (0, {"verified": True, "revoked": False, "errors": []})

    # one character changed: the proof fails
    at = text.index("Incident Commander") + len("Incident ")
    changed = tmp_path / "changed.json"
    changed.write_text(text[:at] + "c" + text[at + 1 :])
    assert json.loads(changed.read_text())["name"] == "Incident commander"
    code, result = verify(str(changed))
    assert code == 1
    assert result["verified"] is False
    assert any("signature" in e.lower() for e in result["errors"])

    # revoked by an admin: the published status list says so, the verifier and page too
    services.credential_revoke(
        credential=credential, actor=UserFactory(personas=["admin"]), reason="Issued in error"
    )
    code, result = verify(url)
    assert (code, result["verified"], result["revoked"]) == (2, True, True)
    status, page = _get(f"{live_server.url}/credentials/{credential.public_id}/")
    assert status == 200
    assert 'data-verdict="revoked"' in page
