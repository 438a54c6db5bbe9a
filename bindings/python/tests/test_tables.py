"""ProcessTable, RouteTable and RequestLog: behaviour, hostile input, threads."""

from __future__ import annotations

import threading

import pytest

import lfe
from lfe import ProcessTable, ProcState, RequestLog, RouteTable


# ---- process table --------------------------------------------------------------------------

def test_process_lifecycle():
    with ProcessTable() as t:
        g0 = t.generation
        pid = t.insert("web", command=b"npm run dev", cwd=bytearray(b"/srv"), labels={"k": "v"})
        assert pid >= 1 and len(t) == 1 and t.generation > g0
        p = t.get(pid)
        assert isinstance(p, lfe.Process)
        assert (p.name, p.command, p.cwd, p.state) == ("web", "npm run dev", "/srv", ProcState.PENDING)
        assert p.label_dict == {"k": "v"}
        with pytest.raises(Exception):
            p.name = "x"  # frozen
        assert t.find(memoryview(b"web")).id == pid
        t.transition(pid, ProcState.PENDING, ProcState.STARTING)
        with pytest.raises(lfe.Conflict) as ei:
            t.transition(pid, ProcState.PENDING, ProcState.STARTING)
        assert ei.value.code == lfe.Conflict.code
        t.transition(pid, ProcState.STARTING, ProcState.RUNNING)
        t.set_pid(pid, 4242)
        t.transition(pid, ProcState.RUNNING, ProcState.FAILED, exit_code=3)
        p = t.get(pid)
        assert (p.state, p.pid, p.exit_code) == (ProcState.FAILED, 4242, 3)
        with pytest.raises(lfe.Invalid):
            t.transition(pid, ProcState.FAILED, ProcState.PENDING)
        for bad in ((pid, 99, ProcState.RUNNING), (pid, ProcState.FAILED, 7)):
            with pytest.raises(lfe.Invalid, match='must be one of'):
                t.transition(*bad)
        with pytest.raises(lfe.Exists):
            t.insert("web")
        procs, gen = t.snapshot()
        assert [x.id for x in procs] == [pid] and gen == t.generation
        t.remove(pid)
        with pytest.raises(lfe.NotFound):
            t.get(pid)
        with pytest.raises(LookupError):
            t.find("web")
        assert t.list() == [] and len(t) == 0


def test_process_bytes_round_trip_invalid_utf8_and_nul():
    with ProcessTable() as t:
        raw = b"bad\xff\x00name"
        i = t.insert(raw, labels=[(b"\xfe", b"\x00")])
        p = t.get(i)
        assert p.name.encode("utf-8", "surrogateescape") == raw
        assert t.find(p.name).id == i  # a str read back finds the same bytes
        assert p.labels[0][0].encode("utf-8", "surrogateescape") == b"\xfe"


def test_process_hostile_input():
    with ProcessTable(max_procs=2, max_labels=1, max_field=8) as t:
        for bad in (None, 5, 1.0, object()):
            with pytest.raises(TypeError):
                t.insert(bad)
        with pytest.raises(lfe.Invalid):
            t.insert("")
        with pytest.raises(lfe.TooLarge):
            t.insert("x" * 9)
        with pytest.raises(lfe.TooLarge):
            t.insert("a", labels={"a": "1", "b": "2"})
        with pytest.raises(TypeError):
            t.insert("a", labels=["notapair"])
        with pytest.raises(TypeError):
            t.insert("a", labels="k=v")
        for bad_id in (-1, 1 << 64, None, "1", 1.5):
            with pytest.raises((TypeError, ValueError)):
                t.get(bad_id)
        with pytest.raises(lfe.NotFound):
            t.get(0)
        with pytest.raises(lfe.NotFound):
            t.get((1 << 64) - 1)
        with pytest.raises(lfe.Invalid):
            t.transition(1, 99, 1)
        with pytest.raises(ValueError):
            t.transition(1, -1, 1)
        t.insert("a")
        t.insert("b")
        with pytest.raises(lfe.Full):
            t.insert("c")
    with pytest.raises(lfe.Invalid):
        ProcessTable(max_procs=0)
    with pytest.raises(ValueError):
        ProcessTable(max_procs=-5)
    with pytest.raises(TypeError):
        ProcessTable(max_procs="many")


