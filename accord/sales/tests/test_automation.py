"""Sales automation: stage rules and idle-deal rules give the owner a task or a reminder, once per
occasion, however often the events are offered or the job runs."""

import datetime
import decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accord.activities.models import Task
from accord.activities.services import log_interaction
from accord.core.events import dispatch_pending
from accord.core.models import Event
from accord.messaging.models import Message, MessageChannel
from accord.sales.models import AutomationRule, AutomationRun, Deal, Pipeline, Stage
from accord.sales.selectors.automation import rules_with_runs
from accord.sales.services import automation, deals

D = decimal.Decimal
pytestmark = pytest.mark.django_db


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def stage_rule(**extra):
    data = {
        "name": "Proposal follow-up",
        "trigger": "stage_entered",
        "pipeline": Pipeline.objects.get(is_default=True),
        "stage": stage("Proposal"),
        "action": "create_task",
        "task_title": "Send the proposal",
        "due_in_days": 2,
    }
    data.update(extra)
    return AutomationRule.objects.create(**data)


def idle_rule(days=7, **extra):
    data = {
        "name": f"Idle {days} days",
        "trigger": "idle",
        "idle_days": days,
        "action": "create_task",
        "task_title": "Call the customer again",
        "due_in_days": 1,
    }
    data.update(extra)
    return AutomationRule.objects.create(**data)


def deal_tasks(deal):
    return Task.objects.filter(related_type=ContentType.objects.get_for_model(Deal), related_id=deal.pk)


@pytest.fixture
def acme_deal(owner, make_company):
    acme = make_company(owner, name="Acme")
    return deals.create_deal(actor=owner, data={"name": "Acme roll-out", "amount": D("12000"), "company": acme})


def test_entering_a_stage_gives_the_owner_the_rules_task_once(owner, acme_deal):
    stage_rule()
    before = timezone.now()

    deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Proposal"))
    dispatch_pending()
    # The same event offered again (a worker died before marking it) fires nothing more.
    Event.objects.filter(name="sales.deal.stage_changed").update(dispatched_at=None)
    dispatch_pending()

    task = deal_tasks(acme_deal).get()
    assert (task.title, task.owner, task.status) == ("Send the proposal", owner, "open")
    assert task.company == acme_deal.company
    assert before + datetime.timedelta(days=2) <= task.due_at <= timezone.now() + datetime.timedelta(days=2)
    assert "Acme roll-out" in task.description
    assert AutomationRun.objects.filter(deal=acme_deal).count() == 1


def test_the_handler_run_twice_for_one_stage_change_fires_once(owner, acme_deal):
    rule = stage_rule()
    deal = deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Proposal"))
    change = deal.stage_changes.latest("changed_at")

    first = automation.apply_stage_rules(deal_id=deal.pk, to_stage_id=deal.stage_id, change_id=change.pk)
    second = automation.apply_stage_rules(deal_id=deal.pk, to_stage_id=deal.stage_id, change_id=change.pk)

    assert (first, second) == (1, 0)
    assert deal_tasks(deal).count() == 1
    assert list(AutomationRun.objects.values_list("rule", "occasion")) == [(rule.pk, f"stage:{change.pk}")]


def test_entering_the_stage_again_later_is_a_new_occasion(owner, acme_deal):
    stage_rule()
    deal = deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Proposal"))
    dispatch_pending()
    deal = deals.move_deal(actor=owner, deal=deal, stage=stage("Needs analysis"))
    deals.move_deal(actor=owner, deal=deal, stage=stage("Proposal"))
    dispatch_pending()

    assert deal_tasks(acme_deal).count() == 2


def test_inactive_rules_and_rules_for_other_stages_or_pipelines_do_not_fire(owner, acme_deal):
    other = Pipeline.objects.create(name="Renewals")
    Stage.objects.create(pipeline=other, name="Proposal", position=0, probability=50)
    stage_rule(active=False)
    stage_rule(name="Negotiation", stage=stage("Negotiation"))
    stage_rule(name="Renewals", pipeline=other, stage=None)

    deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Proposal"))
    dispatch_pending()

    assert not deal_tasks(acme_deal).exists()
    assert not AutomationRun.objects.exists()


def test_a_rule_without_a_stage_fires_on_every_stage_of_its_pipeline(owner, acme_deal):
    stage_rule(stage=None, task_title="Update the next step")

    deal = deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Needs analysis"))
    dispatch_pending()
    deals.move_deal(actor=owner, deal=deal, stage=stage("Proposal"))
    dispatch_pending()

    # One for each stage entered; the creation's Qualification was left before the worker came.
    assert deal_tasks(acme_deal).count() == 2


def test_a_deal_that_moved_on_before_the_worker_came_gets_no_task_for_the_old_stage(owner, acme_deal):
    stage_rule()
    deal = deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Proposal"))
    deals.move_deal(actor=owner, deal=deal, stage=stage("Negotiation"))

    dispatch_pending()

    assert not deal_tasks(acme_deal).exists()


