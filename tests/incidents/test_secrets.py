"""Connector secrets: Fernet keys from TRELLIS_SECRETS_KEY, rotation, and the checks
that production has a key."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.connectors import secrets
from incidents.connectors.services import source_secrets_set
from incidents.models import IncidentSource

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_configured_key_encrypts_and_only_it_decrypts(settings):
    settings.TRELLIS_SECRETS_KEY = OLD
    stored = secrets.secret_encrypt("u+token")
    assert "u+token" not in stored
    assert Fernet(OLD.encode()).decrypt(stored.encode()) == b"u+token"
    settings.TRELLIS_SECRETS_KEY = NEW
    assert secrets.secret_decrypt(stored) == ""  # another key: unreadable, not an error


def test_rotation_re_encrypts_every_source_with_the_first_key(db, settings):
    settings.TRELLIS_SECRETS_KEY = OLD
    source = IncidentSource.objects.create(name="pd", kind="pagerduty")
    source_secrets_set(source=source, token="u+token", webhook_secret="whsec")
    lost = IncidentSource.objects.create(name="lost", kind="pagerduty")
    lost.token_encrypted = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    lost.save()

    settings.TRELLIS_SECRETS_KEY = f"{NEW}, {OLD}"  # the new key first, the old still reads
    with pytest.raises(CommandError, match="lost"):
        call_command("rotate_incident_secrets")

    source.refresh_from_db()
    settings.TRELLIS_SECRETS_KEY = NEW  # the old key dropped
    assert secrets.secret_decrypt(source.token_encrypted) == "u+token"
    assert secrets.secret_decrypt(source.webhook_secret_encrypted) == "whsec"


def test_without_a_key_tests_derive_one_and_production_refuses(settings):
    settings.TRELLIS_SECRETS_KEY = ""
    assert secrets.secret_decrypt(secrets.secret_encrypt("abc")) == "abc"
    settings.TRELLIS_SECRETS_KEY_REQUIRED = True
    with pytest.raises(ImproperlyConfigured, match="TRELLIS_SECRETS_KEY is not set"):
        secrets.secret_encrypt("abc")


def test_the_deploy_check_reports_a_missing_key_and_any_check_a_bad_one(settings):
    settings.DEBUG = False
    settings.TRELLIS_SECRETS_KEY = ""
    assert [m.id for m in secrets.check_secrets_key_deploy()] == ["incidents.E102"]
    settings.TRELLIS_SECRETS_KEY = NEW
    assert secrets.check_secrets_key_deploy() == []
    assert secrets.check_secrets_key() == []
    settings.TRELLIS_SECRETS_KEY = f"{NEW},not-a-key"
    (problem,) = secrets.check_secrets_key()
    assert problem.id == "incidents.E101" and "key 2 is not a Fernet key" in problem.msg
    with pytest.raises(ImproperlyConfigured):
        secrets.secret_encrypt("abc")
