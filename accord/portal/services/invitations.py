"""Staff invite a contact to the portal: a portal user (an ordinary user with the portal customer
or partner role, no password until they choose one) and its ``PortalAccess``, then the invitation
with a sign-in link."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import Action
from accord.identity.middleware import is_portal_user
from accord.identity.models import PortalAccess, PortalKind, Role, User
from accord.people.models import Company, Contact
from accord.portal.services import signin
from accord.service.services.tickets import primary_company

ROLE_OF = {PortalKind.CUSTOMER: Role.PORTAL_CUSTOMER, PortalKind.PARTNER: Role.PARTNER}


def _check_actor(actor: User | None, contact: Contact) -> None:
    if actor is None:
        return
    if is_portal_user(actor):
        raise access.AccessDenied()
    # Whoever may change the contact may give it access to the portal.
    access.require(actor, Action.CHANGE, contact)


@transaction.atomic
def invite(
    *,
    actor: User | None,
    contact: Contact,
    kind: str = PortalKind.CUSTOMER,
    company: Company | None = None,
    notify: bool = True,
) -> PortalAccess:
    """Give ``contact`` access to the portal as a customer or a partner of ``company`` (default:
    the contact's primary company) and e-mail them an invitation with a sign-in link. Inviting
    again someone already invited switches their access back on and sends a new link. ``notify``
    False sends nothing (the demo, whose portal users have a password)."""
    _check_actor(actor, contact)
    errors: dict[str, list[str]] = {}
    if kind not in PortalKind.values:
        errors["kind"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(PortalKind.values)}]
    email = (contact.primary_email or "").strip().lower()
    if not email:
        errors["email"] = [_("The contact has no e-mail address to send the invitation to.")]
    company = company or primary_company(contact)
    if kind == PortalKind.PARTNER and company is None:
        errors["company"] = [_("A partner signs in for a company: link the contact to one first.")]
    if company is not None and actor is not None and not access.can_view(actor, company):
        errors["company"] = [_("No such record, or you may not see it.")]
    if errors:
        raise ValidationError(errors)
    existing = PortalAccess.objects.select_for_update().select_related("user").filter(contact=contact).first()
    if existing is not None:
        portal = _renew(actor, existing, kind, company)
    else:
        portal = _create(actor, contact, email, kind, company)
    if notify:
        signin.send_link(access=portal, invitation=True)
    return portal


def _renew(actor: User | None, portal: PortalAccess, kind: str, company: Company | None) -> PortalAccess:
    before = changes.snapshot(portal)
    portal.kind, portal.company, portal.active = kind, company, True
    if changes.snapshot(portal) != before:
        portal.version += 1
        portal.save()
        changes.record_update(actor=actor, obj=portal, before=before)
    user = portal.user
    role = Role.objects.get(code=ROLE_OF[PortalKind(kind)])
    if user.role_id != role.pk or not user.is_active:
        user.role, user.is_active = role, True
        user.save(update_fields=["role", "is_active"])
    return portal


def _create(actor: User | None, contact: Contact, email: str, kind: str, company: Company | None) -> PortalAccess:
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        # A staff member's address (or another contact's portal account): one person, one account.
        raise ValidationError({"email": [_("A user with this e-mail address already exists.")]})
    user = User(
        username=email,
        email=email,
        first_name=contact.first_name[:150],
        last_name=contact.last_name[:150],
        role=Role.objects.get(code=ROLE_OF[PortalKind(kind)]),
        language=contact.preferred_language or "",
    )
    user.set_unusable_password()  # signs in by link until they choose a password
    user.save()
    changes.record_create(actor=actor, obj=user)
    portal = PortalAccess.objects.create(user=user, kind=kind, contact=contact, company=company, invited_by=actor)
    changes.record_create(actor=actor, obj=portal)
    return portal


@transaction.atomic
def revoke(*, actor: User | None, portal: PortalAccess) -> PortalAccess:
    """Switch a contact's portal access off: their sessions stop reaching anything of the portal."""
    _check_actor(actor, portal.contact)
    locked = PortalAccess.objects.select_for_update().get(pk=portal.pk)
    before = changes.snapshot(locked)
    locked.active = False
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


def portal_of(contact: Any) -> PortalAccess | None:
    return PortalAccess.objects.select_related("user").filter(contact=contact).first()