def test_a_notify_rule_reminds_the_owner_in_the_app_once(owner, teammate, acme_deal):
    rule = stage_rule(action="notify_owner", task_title="Proposal stage reached")

    deals.move_deal(actor=owner, deal=acme_deal, stage=stage("Proposal"))
    dispatch_pending()  # the stage change -> the rule -> a notification request
    dispatch_pending()  # the request -> messaging
    Event.objects.filter(name="messaging.notify_requested").update(dispatched_at=None)
    dispatch_pending()

    message = Message.objects.get(channel=MessageChannel.IN_APP)
    assert message.recipient_user == owner
    assert message.subject == "Proposal stage reached · Acme roll-out"
    assert message.related_entity == "sales.deal"
    assert message.related_id == acme_deal.pk
    assert message.idempotency_key.startswith(f"automation:{rule.pk}:{acme_deal.pk}:stage:")
    assert not deal_tasks(acme_deal).exists()


def _idle_since(deal, when):
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=when)


def test_an_open_deal_idle_for_the_rules_days_gets_one_task(owner, acme_deal):
    idle_rule(days=7)
    now = timezone.now()
    _idle_since(acme_deal, now - datetime.timedelta(days=7))

    fired = automation.run_idle_rules(now=now)
    again = automation.run_idle_rules(now=now + datetime.timedelta(hours=1))

    assert (fired, again) == (1, 0)
    task = deal_tasks(acme_deal).get()
    assert (task.title, task.owner) == ("Call the customer again", owner)
    assert task.due_at == now + datetime.timedelta(days=1)
    last = timezone.localtime(now - datetime.timedelta(days=7)).date()
    assert AutomationRun.objects.get().occasion == f"idle:{last.isoformat()}"


def test_a_deal_one_second_short_of_the_idle_days_waits(owner, acme_deal):
    idle_rule(days=7)
    now = timezone.now()
    _idle_since(acme_deal, now - datetime.timedelta(days=7) + datetime.timedelta(seconds=1))

    assert automation.run_idle_rules(now=now) == 0
    assert automation.run_idle_rules(now=now + datetime.timedelta(seconds=1)) == 1


def test_a_deal_never_touched_is_idle_from_its_creation(owner, acme_deal):
    idle_rule(days=3)
    now = timezone.now()
    Deal.objects.filter(pk=acme_deal.pk).update(created_at=now - datetime.timedelta(days=2))
    assert automation.run_idle_rules(now=now) == 0

    Deal.objects.filter(pk=acme_deal.pk).update(created_at=now - datetime.timedelta(days=3))
    assert automation.run_idle_rules(now=now) == 1


def test_closed_deals_and_inactive_idle_rules_do_not_fire(owner, acme_deal, make_company):
    idle_rule(days=7, active=False)
    won = deals.win_deal(actor=owner, deal=deals.create_deal(actor=owner, data={"name": "Won one"}))
    now = timezone.now()
    for deal in (acme_deal, won):
        _idle_since(deal, now - datetime.timedelta(days=30))
    assert automation.run_idle_rules(now=now) == 0

    idle_rule(days=7)
    assert automation.run_idle_rules(now=now) == 1
    assert not deal_tasks(won).exists()


def test_an_interaction_on_the_deal_starts_a_new_idle_period(owner, acme_deal):
    idle_rule(days=7)
    start = timezone.now() - datetime.timedelta(days=20)
    _idle_since(acme_deal, start)
    assert automation.run_idle_rules(now=start + datetime.timedelta(days=8)) == 1

    call_at = start + datetime.timedelta(days=9)
    log_interaction(
        actor=owner,
        data={"channel": "phone", "company": acme_deal.company, "subject": "Follow-up", "occurred_at": call_at},
        related=acme_deal,
    )
    dispatch_pending()  # sales notes the interaction on the deal

    acme_deal.refresh_from_db()
    assert acme_deal.last_activity_at == call_at
    assert automation.run_idle_rules(now=call_at + datetime.timedelta(days=6)) == 0
    assert automation.run_idle_rules(now=call_at + datetime.timedelta(days=7)) == 1
    assert deal_tasks(acme_deal).count() == 2


def test_an_idle_rule_for_one_stage_skips_deals_in_others(owner, acme_deal):
    idle_rule(days=7, stage=stage("Proposal"))
    now = timezone.now()
    _idle_since(acme_deal, now - datetime.timedelta(days=10))

    assert automation.run_idle_rules(now=now) == 0


