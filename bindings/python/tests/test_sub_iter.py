"""`for ev in subscription` and `async for ev in subscription`: every event published before
the end is yielded once, in publish order; iteration ends on unsubscribe / close."""

from __future__ import annotations

import asyncio
import threading
from typing import List

import lfe

T = lfe.EVENT_HOST_MIN
N = 2000


def _publish(bus: lfe.Bus, sub: lfe.Subscription, n: int) -> None:
    for i in range(n):
        bus.publish(T, i.to_bytes(4, "little"))
    sub.unsubscribe()


def _numbers(evs: List[lfe.Event]) -> List[int]:
    return [int.from_bytes(e.payload, "little") for e in evs]


def test_for_loop_yields_everything_in_order_then_ends():
    with lfe.Bus() as bus:
        sub = bus.subscribe(capacity=N)  # room for all: nothing lagged, nothing lost
        t = threading.Thread(target=_publish, args=(bus, sub, N))
        t.start()
        got = list(sub)
        t.join()
        assert _numbers(got) == list(range(N))
        assert list(sub) == []  # drained and unsubscribed: ends at once
        sub.close()


def test_for_loop_ends_when_closed_from_another_thread():
    with lfe.Bus() as bus:
        sub = bus.subscribe()
        got: List[lfe.Event] = []
        t = threading.Thread(target=lambda: got.extend(sub))
        t.start()
        bus.publish(T, (7).to_bytes(4, "little"))
        while sub.stats().popped < 1:  # the consumer took it (it waits inside the iteration)
            threading.Event().wait(0.001)
        sub.close()  # wakes the blocked wait; the iteration ends
        t.join(timeout=30)
        assert not t.is_alive()
        assert _numbers(got) == [7]


def test_async_for_yields_everything_in_order_then_ends():
    async def main() -> List[lfe.Event]:
        with lfe.Bus() as bus:
            sub = bus.subscribe(capacity=N)
            t = threading.Thread(target=_publish, args=(bus, sub, N))
            t.start()
            got = [ev async for ev in sub]
            t.join()
            sub.close()
            return got

    assert _numbers(asyncio.run(main())) == list(range(N))


def test_async_wait_does_not_spin_and_unsubscribe_ends_it():
    pops = 0

    async def main() -> List[lfe.Event]:
        nonlocal pops
        with lfe.Bus() as bus:
            sub = bus.subscribe()
            real = sub.try_pop_batch

            def counted(max: int = 256) -> List[lfe.Event]:
                nonlocal pops
                pops += 1
                return real(max)

            sub.try_pop_batch = counted  # type: ignore[method-assign]
            got: List[lfe.Event] = []

            async def consume() -> None:
                async for ev in sub.aiter():
                    got.append(ev)

            task = asyncio.create_task(consume())
            for _ in range(50):  # the loop runs other work while the consumer waits
                await asyncio.sleep(0)
            idle_pops = pops
            bus.publish(T, (1).to_bytes(4, "little"))
            bus.publish(T, (2).to_bytes(4, "little"))
            while len(got) < 2:
                await asyncio.sleep(0.001)
            sub.unsubscribe()
            await asyncio.wait_for(task, 30)
            sub.close()
            assert idle_pops <= 2  # waiting on the eventfd, not calling pop in a loop
            return got

    assert _numbers(asyncio.run(main())) == [1, 2]
