"""EventQueue, Bus and Subscription: behaviour, blocking waits, hostile input, threads."""

from __future__ import annotations

import select
import threading

import pytest

import lfe
from lfe import Bus, EventIn, EventQueue

T = lfe.EVENT_HOST_MIN  # a host-defined type


def test_queue_push_pop_forms():
    with EventQueue(capacity=4) as q:
        q.try_push(T, b"a", process_id=3)
        q.push(T, "b", timeout=1.0)
        assert q.push_batch([(T, bytearray(b"c")), EventIn(T + 1, memoryview(b"d"), 9)]) == 2
        with pytest.raises(lfe.Full):
            q.try_push(T, b"x")
        with pytest.raises(lfe.Timeout):
            q.push(T, b"x", timeout=0.01)
        assert len(q) == 4
        e = q.try_pop()
        assert isinstance(e, lfe.Event)
        assert (e.type, e.payload, e.process_id, e.text) == (T, b"a", 3, "a")
        with pytest.raises(Exception):
            e.payload = b"z"  # frozen
        assert q.pop(timeout=1).payload == b"b"
        evs = q.pop_batch(10, timeout=1)
        assert [x.payload for x in evs] == [b"c", b"d"] and evs[1].type == T + 1
        seqs = [e.seq] + [x.seq for x in evs]
        assert seqs == sorted(seqs)
        with pytest.raises(lfe.Empty):
            q.try_pop()
        with pytest.raises(lfe.Empty):
            q.try_pop_batch(5)
        with pytest.raises(lfe.Timeout):
            q.pop(timeout=0.01)
        with pytest.raises(lfe.Timeout):
            q.pop_batch(5, timeout=0)
        st = q.stats()
        assert (st.pushed, st.popped, st.depth, st.capacity) == (4, 4, 0, 4)


def test_queue_drop_oldest_counts_drops():
    with EventQueue(capacity=2, drop_oldest=True) as q:
        for i in range(5):
            q.try_push(T, str(i))
        assert [e.payload for e in q.drain()] == [b"3", b"4"]
        assert q.stats().dropped == 3


def test_queue_shutdown_wakes_waiter_and_drains():
    q = EventQueue(capacity=8)
    got = []

    def waiter():
        try:
            q.pop(timeout=None)
        except lfe.LfeError as e:
            got.append(type(e))

    t = threading.Thread(target=waiter)
    t.start()
    q.shutdown()
    t.join(30)
    assert not t.is_alive() and got == [lfe.Closed]
    with pytest.raises(lfe.Closed):
        q.try_push(T, b"x")
    q.close()


def test_queue_close_while_a_thread_waits_forever():
    q = EventQueue(capacity=8)
    got = []
    started = threading.Event()

    def waiter():
        started.set()
        try:
            q.pop()  # forever
        except lfe.LfeError as e:
            got.append(type(e))

    t = threading.Thread(target=waiter)
    t.start()
    started.wait(10)
    q.close()  # must wake the waiter (lfe_queue_close), wait for it, then free
    t.join(30)
    assert not t.is_alive()
    assert got in ([lfe.Closed], [])  # Closed from C, or from the binding if close came first
    with pytest.raises(lfe.Closed):
        q.try_pop()


def test_queue_threads_nothing_lost_order_kept_per_producer(run_workers):
    n_prod, n_cons, per = 4, 3, 1500
    with EventQueue(capacity=64) as q:
        got = [[] for _ in range(n_cons)]

        def producer(k):
            batch = []
            for i in range(per):
                batch.append((T, f"{k}:{i}", k))
                if len(batch) == 10:
                    while batch:
                        try:
                            batch = batch[q.push_batch(batch):]
                        except lfe.Full:
                            q.push(*batch[0], timeout=60)
                            batch = batch[1:]
            for ev in batch:
                q.push(*ev, timeout=60)

        def consumer(c):
            while True:
                try:
                    got[c].extend(q.pop_batch(32, timeout=10))
                except lfe.Timeout:
                    continue  # a slow machine, not a failure: shutdown() ends the loop
                except lfe.Closed:
                    return

        consumers = [lambda c=c: consumer(c) for c in range(n_cons)]
        run_workers(consumers, producer, n_prod, q.shutdown)
        allev = [e for g in got for e in g]
        assert len(allev) == n_prod * per
        assert len({e.seq for e in allev}) == len(allev)  # nothing duplicated
        for g in got:  # each consumer sees each producer's events in order
            last = {}
            for e in g:
                k, i = map(int, e.payload.split(b":"))
                assert e.process_id == k and i > last.get(k, -1)
                last[k] = i
        for k in range(n_prod):
            mine = sorted((e for e in allev if e.process_id == k), key=lambda e: e.seq)
            assert [int(e.payload.split(b":")[1]) for e in mine] == list(range(per))