def test_a_rule_shows_how_often_and_when_it_fired(owner, admin_user, acme_deal, make_company):
    rule = idle_rule(days=7)
    quiet = stage_rule()
    other = deals.create_deal(actor=owner, data={"name": "Second"})
    now = timezone.now()
    for deal in (acme_deal, other):
        _idle_since(deal, now - datetime.timedelta(days=8))
    automation.run_idle_rules(now=now)

    annotated = rules_with_runs(admin_user).values("pk", "run_count", "last_fired_at")  # type: ignore[misc]
    rows = {r["pk"]: r for r in annotated}

    assert rows[rule.pk]["run_count"] == 2
    assert rows[rule.pk]["last_fired_at"] == now
    assert (rows[quiet.pk]["run_count"], rows[quiet.pk]["last_fired_at"]) == (0, None)
    assert not rules_with_runs(owner).exists()  # settings are for administrators


# --- through the real worker: outbox, task queue, scheduler -----------------------------------------


@pytest.fixture
def database_task_queue():
    """The production shape: tasks are rows the worker claims, not calls made on the spot."""
    import signal

    from django.test import override_settings

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield
    for sig, handler in saved.items():  # the worker installs its own; give pytest its handlers back
        signal.signal(sig, handler)


def run_worker():
    from django.core.management import call_command

    call_command("worker", "--once", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_worker_turns_a_stage_change_into_one_task_and_a_reminder(database_task_queue, owner, make_company):
    from django_tasks_db.models import DBTaskResult

    stage_rule()
    stage_rule(name="Tell the owner", action="notify_owner", task_title="Proposal stage reached")
    deal = deals.create_deal(actor=owner, data={"name": "Acme roll-out", "company": make_company(owner)})
    deals.move_deal(actor=owner, deal=deal, stage=stage("Proposal"))

    run_worker()
    run_worker()  # the notification request emitted by the first run, and nothing twice
    run_worker()

    assert list(deal_tasks(deal).values_list("title", flat=True)) == ["Send the proposal"]
    message = Message.objects.get(recipient_user=owner, channel=MessageChannel.IN_APP)
    assert message.subject == "Proposal stage reached · Acme roll-out"
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_schedules_the_idle_deal_job(database_task_queue, owner):
    from django_tasks_db.models import DBTaskResult

    idle_rule(days=7)
    deal = deals.create_deal(actor=owner, data={"name": "Quiet deal"})
    _idle_since(deal, timezone.now() - datetime.timedelta(days=8))

    run_worker()
    run_worker()

    assert deal_tasks(deal).count() == 1
    ran = set(DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("task_path", flat=True))
    assert "accord.sales.tasks.remind_idle_deals" in ran


def test_an_occasion_another_worker_already_claimed_gives_no_second_task(owner, acme_deal):
    rule = idle_rule(days=7)
    now = timezone.now()
    _idle_since(acme_deal, now - datetime.timedelta(days=8))
    last = timezone.localtime(now - datetime.timedelta(days=8)).date()
    # Another worker committed the run for this idle period; stamped early, so the job's query still
    # offers the deal and only the unique (rule, deal, occasion) key stands in the way.
    AutomationRun.objects.create(rule=rule, deal=acme_deal, occasion=f"idle:{last.isoformat()}")
    AutomationRun.objects.update(at=now - datetime.timedelta(days=9))

    assert automation.run_idle_rules(now=now) == 0
    assert not deal_tasks(acme_deal).exists()


def test_the_idle_job_works_through_more_deals_than_one_batch(owner):
    idle_rule(days=7)
    quiet = [deals.create_deal(actor=owner, data={"name": f"Quiet {i}"}) for i in range(5)]
    now = timezone.now()
    for deal in quiet:
        _idle_since(deal, now - datetime.timedelta(days=10))

    assert automation.run_idle_rules(now=now, batch_size=2) == 5
    assert automation.run_idle_rules(now=now, batch_size=2) == 0


def test_a_reminder_rule_over_many_quiet_deals_sends_each_owner_one_digest(owner, teammate):
    idle_rule(days=7, action="notify_owner", task_title="Call them again", name="Quiet deals")
    now = timezone.now()
    mine = [deals.create_deal(actor=owner, data={"name": f"Mine {i:02d}"}) for i in range(11)]
    theirs = deals.create_deal(actor=teammate, data={"name": "Theirs"})
    for i, deal in enumerate([*mine, theirs]):
        _idle_since(deal, now - datetime.timedelta(days=10, minutes=i))
    Event.objects.all().delete()

    fired = automation.run_idle_rules(now=now)
    dispatch_pending()
    again = automation.run_idle_rules(now=now + datetime.timedelta(hours=1))
    dispatch_pending()

    assert (fired, again) == (12, 0)
    digest = Message.objects.get(recipient_user=owner, channel=MessageChannel.IN_APP)
    assert digest.subject == "Call them again · 11 deals"
    # The quietest first, eight by name, the rest counted.
    names = ", ".join(f"Mine {i:02d}" for i in range(10, 2, -1))
    assert digest.body == f"Automation rule “Quiet deals”: {names}, and 3 more."
    assert digest.url == f"/sales/deals/?owner={owner.pk}&status=open&sort=updated"
    single = Message.objects.get(recipient_user=teammate)
    assert single.subject == "Call them again · Theirs"
    assert AutomationRun.objects.count() == 12
