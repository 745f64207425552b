"""Two-factor sign-in: an authenticator app (TOTP, django-otp) plus single-use recovery codes.

A user has at most one confirmed authenticator and one set of recovery codes. Setting up writes an
unconfirmed device; it counts only once the user typed a code it produced. Wrong codes are
throttled per device by django-otp (1, 2, 4, 8... seconds between tries), across sessions.
"""

from __future__ import annotations

import math
import secrets
from base64 import b32encode
from typing import Any

import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.core import changes
from accord.identity.models import RecoveryCode, RecoveryCodeDevice, User, hash_recovery_code
from accord.identity.services.common import require_admin

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper and typed.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def _extra(user: User) -> dict[str, Any]:
    device = authenticator(user)
    return {
        "two_factor": device is not None,
        "authenticator": device.created_at if device is not None else None,
        "recovery_codes_left": recovery_codes_left(user),
    }


def _audit(actor: User | None, user: User, before: dict[str, Any]) -> None:
    changes.record_update(actor=actor, obj=user, before=before, extra=_extra(user))


def _before(user: User) -> dict[str, Any]:
    return changes.snapshot(user, extra=_extra(user))


# --- changing it ------------------------------------------------------------------------------------


def check_proof(*, user: User, session_verified: bool, proof: str) -> None:
    """What changing two-factor sign-in that is set up takes (a new phone, new recovery codes,
    turning it off): a session that passed it, and the password or the code the current app shows
    typed again, so a session left open, or one that gave the password only, changes nothing.

    Raises ValidationError: ``__all__`` for the session, ``proof`` for what was typed. A wrong code
    counts against the authenticator's throttling like one typed at sign-in.
    """
    if not session_verified:
        raise ValidationError(
            {"__all__": [_("Sign in with your code first: log out, then log in with your password and a code.")]}
        )
    if proof and user.check_password(proof):
        return
    code = "".join(str(proof).split())
    device = authenticator(user)
    if code.isdigit() and device is not None:
        try:
            _check_code(device, code, recovery=False)
        except ValidationError as exc:
            raise ValidationError({"proof": exc.message_dict["code"]}) from exc
        return
    if not proof:
        raise ValidationError({"proof": [_("Type your password or the code your authenticator app shows.")]})
    raise ValidationError({"proof": [_("This is neither your password nor the code your authenticator app shows.")]})


# --- setting up -------------------------------------------------------------------------------------


def pending_authenticator(*, user: User) -> TOTPDevice:
    """The authenticator being set up: the same one on every visit of the set-up page until it
    is confirmed, so a reload does not invalidate the QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn here: the secret never leaves the
    server for a QR service."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, dark="#111827", light="#ffffff")


def confirm_authenticator(
    *, user: User, code: str, session_verified: bool = False, proof: str = ""
) -> list[str] | None:
    """Turn the pending authenticator on once ``code`` proves the app has its key. Returns new
    recovery codes when the user had none (shown once), else None.

    Replacing an authenticator set up before (a new phone) is a change to it: see ``check_proof``.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationError({"code": [_("Start the set-up again: open this page from your profile.")]})
    if has_two_factor(user):
        check_proof(user=user, session_verified=session_verified, proof=proof)
    _check_code(device, code, recovery=False)
    with transaction.atomic():
        before = _before(user)
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = None if RecoveryCodeDevice.objects.filter(user=user).exists() else _new_codes(user)
        _audit(user, user, before)
    return codes


def _new_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=_("Recovery codes"))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=hash_recovery_code(c)) for c in codes])
    return codes


def regenerate_recovery_codes(*, user: User, session_verified: bool = False, proof: str = "") -> list[str]:
    """A fresh set of recovery codes; the old ones stop working. A change to two-factor sign-in:
    see ``check_proof``."""
    if not has_two_factor(user):
        raise ValidationError({"__all__": [_("Set up an authenticator app first.")]})
    check_proof(user=user, session_verified=session_verified, proof=proof)
    # Outside the transaction the proof's wrong code stays counted (``_check_code``).
    with transaction.atomic():
        before = _before(user)
        codes = _new_codes(user)
        _audit(user, user, before)
    return codes


# --- signing in -------------------------------------------------------------------------------------


def _wait_message(info: dict[str, Any] | None) -> str:
    until = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
    return ngettext(
        "Too many wrong codes: wait %(seconds)s second and try again.",
        "Too many wrong codes: wait %(seconds)s seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def _check_code(device: Device, code: str, *, recovery: bool) -> None:
    """Verify ``code`` on ``device`` or raise a ValidationError saying why. The verification
    commits on its own, so a wrong code's throttling stays even though the caller fails."""
    with transaction.atomic():
        locked: Any = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, info = locked.verify_is_allowed()
        verified = allowed and locked.verify_token(code)
    if verified:
        return
    if not allowed:
        raise ValidationError({"code": [_wait_message(info)]})
    if recovery:
        message = _("This recovery code is not right, or it was used already.")
    else:
        message = _("This code is not right. Type the code your authenticator app shows now; it changes every 30 s.")
    raise ValidationError({"code": [message]})


def verify(*, user: User, code: str) -> Device:
    """The device that accepts ``code`` for ``user`` at sign-in: six digits are the authenticator
    app's code, anything else a recovery code. Raises ValidationError (keyed ``code``)."""
    code = "".join(str(code).split())
    if not code:
        raise ValidationError({"code": [_("Type the code from your authenticator app or a recovery code.")]})
    if code.isdigit() and len(code) < 10:  # recovery codes are ten characters long
        totp = authenticator(user)
        if totp is None:
            raise ValidationError({"code": [_("Two-factor sign-in is not set up for this user.")]})
        _check_code(totp, code, recovery=False)
        return totp
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    if device is None:
        raise ValidationError({"code": [_("Type the six-digit code from your authenticator app.")]})
    before = _before(user)
    _check_code(device, code, recovery=True)
    with transaction.atomic():
        _audit(user, user, before)
    return device


# --- turning it off ---------------------------------------------------------------------------------


def _remove_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


def disable(*, user: User, proof: str, session_verified: bool = False) -> None:
    """The user turns two-factor sign-in off (see ``check_proof``). Not while their role requires
    it: they may set up a new phone instead."""
    if user.role.requires_two_factor:
        raise ValidationError(
            {"__all__": [_("Your role requires two-factor sign-in: you can set up a new phone, but not turn it off.")]}
        )
    check_proof(user=user, session_verified=session_verified, proof=proof)
    with transaction.atomic():
        before = _before(user)
        _remove_devices(user)
        _audit(user, user, before)


@transaction.atomic
def reset(*, actor: User | None, user: User) -> None:
    """An administrator removes a user's authenticator and recovery codes (a lost phone). The
    user signs in with their password and, if their role requires it, sets up a new one."""
    require_admin(actor)
    before = _before(user)
    _remove_devices(user)
    _audit(actor, user, before)
