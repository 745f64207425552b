"""Background tasks of the service app: the SLA check, the mailboxes' reading and the abandoned chats."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic


@periodic("* * * * *")
@task()
def check_sla() -> dict[str, int]:
    """Every minute: warn of SLA targets coming due and record the ones missed (safe to run again:
    a warning or a breach is recorded once)."""
    from accord.service.services import sla

    result = sla.check()
    return {"warned": result.warned, "breached": result.breached}


@periodic("* * * * *")
@task()
def poll_mailboxes() -> dict[str, int]:
    """Every minute: file the new mail of every active mailbox (safe to run again: a message is
    taken once, by its UID and its Message-ID)."""
    from accord.service.services import mailboxes

    results = mailboxes.poll_all()
    return {
        "mailboxes": len(results),
        "taken": sum(r.taken for r in results.values()),
        "failed": sum(1 for r in results.values() if r.error),
    }


@periodic("* * * * *")
@task()
def abandon_chats() -> dict[str, int]:
    """Every minute: end the chats whose visitor closed the page ACCORD_CHAT_ABANDON_MINUTES ago and
    did not come back (a ticket each, as an unresolved chat), and tell the agents' consoles (at once
    through a shared channel layer; with the in-memory one, a console learns it at its next ping).
    Safe to run again: an ended chat is not found."""
    from accord.service.consumers import announce_ended
    from accord.service.services import chat

    ended = chat.abandon_chats()
    if ended:
        announce_ended(ended)
    return {"abandoned": len(ended)}
