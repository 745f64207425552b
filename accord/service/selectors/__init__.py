"""Reads of the service app, already scoped by the access policy."""
