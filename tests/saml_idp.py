"""A SAML 2.0 identity provider for tests: pysaml2's own IdP `Server`, with a throwaway
key and certificate made here, answering the authentication requests Trellis sends
with real signed (or deliberately unsigned) responses."""

import base64
import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server

XMLSEC = "/usr/bin/xmlsec1"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
SSO_URL = "https://idp.example.test/sso/redirect"


def throwaway_key_pair(directory: Path, name: str) -> tuple[str, str]:
    """A 2048-bit RSA key and a self-signed certificate valid for a day, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


class SamlIdentityProvider:
    entity_id = "https://idp.example.test/metadata"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key_file, self.cert_file = throwaway_key_pair(directory, "idp")
        self.server: Server | None = None

    def _config(self, sp_metadata: str | None) -> IdPConfig:
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": XMLSEC,
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "service": {
                    "idp": {
                        "name": "Test IdP",
                        "endpoints": {"single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)]},
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_BASIC,
                            }
                        },
                    }
                },
                "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
            }
        )
        return config

    def metadata_file(self) -> str:
        """The IdP's metadata (entity id, SSO endpoint, signing certificate) as a file."""
        path = self.directory / "idp-metadata.xml"
        path.write_text(str(entity_descriptor(self._config(None))))
        return str(path)

    def trust(self, sp_metadata: str) -> None:
        """Know the service provider (its ACS URL) from the metadata it publishes."""
        self.server = Server(config=self._config(sp_metadata))

    def answer(
        self,
        redirect_url: str,
        *,
        email: str,
        attributes: dict[str, list[str]],
        signed: bool = True,
    ) -> dict[str, str]:
        """The form an IdP's browser page posts to the ACS, for the AuthnRequest in
        `redirect_url` (HTTP-Redirect binding): SAMLResponse and RelayState."""
        assert self.server is not None
        assert redirect_url.startswith(SSO_URL), redirect_url
        query = parse_qs(urlsplit(redirect_url).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        args = self.server.response_args(request.message, [BINDING_HTTP_POST])
        response = self.server.create_authn_response(
            identity=attributes,
            userid=email,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": PASSWORD_PROTECTED, "authn_auth": self.entity_id},
            sign_assertion=signed,
            sign_response=signed,
            **args,
        )
        return {
            "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
            "RelayState": query.get("RelayState", [""])[0],
            "_acs": args["destination"],
        }
