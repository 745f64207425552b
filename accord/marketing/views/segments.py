"""Marketing → Segments: the list, the rule builder (with its live count), a segment's page with
its members, their export and call list, and a static list's members added by hand, from a file
or from the contact list's "Add to list"."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accord.core import access, bulk_actions, exports, lists
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict, message_dict
from accord.core.models import as_uuid
from accord.core.requests import AuthedRequest
from accord.marketing import segmenting
from accord.marketing.models import Segment, SegmentKind
from accord.marketing.selectors import segments as selectors
from accord.marketing.services import segments as services
from accord.marketing.views import builder
from accord.people.models import Contact
from accord.people.selectors import contact_columns, contacts_as_exported

MEMBERS_SHOWN = 50
EXPORT_CHUNK = 1000


@login_required
def segment_list(request: AuthedRequest) -> HttpResponse:
    segments = list(selectors.visible_segments(request.user).order_by("name", "id"))
    return render(
        request,
        "marketing/segments/list.html",
        {"segments": segments, "can_create": access.can_create(request.user)},
    )


def _form_data(request: AuthedRequest) -> dict[str, Any]:
    post = request.POST
    data: dict[str, Any] = {"name": post.get("name", ""), "description": post.get("description", "")}
    if post.get("kind"):
        data["kind"] = post["kind"]
    return data


def _editor(
    request: AuthedRequest,
    *,
    segment: Segment | None,
    kind: str,
    values: dict[str, Any],
    rules: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    context = {
        "segment": segment,
        "kind": kind,
        "is_static": kind == SegmentKind.STATIC,
        "values": values,
        "tree": builder.layout(rules, errors),
        "errors": errors,
        "general_errors": [m for key in ("__all__", "kind", "segment") for m in errors.get(key, [])],
        "rule_errors": [m for key, found in errors.items() if key.startswith("rules") for m in found],
    }
    return render(request, "marketing/segments/form.html", context, status=status)


def _save(request: AuthedRequest, segment: Segment | None) -> HttpResponse:
    """The editor's POST: a builder button re-draws the form; otherwise save."""
    kind = segment.kind if segment is not None else request.POST.get("kind") or SegmentKind.DYNAMIC
    rules = builder.from_post(request.POST)
    values = _form_data(request)
    op = request.POST.get("op", "")
    if op:
        return _editor(request, segment=segment, kind=kind, values=values, rules=builder.apply_op(rules, op))
    data = {**values, "rules": rules}
    try:
        if segment is None:
            saved = services.create_segment(actor=request.user, data=data)
        else:
            raw_version = request.POST.get("version", "")
            version = int(raw_version) if raw_version.isdigit() else None
            data.pop("kind", None)
            saved = services.update_segment(actor=request.user, segment=segment, data=data, expected_version=version)
    except ValidationError as exc:
        return _editor(
            request, segment=segment, kind=kind, values=values, rules=rules, errors=message_dict(exc), status=422
        )
    except Conflict as exc:
        conflict = {"__all__": [exc.message]}
        return _editor(request, segment=segment, kind=kind, values=values, rules=rules, errors=conflict, status=409)
    messages.success(request, _("The segment “%(name)s” is saved.") % {"name": saved.name})
    return redirect("marketing:segment-detail", pk=saved.pk)


@login_required
def segment_create(request: AuthedRequest) -> HttpResponse:
    access.require_create(request.user)
    if request.method == "POST":
        return _save(request, None)
    kind = SegmentKind.STATIC if request.GET.get("kind") == SegmentKind.STATIC else SegmentKind.DYNAMIC
    rules = {"match": "all", "rules": [{"type": builder.DEFAULT_TYPE}]}
    return _editor(request, segment=None, kind=kind, values={"name": "", "description": ""}, rules=rules)


@login_required
def segment_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, segment)
    if request.method == "POST":
        return _save(request, segment)
    values = {"name": segment.name, "description": segment.description, "version": segment.version}
    return _editor(request, segment=segment, kind=segment.kind, values=values, rules=segment.rules or {})


@login_required
@require_POST
def builder_view(request: AuthedRequest) -> HttpResponse:
    """The builder re-drawn after one of its buttons or a change of a rule's type (HTMX)."""
    rules = builder.apply_op(builder.from_post(request.POST), request.POST.get("op", ""))
    response = render(request, "marketing/segments/_builder.html", {"tree": builder.layout(rules)})
    response["HX-Trigger"] = "rules-changed"
    return response


