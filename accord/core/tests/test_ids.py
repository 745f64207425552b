"""Time-ordered primary keys (UUID version 7)."""

import os
import time
import uuid

from accord.core.ids import uuid7


def test_uuid7_values_are_version_7_of_the_rfc_variant():
    value = uuid7()

    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_the_current_unix_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000

    assert before <= value.int >> 80 <= after + 1


def test_ten_thousand_uuid7_values_are_unique_and_sort_in_creation_order():
    values = [uuid7() for _ in range(10_000)]

    assert len(set(values)) == 10_000
    assert sorted(values) == values
    assert sorted(str(v) for v in values) == [str(v) for v in values]
    assert all(v.version == 7 for v in values)


def test_records_get_time_ordered_keys(owner, make_contact):
    first = make_contact(owner)
    second = make_contact(owner)

    assert first.pk.version == 7
    assert first.pk < second.pk


def test_a_forked_process_draws_fresh_random_bits():
    uuid7()  # the pool of random bits is filled in this process
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, uuid7().bytes)
        os._exit(0)
    os.close(write)
    theirs = uuid.UUID(bytes=os.read(read, 16))
    os.close(read)
    os.waitpid(child, 0)
    mine = uuid7()

    random_bits = (1 << 62) - 1
    assert theirs.int & random_bits != mine.int & random_bits


def test_keys_made_many_at_once_are_version_7_and_follow_the_single_ones_in_order():
    from accord.core.ids import uuid7_hex_many

    before = uuid7()
    many = [uuid.UUID(hex=key) for key in uuid7_hex_many(6000)]  # more than one millisecond's counter
    after = uuid7()

    assert all(len(key) == 32 for key in uuid7_hex_many(3))
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in many)
    assert len(set(many)) == 6000
    assert [before, *many, after] == sorted([before, *many, after])
    assert uuid7_hex_many(0) == []