def test_closed_table_raises():
    t = ProcessTable()
    i = t.insert("a")
    t.close()
    t.close()
    for call in (lambda: t.get(i), lambda: t.insert("b"), lambda: len(t), lambda: t.list(),
                 lambda: t.generation):
        with pytest.raises(lfe.Closed):
            call()


def test_process_threads_insert_and_snapshot_consistency(run_workers):
    with ProcessTable(max_procs=10000) as t:
        n_threads, per = 4, 100
        ids = [[] for _ in range(n_threads)]
        stop = threading.Event()
        bad = []

        def writer(k):
            for j in range(per):
                ids[k].append(t.insert(f"p{k}-{j}"))

        def reader():
            last = 0
            while not stop.is_set():
                procs, gen = t.snapshot()
                if gen < last or [p.id for p in procs] != sorted(p.id for p in procs):
                    bad.append((gen, last))
                last = gen

        run_workers([reader], writer, n_threads, stop.set)
        assert not bad
        all_ids = [i for l in ids for i in l]
        assert len(set(all_ids)) == n_threads * per
        for l in ids:
            assert l == sorted(l)  # ids increase in each thread's order
        assert {p.name for p in t.list()} == {f"p{k}-{j}" for k in range(n_threads) for j in range(per)}


# ---- route table ----------------------------------------------------------------------------

def test_routes():
    with RouteTable() as r:
        a = r.add("localhost:3000", "/", "http://127.0.0.1:5173", label="web", process_id=7)
        b = r.add("localhost:3000", "/api", "http://127.0.0.1:8080", process_id=8, proxy_port=3000)
        w = r.add("*", "/", "http://127.0.0.1:9000")
        assert len(r) == 3
        assert r.lookup("localhost:3000", "/api/users").id == b
        assert r.lookup("LOCALHOST:3000", "/index.html").id == a
        assert r.lookup("other", "/x").id == w
        got = r.get(b)
        assert isinstance(got, lfe.Route)
        assert (got.target, got.process_id, got.proxy_port) == ("http://127.0.0.1:8080", 8, 3000)
        assert r.attribute("http://127.0.0.1:8080/health").process_id == 8
        with pytest.raises(lfe.Exists):
            r.add("localhost:3000", "/api", "http://x")
        r.replace(b, "localhost:3000", "/api", "http://127.0.0.1:8081")
        assert r.get(b).target == "http://127.0.0.1:8081"
        r.remove(w)
        with pytest.raises(lfe.NotFound):
            r.lookup("other", "/x")
        routes, gen = r.snapshot()
        assert [x.id for x in routes] == [a, b] and gen == r.generation


def test_routes_hostile():
    with RouteTable(max_routes=1, max_field=16) as r:
        with pytest.raises(lfe.Invalid):
            r.add("h", "no-slash", "http://x")
        with pytest.raises(lfe.Invalid):
            r.add("", "/", "http://x")
        with pytest.raises(lfe.Invalid):
            r.add("h", "/", "http://x", proxy_port=70000)
        with pytest.raises(ValueError):
            r.add("h", "/", "http://x", proxy_port=-1)
        with pytest.raises(lfe.TooLarge):
            r.add("h" * 17, "/", "http://x")
        with pytest.raises(TypeError):
            r.lookup(None, "/")
        r.add("h", "/", "http://x")
        with pytest.raises(lfe.Full):
            r.add("h2", "/", "http://x")
        with pytest.raises(lfe.NotFound):
            r.attribute(b"\xff\xfe not a url")
    r.close()
    with pytest.raises(lfe.Closed):
        r.lookup("h", "/")


# ---- request log ----------------------------------------------------------------------------

