"""Giving a filtered set of companies or contacts to another owner: the set-based change lives in
core (every owned list offers it); this name stays for the API and the benchmarks."""

from accord.core.mass import UNSET, reassign

__all__ = ["UNSET", "reassign"]
