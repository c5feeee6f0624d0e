"""The change simulator splits a high rate over churners that share new customers' indexes."""

from __future__ import annotations

import threading

from simulators.churn import RATE_PER_CHURNER, NewCustomers, churners_for


def test_a_rate_one_churner_can_keep_is_not_split() -> None:
    assert churners_for(40) == 1
    assert churners_for(RATE_PER_CHURNER) == 1


def test_higher_rates_are_split_so_no_churner_exceeds_its_share() -> None:
    for rate in (RATE_PER_CHURNER + 1, 1_000, 2_500):
        assert rate / churners_for(rate) <= RATE_PER_CHURNER


def test_parallel_churners_never_open_the_same_customer() -> None:
    reads: list[int] = []

    def last_used() -> int:
        reads.append(1)
        return 900_000_041

    shared = NewCustomers()
    taken: list[int] = []
    lock = threading.Lock()

    def take_many() -> None:
        mine = [shared.take(last_used) for _ in range(500)]
        with lock:
            taken.extend(mine)

    threads = [threading.Thread(target=take_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == list(range(900_000_042, 900_000_042 + 2_000))
    assert len(reads) == 1  # the sources are asked once, not per churner
