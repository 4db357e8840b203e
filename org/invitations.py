"""Invitations: an e-mail with a one-time link to set a first password.

The link's token is Django's password-reset token with its own salt and lifetime
(`TRELLIS_INVITATION_TIMEOUT`): it hashes the password and last sign-in, so it stops
working once used, and an admin re-sending the invitation issues a fresh one.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from config.mail import absolute_url, email_send

from .models import Invitation, User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "org.invitations.InvitationTokenGenerator"

    def check_token(self, user, token):  # type: ignore[no-untyped-def]
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > settings.TRELLIS_INVITATION_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_token = InvitationTokenGenerator()


def invitation_link(*, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return absolute_url(reverse("invitation_accept", args=[uid, invitation_token.make_token(user)]))


def invitation_send(*, user: User, sent_by: User | None = None) -> Invitation:
    """E-mail `user` a set-password link and record it. Raises what the mail backend raises."""
    invitation = Invitation.objects.create(user=user, sent_by=sent_by)
    email_send(
        to=user.email,
        subject="You are invited to Trellis",
        template="registration/invitation_email",
        context={
            "user": user,
            "link": invitation_link(user=user),
            "days": max(1, settings.TRELLIS_INVITATION_TIMEOUT // 86400),
            "sent_by": sent_by,
        },
    )
    return invitation


def invitations_send(*, user_ids: Iterable[int], sent_by: User | None = None) -> int:
    """Invite each active person in `user_ids`; returns how many were sent."""
    sent = 0
    for user in User.objects.filter(pk__in=list(user_ids), is_active=True):
        invitation_send(user=user, sent_by=sent_by)
        sent += 1
    return sent


def invitation_accepted(*, user: User) -> None:
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
