"""Ids from the randomness pool: their layouts, and no id handed out twice across threads."""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter

import pytest

from auditstream.producer import ids

TRACE = re.compile(r"^[0-9a-f]{32}$")
SPAN = re.compile(r"^[0-9a-f]{16}$")


class TestIds:
    def test_event_ids_are_uuid7_with_the_rfc_variant_and_time_first(self) -> None:
        """Every event id parses as a version 7 RFC 9562 UUID in canonical form."""
        for value in (ids.event_id() for _ in range(2000)):
            parsed = uuid.UUID(value)
            assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
            assert str(parsed) == value

    def test_the_variant_digit_takes_all_four_values(self) -> None:
        """The two random bits beside the variant are random: 8, 9, a and b all occur."""
        assert set(Counter(ids.event_id()[19] for _ in range(2000))) == set("89ab")

    @pytest.mark.parametrize(("mint", "shape"), [(ids.trace_id, TRACE), (ids.span_id, SPAN)])
    def test_trace_and_span_ids_have_the_w3c_shape(self, mint: object, shape: object) -> None:
        """Trace ids are 32 and span ids 16 lowercase hex digits, never all zero."""
        assert callable(mint)
        assert isinstance(shape, re.Pattern)
        values = [mint() for _ in range(2000)]
        assert all(shape.match(v) and v.strip("0") for v in values)

    def test_threads_drawing_at_once_never_get_the_same_id(self) -> None:
        """Eight threads minting across many pool refills get distinct ids."""
        minted: list[list[str]] = [[] for _ in range(8)]
        start = threading.Barrier(len(minted))

        def mint(out: list[str]) -> None:
            start.wait()
            out.extend(ids.span_id() for _ in range(5000))

        threads = [threading.Thread(target=mint, args=(out,)) for out in minted]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        every = [value for out in minted for value in out]
        assert len(every) == 40_000
        assert len(set(every)) == len(every)

    def test_after_reset_the_pool_is_drawn_fresh(self) -> None:
        """reset_after_fork drops the pool, so a child never repeats its parent's ids."""
        ids.span_id()
        ids.reset_after_fork()
        assert ids._pieces.__length_hint__() == 0
        assert SPAN.match(ids.span_id())