@login_required
@require_POST
def count_view(request: AuthedRequest) -> HttpResponse:
    """The live count and the first members of the rules being edited, as the user sees them."""
    context: dict[str, Any] = {}
    try:
        rules = segmenting.clean(builder.from_post(request.POST), user=request.user)
    except ValidationError as exc:
        context["problems"] = [m for found in message_dict(exc).values() for m in found]
    else:
        contacts = selectors.matching(user=request.user, rules=rules)
        context["count"] = contacts.count()
        context["preview"] = selectors.preview(contacts)
    return render(request, "marketing/segments/_count.html", context)


@login_required
def segment_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    contacts = selectors.members(user=request.user, segment=segment)
    count = contacts.count()
    shown = selectors.preview(contacts, size=MEMBERS_SHOWN)
    context = {
        "segment": segment,
        "count": count,
        "members": shown,
        "more": count - len(shown),
        "rules": _describe(segment.rules or {}),
        "may_change": access.can(request.user, Action.CHANGE, segment),
        "may_delete": access.can(request.user, Action.DELETE, segment),
        "may_export": access.can_export(request.user),
        "may_create": access.can_create(request.user),
        "call_limit": services.CALL_LIST_LIMIT,
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "marketing/segments/detail.html", context)


def _describe(tree: dict[str, Any]) -> dict[str, Any]:
    """The rules as the segment's page reads them: each rule's type and parameters in words."""
    items = []
    for item in tree.get("rules", []):
        if "rules" in item and "type" not in item:
            items.append(_describe(item))
            continue
        kind = segmenting.rule_type(item.get("type", ""))
        if kind is None:
            items.append({"rule": True, "label": item.get("type", ""), "values": []})
            continue
        values = []
        for param in kind.params:
            raw = item.get(param.name)
            if raw is None:
                continue
            shown = dict(param.options()).get(str(raw), raw) if param.kind == "choice" else raw
            values.append((param.label, shown))
        items.append({"rule": True, "label": kind.label, "values": values})
    return {"rule": False, "match": tree.get("match", "all"), "items": items}


@login_required
def segment_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    access.require(request.user, Action.DELETE, segment)
    if request.method == "POST":
        services.delete_segment(actor=request.user, segment=segment)
        messages.success(request, _("The segment “%(name)s” is deleted.") % {"name": segment.name})
        return redirect("marketing:segment-list")
    return render(request, "marketing/segments/delete.html", {"segment": segment})


