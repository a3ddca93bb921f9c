"""DeliveryGuard: a message delivered twice within one assignment is processed once."""

from __future__ import annotations

from auditstream.processor.delivery import DeliveryGuard


class TestDeliveryGuard:
    def test_only_offsets_processed_in_this_assignment_are_redeliveries(self) -> None:
        """Offset 10 processed: 10 is a redelivery; 9 (never processed) and 11 are not."""
        guard = DeliveryGuard()
        guard.processed(0, 10)
        assert guard.is_redelivery(0, 10)
        assert not guard.is_redelivery(0, 9)
        assert not guard.is_redelivery(0, 11)
        assert not guard.is_redelivery(1, 10)  # partitions are independent
        assert guard.highest(0) == 10

    def test_a_second_copy_of_a_message_faust_skipped_is_processed(self) -> None:
        """First copies of 5..6 skipped by Faust, 7..8 processed: after the seek, 5..6 run."""
        guard = DeliveryGuard()
        for offset in (7, 8):
            guard.processed(0, offset)
        second_copies = [o for o in range(5, 9) if not guard.is_redelivery(0, o)]
        assert second_copies == [5, 6]

    def test_committed_offsets_are_forgotten_but_stay_redeliveries(self) -> None:
        """Offsets below the committed one leave memory; a copy of one is still skipped."""
        guard = DeliveryGuard()
        for offset in range(10):
            guard.processed(0, offset)
        guard.committed({0: 8})
        assert guard._processed[0] == {8, 9}
        assert guard.is_redelivery(0, 7)
        assert guard.is_redelivery(0, 8)
        assert not guard.is_redelivery(0, 10)
        assert guard.highest(0) == 9

    def test_a_copy_fetched_before_a_seek_and_delivered_after_a_commit_is_skipped(
        self,
    ) -> None:
        """The watchdog seeks back to 5; the old fetch's 5..9 arrive after 5..9 committed."""
        guard = DeliveryGuard()
        first_pass = [o for o in range(5, 10) if not guard.is_redelivery(0, o)]
        for offset in first_pass:
            guard.processed(0, offset)
        guard.committed({0: 10})
        second_pass = [o for o in range(5, 10) if not guard.is_redelivery(0, o)]
        assert (first_pass, second_pass) == ([5, 6, 7, 8, 9], [])

    def test_a_commit_never_lowers_the_floor(self) -> None:
        """Committed offsets only grow; an older report does not reopen offsets."""
        guard = DeliveryGuard()
        guard.committed({0: 10})
        guard.committed({0: 4})
        assert guard.is_redelivery(0, 9)

    def test_a_revoked_partition_is_processed_again_from_any_offset(self) -> None:
        """After a revocation Faust seeks back on purpose; nothing is skipped."""
        guard = DeliveryGuard()
        guard.processed(0, 10)
        guard.processed(1, 3)
        guard.committed({0: 11})
        guard.forget([0])
        assert not guard.is_redelivery(0, 10)
        assert guard.is_redelivery(1, 3)
        assert guard.highest(0) is None

    def test_the_same_offset_twice_in_one_batch_is_caught(self) -> None:
        """Checking then recording each message in order catches a twin in the same batch."""
        guard = DeliveryGuard()
        seen = []
        for offset in (3006, 3007, 3006):
            if not guard.is_redelivery(1, offset):
                guard.processed(1, offset)
                seen.append(offset)
        assert seen == [3006, 3007]
