"""lfe.metrics() / lfe.Collector: the OpenMetrics text read back with prometheus_client's own
OpenMetrics parser (installed by make python-test), values compared with each object's stats()."""

from __future__ import annotations

from typing import Dict, Tuple

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

import lfe


def samples(text: str) -> Dict[Tuple[str, str], float]:
    """``(sample name, name label) -> value`` of every sample; parsing checks the whole text
    (families, types, `# EOF`)."""
    out = {}
    for fam in text_string_to_metric_families(text):
        assert fam.name.startswith("lfe_")
        assert fam.type in ("counter", "gauge") and fam.documentation
        for s in fam.samples:
            key = (s.name, s.labels["name"])
            assert key not in out
            out[key] = s.value
    return out


def test_every_structure_exported_with_its_stats():
    with lfe.LogStore(capacity=64, manual=True) as log, lfe.EventQueue(capacity=8) as q, \
            lfe.Bus() as bus, lfe.RequestLog() as req, lfe.LockValidator() as v:
        sub = bus.subscribe(capacity=2)
        for i in range(5):
            log.append(f"line {i}")
            bus.publish(lfe.EVENT_HOST_MIN, b"x")
        q.push(lfe.EVENT_HOST_MIN, b"abc")
        a = v.register("a")
        v.acquire(a)
        text = lfe.metrics({"app": log, "jobs": q, "bus": bus, "sub \"1\"\n": sub, "proxy": req,
                            "locks": v})
        assert text.endswith("# EOF\n")
        got = samples(text)
        ls = log.stats()
        assert got[("lfe_log_appended_total", "app")] == ls.appended == 5
        assert got[("lfe_log_enrich_lag", "app")] == ls.enrich_lag == 5  # manual: none enriched
        assert got[("lfe_log_capacity", "app")] == ls.capacity == 64
        assert got[("lfe_queue_depth", "jobs")] == 1
        assert got[("lfe_queue_pushed_total", "jobs")] == 1
        assert got[("lfe_bus_published_total", "bus")] == 5
        assert got[("lfe_bus_subscribers", "bus")] == 1
        ss = sub.stats()
        assert got[("lfe_sub_lagged_total", "sub \"1\"\n")] == ss.lagged == 3
        assert got[("lfe_sub_depth", "sub \"1\"\n")] == ss.depth == 2
        assert got[("lfe_requests_total", "proxy")] == 0
        assert got[("lfe_lockdep_acquires_total", "locks")] == 1
        assert got[("lfe_lockdep_holding_tokens", "locks")] == 1
        v.release(a)
        sub.close()


def test_many_structures_of_one_kind_share_families():
    logs = [lfe.LogStore(capacity=16, manual=True) for _ in range(3)]
    try:
        for i, s in enumerate(logs):
            for _ in range(i):
                s.append("x")
        text = lfe.metrics([(f"p{i}", s) for i, s in enumerate(logs)])
        assert text.count("# TYPE lfe_log_appended counter") == 1
        got = samples(text)
        assert [got[("lfe_log_appended_total", f"p{i}")] for i in range(3)] == [0, 1, 2]
        # Large outputs go through the size query: 200 names overflow the first buffer.
        big = lfe.metrics([(f"{'n' * 40}{i}", logs[0]) for i in range(200)])
        assert len(samples(big)) == 200 * 9
    finally:
        for s in logs:
            s.close()


def test_errors():
    with lfe.LogStore(manual=True) as a, lfe.LogStore(manual=True) as b:
        with pytest.raises(lfe.Invalid):
            lfe.metrics({"": a})
        with pytest.raises(lfe.Invalid):
            lfe.metrics([("x", a), ("x", b)])
        with pytest.raises(TypeError):
            lfe.metrics({"x": object()})  # type: ignore[dict-item]
    with pytest.raises(lfe.Closed):
        lfe.metrics({"x": a})
    assert lfe.metrics({}) == "# EOF\n"


def test_prometheus_client_collector():
    with lfe.EventQueue(capacity=4) as q:
        q.push(lfe.EVENT_HOST_MIN, b"a")
        reg = CollectorRegistry()
        reg.register(lfe.Collector({"jobs": q}))
        assert reg.get_sample_value("lfe_queue_depth", {"name": "jobs"}) == 1
        q.push(lfe.EVENT_HOST_MIN, b"b")  # each scrape reads the counters anew
        assert reg.get_sample_value("lfe_queue_pushed_total", {"name": "jobs"}) == 2
        assert b'lfe_queue_capacity{name="jobs"} 4.0' in generate_latest(reg)
