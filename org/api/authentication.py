"""API token authentication: knox tokens that end with the password and the account."""

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's hashed, expiring tokens; a token made before the owner's last password
    change, or of a deactivated account, is refused and all the owner's tokens deleted."""

    def validate_user(self, auth_token):  # type: ignore[no-untyped-def]
        user = auth_token.user
        changed = user.password_changed_at
        if not user.is_active or (changed is not None and auth_token.created < changed):
            # Imported here: DRF loads this class while config.api (which org.tokens
            # reaches through org.exceptions) is still being imported.
            from org.tokens import user_tokens_revoke

            user_tokens_revoke(user=user, before=None if not user.is_active else changed)
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().validate_user(auth_token)