@login_required
def segment_export(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """The members the user sees, with the contact export's columns."""
    access.require_export(request.user)
    segment = selectors.segment_detail(request.user, pk)
    keys = selectors.members(user=request.user, segment=segment).order_by("pk").values_list("pk", flat=True)

    def rows() -> Any:
        last = None
        while True:
            page = keys.filter(pk__gt=last) if last is not None else keys
            chunk = list(page[:EXPORT_CHUNK])
            if not chunk:
                return
            yield from sorted(contacts_as_exported(chunk), key=lambda c: c.pk)
            last = chunk[-1]

    return exports.download(request, contact_columns(), rows(), "segment")


@login_required
@require_POST
def segment_call_list(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    due = request.POST.get("due_on", "")
    try:
        day = datetime.date.fromisoformat(due) if due else None
    except ValueError:
        messages.error(request, _("Enter a date as YYYY-MM-DD."))
        return redirect("marketing:segment-detail", pk=segment.pk)
    try:
        result = services.make_call_list(
            actor=request.user, segment=segment, title=request.POST.get("title", ""), due_on=day
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for found in message_dict(exc).values() for m in found))
        return redirect("marketing:segment-detail", pk=segment.pk)
    made = len(result.tasks)
    text = ngettext("%(count)d call task made.", "%(count)d call tasks made.", made) % {"count": made}
    if result.skipped:
        text += " " + ngettext(
            "%(count)d member skipped: %(why)s",
            "%(count)d members skipped, e.g.: %(why)s",
            len(result.skipped),
        ) % {"count": len(result.skipped), "why": result.skipped[0][1]}
    messages.success(request, text)
    return redirect("marketing:segment-detail", pk=segment.pk)


@login_required
@require_POST
def segment_freeze(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    frozen = services.freeze(actor=request.user, segment=segment, name=request.POST.get("name", ""))
    messages.success(request, _("The static list “%(name)s” is made.") % {"name": frozen.name})
    return redirect("marketing:segment-detail", pk=frozen.pk)


def _contact_by(request: AuthedRequest, text: str) -> Contact | None:
    text = text.strip()
    visible = selectors.visible_contacts(request.user)
    if "@" in text:
        return visible.filter(primary_email__iexact=text).order_by("sort_name", "id").first()
    key = as_uuid(text)
    return visible.filter(pk=key).first() if key is not None else None


@login_required
@require_POST
def member_add(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    contact = _contact_by(request, request.POST.get("contact", ""))
    if contact is None:
        messages.error(request, _("No contact you can see has this e-mail address or id."))
    else:
        try:
            added = services.add_members(actor=request.user, segment=segment, contacts=[contact])
        except ValidationError as exc:
            messages.error(request, " ".join(m for found in message_dict(exc).values() for m in found))
        else:
            if added:
                messages.success(request, _("%(name)s is on the list.") % {"name": contact})
            else:
                messages.info(request, _("%(name)s was on the list already.") % {"name": contact})
    return redirect("marketing:segment-detail", pk=segment.pk)


@login_required
@require_POST
def member_remove(request: AuthedRequest, pk: Any, contact_pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    contact = selectors.visible_contacts(request.user).filter(pk=contact_pk).first()
    if contact is not None:
        try:
            services.remove_members(actor=request.user, segment=segment, contacts=[contact])
        except ValidationError as exc:
            messages.error(request, " ".join(m for found in message_dict(exc).values() for m in found))
        else:
            messages.success(request, _("%(name)s is off the list.") % {"name": contact})
    return redirect("marketing:segment-detail", pk=segment.pk)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


@login_required
def member_import(request: AuthedRequest, pk: Any) -> HttpResponse:
    segment = selectors.segment_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, segment)
    context: dict[str, Any] = {"segment": segment, "max_rows": services.IMPORT_MAX_ROWS}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [_("Choose a file.")]
            status = 422
        else:
            try:
                context["result"] = services.import_members(
                    actor=request.user, segment=segment, text=_decode(upload.read())
                )
            except ValidationError as exc:
                context["errors"] = [m for found in message_dict(exc).values() for m in found]
                status = 422
    return render(request, "marketing/segments/import.html", context, status=status)


# --- "Add to list" on the contact list -------------------------------------------------------------


def may_add_to_list(user: Any) -> bool:
    return access.can_edit_any(user)


@login_required
def add_to_list(request: AuthedRequest) -> HttpResponse:
    """The contact list's bulk action: the selected contacts onto a static list the user may change."""
    if not may_add_to_list(request.user):
        raise AccessDenied()
    screen = lists.get("contact")
    params = request.POST if request.method == "POST" else request.GET
    selection = bulk_actions.select(actor=request.user, screen=screen, params=params)
    choices = list(selectors.changeable_lists(request.user))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        chosen = next((s for s in choices if str(s.pk) == request.POST.get("segment")), None)
        try:
            bulk_actions.require_intent(
                selection=selection,
                confirmed=request.POST.get("confirm") == "1",
                everything=request.POST.get("everything") == "1",
            )
            if chosen is None:
                raise ValidationError({"segment": [_("Choose a static list.")]})
            added = services.add_members(actor=request.user, segment=chosen, contacts=selection.queryset)
        except ValidationError as exc:
            errors = message_dict(exc)
        else:
            text = ngettext(
                "%(count)d contact added to “%(list)s”.", "%(count)d contacts added to “%(list)s”.", added
            ) % {"count": added, "list": chosen.name}
            messages.success(request, text)
            return redirect(f"{reverse(screen.list_url)}?{lists.query_string(selection.query, id=None)}")
    context = {
        "count": selection.queryset.count(),
        "choices": choices,
        "hidden": [(k, v) for k, values in selection.query.raw.items() for v in values],
        "everything": selection.everything,
        "errors": errors,
        "back": f"{reverse(screen.list_url)}?{lists.query_string(selection.query, id=None)}",
        "chosen": params.get("segment", ""),
    }
    return render(request, "marketing/segments/add_to_list.html", context, status=422 if errors else 200)
