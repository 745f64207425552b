"""Time-ordered UUIDs (version 7, RFC 9562) for primary keys.

Random UUIDs scatter inserts across the whole index; version 7 keys grow with time, so a million
rows land at the right-hand edge of the B-tree and a key sort is also a rough creation order.
"""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
# Random bits are read from the OS 4 KiB at a time rather than 8 bytes per key: a system call per
# key was a fifth of the cost of a bulk import's key generation.
_POOL_SIZE = 4096
_pool = b""
_offset = _POOL_SIZE
_RANDOM_MASK = (1 << 62) - 1
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)


def _forget_random_bits() -> None:
    """A forked process (a web server's worker) must not reuse its parent's unread random bits:
    both would hand out keys with the same random part."""
    global _pool, _offset
    _pool, _offset = b"", _POOL_SIZE


os.register_at_fork(after_in_child=_forget_random_bits)


def uuid7() -> uuid.UUID:
    """A version 7 UUID, monotonic within this process even inside one millisecond."""
    global _last_ms, _counter, _pool, _offset
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            # 12-bit counter seeded at random but low enough that it cannot overflow quickly.
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        counter = _counter
        if _offset >= _POOL_SIZE:
            _pool, _offset = os.urandom(_POOL_SIZE), 0
        rand = int.from_bytes(_pool[_offset : _offset + 8], "big") & _RANDOM_MASK
        _offset += 8
    value = ((ms & ((1 << 48) - 1)) << 80) | _VERSION_AND_VARIANT | (counter << 64) | rand
    return uuid.UUID(int=value)


def uuid7_hex_many(count: int) -> list[str]:
    """``count`` keys as ``uuid7()`` makes them, in order, as their 32 hex digits (what COPY and
    SQLite's UUID columns take), taken under the lock once: a check that writes 100,000 events
    spent a second on keys made one at a time as ``UUID`` objects."""
    global _last_ms, _counter, _pool, _offset
    keys: list[str] = []
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            _counter += 1
        for _n in range(count):
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            if _offset >= _POOL_SIZE:
                _pool, _offset = os.urandom(_POOL_SIZE), 0
            rand = int.from_bytes(_pool[_offset : _offset + 8], "big") & _RANDOM_MASK
            _offset += 8
            value = ((_last_ms & ((1 << 48) - 1)) << 80) | _VERSION_AND_VARIANT | (_counter << 64) | rand
            keys.append(f"{value:032x}")
            _counter += 1
        _counter -= 1  # the last key's counter, as uuid7() leaves it
    return keys