def test_queue_hostile():
    with EventQueue(capacity=2, max_payload=8) as q:
        with pytest.raises(lfe.Invalid):
            q.try_push(0, b"")
        with pytest.raises(lfe.Invalid):
            q.try_push(500, b"")  # reserved range
        with pytest.raises(lfe.TooLarge):
            q.try_push(T, b"x" * 9)
        with pytest.raises(ValueError):
            q.try_push(-1)
        with pytest.raises(ValueError):
            q.try_push(1 << 32)
        with pytest.raises(TypeError):
            q.try_push(T, None)
        with pytest.raises(TypeError):
            q.try_push(T, 123)
        with pytest.raises(TypeError):
            q.push_batch([[T, b"x"]])
        with pytest.raises(TypeError):
            q.push_batch(None)
        with pytest.raises(lfe.TooLarge):
            q.push_batch([(T, b"ok"), (T, b"x" * 100)])
        assert q.stats().pushed == 0  # nothing pushed from the rejected batch
        assert q.push_batch([]) == 0
        with pytest.raises(ValueError):
            q.pop(timeout=-1)
        with pytest.raises(ValueError):
            q.pop(timeout=float("nan"))
        with pytest.raises(TypeError):
            q.pop(timeout="1")
        with pytest.raises(lfe.Invalid):
            q.try_pop_batch(0)
        with pytest.raises(ValueError):
            q.try_pop_batch(-5)
        q.try_push(T, b"\x00\xff")
        assert q.try_pop().payload == b"\x00\xff"
    with pytest.raises(lfe.Invalid):
        EventQueue(capacity=0)
    with pytest.raises(lfe.TooLarge):
        EventQueue(capacity=1 << 40)
    with pytest.raises(ValueError):
        EventQueue(capacity=-1)


def test_bus_fan_out_filters_and_lag():
    with Bus() as bus:
        s_all = bus.subscribe(capacity=8)
        s_t = bus.subscribe(types=[T + 1], capacity=8)
        s_small = bus.subscribe(capacity=2)
        bus.publish(T, b"one")
        bus.publish_batch([(T + 1, "two"), EventIn(T, b"three", 4)])
        assert [e.payload for e in s_all.drain()] == [b"one", b"two", b"three"]
        assert [e.payload for e in s_t.pop_batch(10, timeout=1)] == [b"two"]
        evs = s_small.drain()
        assert [e.payload for e in evs] == [b"two", b"three"] and evs[0].lost_before == 1
        assert s_small.stats().lagged == 1
        assert bus.stats().published == 3 and bus.stats().subscribers == 3
        with pytest.raises(lfe.Empty):
            s_all.try_pop()
        with pytest.raises(lfe.Timeout):
            s_all.pop(timeout=0.01)
        fd = s_all.fileno()
        bus.publish(T, b"x")
        r, _, _ = select.select([s_all], [], [], 30)
        assert r == [s_all] and s_all.try_pop().payload == b"x" and fd >= 0
        s_all.unsubscribe()
        bus.publish(T, b"y")
        with pytest.raises(lfe.Closed):
            s_all.try_pop()
        for s in (s_all, s_t, s_small):
            s.close()
        with pytest.raises(lfe.Closed):
            s_t.try_pop()


def test_subscription_survives_bus_close_and_unsubscribe_wakes():
    bus = Bus()
    sub = bus.subscribe(capacity=4)
    bus.publish(T, b"kept")
    bus.close()
    assert sub.try_pop().payload == b"kept"
    got = []
    t = threading.Thread(target=lambda: got.append(pytest.raises(lfe.Closed, sub.pop)))
    t.start()
    sub.unsubscribe()
    t.join(30)
    assert not t.is_alive() and len(got) == 1
    sub.close()


def test_bus_hostile():
    with Bus(max_payload=4, max_subscribers=1, max_capacity=8) as bus:
        with pytest.raises(lfe.TooLarge):
            bus.subscribe(capacity=9)
        with pytest.raises(lfe.Invalid):
            bus.subscribe(capacity=0)
        with pytest.raises(lfe.Invalid):
            bus.subscribe(types=[], mask=0)
        with pytest.raises(TypeError):
            bus.subscribe(types="abc")
        with pytest.raises(ValueError):
            bus.subscribe(types=[-1])
        s = bus.subscribe(types=[T], capacity=4)
        with pytest.raises(lfe.TooLarge):
            bus.subscribe()
        with pytest.raises(lfe.TooLarge):
            bus.publish(T, b"12345")
        with pytest.raises(lfe.Invalid):
            bus.publish_batch([(T, b"ok"), (0, b"bad")])
        with pytest.raises(lfe.Empty):
            s.try_pop()  # the rejected batch published nothing
        bus.publish_batch([])
        s.close()
    with pytest.raises(lfe.Invalid):
        Bus(max_subscribers=0)
    with pytest.raises(lfe.Closed):
        bus.publish(T)


def test_bus_threads_every_subscriber_gets_every_event_in_order():
    n_pub, per = 3, 500
    with Bus() as bus:
        subs = [bus.subscribe(capacity=n_pub * per) for _ in range(3)]

        def publisher(k):
            for i in range(0, per, 50):
                bus.publish_batch([(T, f"{k}:{j}", k) for j in range(i, i + 50)])

        ps = [threading.Thread(target=publisher, args=(k,)) for k in range(n_pub)]
        for t in ps:
            t.start()
        for t in ps:
            t.join()
        streams = [s.drain() for s in subs]
        seqs0 = [e.seq for e in streams[0]]
        assert len(seqs0) == n_pub * per and seqs0 == sorted(seqs0)
        for st in streams[1:]:
            assert [e.seq for e in st] == seqs0  # same events, same order, for everyone
        for k in range(n_pub):
            mine = [int(e.payload.split(b":")[1]) for e in streams[0] if e.process_id == k]
            assert mine == list(range(per))
        for s in subs:
            assert s.stats().lagged == 0
            s.close()


def test_subscription_cannot_be_made_from_an_address():
    with pytest.raises(TypeError):
        lfe.Subscription(12345)
    with pytest.raises(TypeError):
        lfe.Subscription(None)