def test_request_log():
    with RequestLog(capacity=4) as log:
        s0 = log.record(method="GET", host="h", path="/a", status=200, duration_ns=1000, route_id=1)
        first = log.record_batch(
            [dict(method=b"POST", path="/b", status=500, route_id=1), dict(path="/c", status=204)]
        )
        assert (s0, first) == (0, 1)
        recent = log.recent(10)
        assert [x.seq for x in recent] == [0, 1, 2]
        assert recent[1].flags & lfe.REQ_ERROR and recent[1].method == "POST"
        page = log.read(0, 2)
        assert [x.seq for x in page.requests] == [0, 1] and page.missed == 0
        page2 = log.read(page.next, 10)
        assert [x.seq for x in page2.requests] == [2]
        st = log.route_stats(1)
        assert (st.requests, st.errors) == (2, 1)
        assert log.stats().requests == 3
        with pytest.raises(lfe.NotFound):
            log.route_stats(99)
        log.record_batch([dict(path=f"/{i}") for i in range(4)])
        page = log.read(0, 10)
        assert page.missed == 3 and [x.seq for x in page.requests] == [3, 4, 5, 6]


def test_request_log_hostile():
    with RequestLog(capacity=2, max_field=4) as log:
        with pytest.raises(lfe.TooLarge):
            log.record_batch([{}, {}, {}])
        with pytest.raises(lfe.TooLarge):
            log.record(path="/toolong")
        with pytest.raises(lfe.Invalid):
            log.record(flags=1 << 20)
        with pytest.raises(TypeError):
            log.record(nonsense=1)
        with pytest.raises(TypeError):
            log.record_batch([1, 2])
        with pytest.raises(TypeError):
            log.record_batch(None)
        with pytest.raises(ValueError):
            log.record(status=-1)
        with pytest.raises(ValueError):
            log.recent(-1)
        assert log.record_batch([]) == 0
        assert log.recent(0) == []
        assert log.recent((1 << 63) - 1) == []
    with pytest.raises(lfe.Invalid):
        RequestLog(capacity=0)
    with pytest.raises(lfe.TooLarge):
        RequestLog(capacity=1 << 30)


def test_request_log_threads_record_while_a_reader_follows(run_workers):
    n_thr, per = 4, 400
    with RequestLog(capacity=n_thr * per) as log:
        stop = threading.Event()
        seen = []
        missed = [0]

        def writer(k):
            for i in range(0, per, 8):
                if i % 16:
                    log.record_batch([dict(trace_id=f"{k}:{j}", route_id=k + 1) for j in range(i, i + 8)])
                else:
                    for j in range(i, i + 8):
                        log.record(trace_id=f"{k}:{j}", route_id=k + 1)

        def reader():
            cur = 0
            while True:
                done = stop.is_set()
                page = log.read(cur, 100)
                seen.extend(page.requests)
                missed[0] += page.missed
                cur = page.next
                if done and not page.requests:
                    return

        run_workers([reader], writer, n_thr, stop.set)
        seqs = [x.seq for x in seen]
        assert seqs == list(range(n_thr * per)) and missed[0] == 0  # nothing lost, in order
        for k in range(n_thr):
            mine = [int(x.trace_id.split(":")[1]) for x in seen if x.route_id == k + 1]
            assert mine == list(range(per))  # each writer's order kept
            assert log.route_stats(k + 1).requests == per


def test_request_log_limits_and_byte_bound():
    with pytest.raises(lfe.TooLarge):
        RequestLog(capacity=(1 << 24) + 1)
    with pytest.raises(lfe.TooLarge):
        RequestLog(capacity=1 << 24)  # the default max_bytes cannot hold its slots
    with pytest.raises(lfe.Invalid):
        RequestLog(capacity=0)
    budget = 16 * 256 + 8 + 4 * 256 + 64
    with RequestLog(capacity=16, max_field=256, max_bytes=budget) as log:
        for _ in range(16):
            log.record(path=b"p" * 256)
            assert log.retained_bytes() <= budget
    with RequestLog(capacity=1 << 24, max_bytes=(1 << 63) - 1) as big:
        assert big.retained_bytes() <= 128 * 1024
