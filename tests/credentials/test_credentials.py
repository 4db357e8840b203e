"""Open Badges 3.0 credentials: issued on award, signed (eddsa-rdfc-2022), served
publicly, baked into a badge, revoked through the status list (SQLite, eager tasks)."""

import copy
import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from credentials import documents, proofs, selectors, services
from credentials.exceptions import CredentialError
from credentials.keys import issuer_key
from credentials.models import IssuedCredential, StatusList
from tests.credentials.factories import earn_certification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_award_gets_one_signed_open_badge_credential(
    learner, django_capture_on_commit_callbacks
):
    credential = earn_certification(
        learner, django_capture_on_commit_callbacks, name="Kubernetes Operator"
    )
    doc = credential.document

    assert doc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"].endswith(f"/credentials/{credential.public_id}.json")
    assert doc["issuer"]["id"] == issuer_key().did
    assert doc["issuer"]["id"].startswith("did:key:z6Mk")
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Kubernetes Operator"
    assert achievement["criteria"]["narrative"].startswith("Pass the assessments ")
    attempt_id = credential.award.evidence["assessments"]
    assert [e["id"] for e in doc["evidence"]] == [
        documents.absolute(reverse("assessments:attempt", args=[pk])) for pk in attempt_id.values()
    ]
    # the recipient is a salted hash of the e-mail address, never the address
    identity = doc["credentialSubject"]["identifier"][0]
    expected = hashlib.sha256((learner.email.lower() + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert identity["hashed"] is True
    assert learner.email not in json.dumps(doc)
    # signed with this Trellis's key
    assert doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert doc["proof"]["verificationMethod"] == issuer_key().verification_method
    assert proofs.verify(doc)
    assert doc["credentialStatus"]["statusListIndex"] == str(credential.status_index)
    # issuing again returns the same credential
    assert services.credential_issue(award_id=credential.award_id) == credential
    assert IssuedCredential.objects.count() == 1


def test_any_change_to_a_signed_credential_breaks_its_proof(
    learner, django_capture_on_commit_callbacks
):
    doc = earn_certification(learner, django_capture_on_commit_callbacks).document
    for change in (
        lambda d: d.update(name=d["name"] + "!"),
        lambda d: d["credentialSubject"]["achievement"].update(name="Something else"),
        lambda d: d["credentialSubject"]["identifier"][0].update(salt="00"),
        lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
        lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
    ):
        altered = copy.deepcopy(doc)
        change(altered)
        assert not proofs.verify(altered)
    assert proofs.verify(doc)


def test_the_public_documents_need_no_sign_in(client, learner, django_capture_on_commit_callbacks):
    credential = earn_certification(learner, django_capture_on_commit_callbacks)

    response = client.get(f"/credentials/{credential.public_id}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response.json() == credential.document

    status_url = credential.document["credentialStatus"]["statusListCredential"]
    status = client.get(urlsplit(status_url).path).json()
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status["issuer"] == issuer_key().did
    assert proofs.verify(status)
    bits = documents.decode_bitstring(status["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == StatusList.SIZE and not any(bits)

    achievement = client.get(
        reverse("credentials:achievement", args=[credential.award.certification.slug])
    ).json()
    assert achievement["id"] == credential.document["credentialSubject"]["achievement"]["id"]
    issuer = client.get(reverse("credentials:issuer")).json()
    assert issuer["id"] == issuer_key().did
    assert issuer["verificationMethod"]["publicKeyMultibase"] == issuer_key().public_multibase

    page = client.get(f"/credentials/{credential.public_id}/")
    assert page.status_code == 200
    assert 'data-verdict="valid"' in page.content.decode()
    assert client.get("/credentials/00000000-0000-0000-0000-000000000000.json").status_code == 404


def test_the_badge_has_the_credential_baked_in(client, learner, django_capture_on_commit_callbacks):
    credential = earn_certification(learner, django_capture_on_commit_callbacks)

    response = client.get(reverse("credentials:badge", args=[credential.public_id]))

    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in svg
    baked = re.search(
        r"<openbadges:credential><!\[CDATA\[(.*?)\]\]></openbadges:credential>", svg, re.S
    )
    assert baked is not None
    assert json.loads(baked.group(1)) == credential.document


def test_the_page_checks_a_pasted_copy(client, learner, django_capture_on_commit_callbacks):
    credential = earn_certification(learner, django_capture_on_commit_callbacks)
    url = f"/credentials/{credential.public_id}/"
    good = json.dumps(credential.document)

    assert (
        'id="checked-status" data-verdict="valid"'
        in client.post(url, {"document": good}).content.decode()
    )
    tampered = good.replace(credential.document["name"], credential.document["name"] + "x", 1)
    assert (
        'id="checked-status" data-verdict="tampered"'
        in client.post(url, {"document": tampered}).content.decode()
    )
    response = client.post(url, {"document": "{not json"})
    assert response.status_code == 400
    assert "That is not JSON." in response.content.decode()


def test_a_tampered_stored_credential_shows_as_tampered(
    client, learner, django_capture_on_commit_callbacks
):
    credential = earn_certification(learner, django_capture_on_commit_callbacks)
    doc = copy.deepcopy(credential.document)
    doc["credentialSubject"]["achievement"]["name"] = "Forged"
    IssuedCredential.objects.filter(pk=credential.pk).update(document=doc)

    page = client.get(f"/credentials/{credential.public_id}/").content.decode()

    assert 'data-verdict="tampered"' in page


def test_an_admin_revokes_a_credential_and_it_is_audited(
    client, learner, platform_admin, django_capture_on_commit_callbacks
):
    credential = earn_certification(learner, django_capture_on_commit_callbacks)
    other = earn_certification(UserFactory(), django_capture_on_commit_callbacks)
    revoke_url = reverse("credentials:revoke", args=[credential.public_id])

    # a learner may not revoke
    client.force_login(learner)
    assert client.post(revoke_url, {"reason": "x"}).status_code == 403
    # an admin may, once
    client.force_login(platform_admin)
    response = client.post(revoke_url, {"reason": "Exam leaked"})
    assert response.status_code == 302

    credential.refresh_from_db()
    assert credential.is_revoked and credential.revoked_by == platform_admin
    status = client.get(
        reverse("credentials:status_list", args=[credential.status_list.number])
    ).json()
    assert proofs.verify(status)
    bits = documents.decode_bitstring(status["credentialSubject"]["encodedList"])
    on = [i for i in range(StatusList.SIZE) if bits[i // 8] & (0x80 >> (i % 8))]
    assert on == [credential.status_index] != [other.status_index]
    assert selectors.credential_verify(credential).verdict == "revoked"
    assert selectors.credential_verify(other).verdict == "valid"
    client.logout()
    page = client.get(f"/credentials/{credential.public_id}/").content.decode()
    assert 'data-verdict="revoked"' in page and "Exam leaked" in page
    entry = LogEntry.objects.filter(additional_data__event="credential_revoked").get()
    assert entry.actor == platform_admin
    assert entry.additional_data["public_id"] == str(credential.public_id)
    with pytest.raises(CredentialError, match="already revoked"):
        services.credential_revoke(credential=credential, actor=platform_admin)


def test_the_admin_action_revokes(client, learner, django_capture_on_commit_callbacks):
    credential = earn_certification(learner, django_capture_on_commit_callbacks)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)

    client.post(
        reverse("admin:credentials_issuedcredential_changelist"),
        {"action": "revoke", "_selected_action": [credential.pk]},
    )

    credential.refresh_from_db()
    assert credential.is_revoked and credential.revoked_by == superuser
    assert selectors.credential_verify(credential).verdict == "revoked"
    assert LogEntry.objects.filter(additional_data__event="credential_revoked").count() == 1


def test_status_entries_are_unique_and_a_full_list_starts_the_next(
    learner, django_capture_on_commit_callbacks
):
    first = earn_certification(learner, django_capture_on_commit_callbacks)
    StatusList.objects.filter(pk=first.status_list_id).update(next_index=StatusList.SIZE)
    second = earn_certification(learner, django_capture_on_commit_callbacks)
    assert (first.status_list.number, second.status_list.number) == (1, 2)
    assert second.status_index == 0
    assert proofs.verify(second.status_list.document)
