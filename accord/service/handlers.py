"""What the service app does when events arrive (none of other apps' yet: tickets ask billing to
hold collections back through the core's ``collections.pause_requested``)."""
