"""Marketing -> Greetings: the rules, their edit form, the upcoming greetings and those sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.marketing.greeting_forms import GreetingRuleForm, service_errors_to_form
from accord.marketing.greeting_texts import PLACEHOLDERS
from accord.marketing.models import GreetingRule
from accord.marketing.selectors import greetings as selectors
from accord.marketing.services import greetings as services


def _require(request: HttpRequest) -> None:
    if not selectors.may_manage(request.user):
        raise AccessDenied()


def _rule(request: HttpRequest, pk: str) -> GreetingRule:
    rule = selectors.rules(request.user).filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


@login_required
def greetings_home(request: HttpRequest) -> HttpResponse:
    _require(request)
    upcoming = selectors.upcoming(request.user)
    return render(
        request,
        "marketing/greetings.html",
        {
            "rules": selectors.rules(request.user),
            "upcoming": upcoming,
            "totals": selectors.totals(upcoming),
            "sent": selectors.sent(request.user, limit=50),
        },
    )


@login_required
def rule_edit(request: HttpRequest, pk: str | None = None) -> HttpResponse:
    _require(request)
    rule = _rule(request, pk) if pk is not None else None
    initial = GreetingRuleForm.initial_of(rule) if rule is not None else {"send_at": "09:00", "channel": "email"}
    form = GreetingRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        version = request.POST.get("version")
        try:
            saved = services.save_rule(
                actor=request.user,  # type: ignore[arg-type]
                rule=rule,
                data=form.data_for_service(),
                version=int(version) if version and version.isdigit() else None,
            )
        except ValidationError as exc:
            service_errors_to_form(form, message_dict(exc))
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The greeting rule was saved."))
            return redirect("marketing:greeting-rule-edit", pk=saved.pk)
    return render(
        request,
        "marketing/greeting_rule_form.html",
        {"form": form, "rule": rule, "placeholders": PLACEHOLDERS},
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: str) -> HttpResponse:
    _require(request)
    services.delete_rule(actor=request.user, rule=_rule(request, pk))  # type: ignore[arg-type]
    messages.success(request, _("The greeting rule was deleted."))
    return redirect("marketing:greetings")
