class CredentialError(Exception):
    """A credential cannot be issued, verified or revoked as asked."""
