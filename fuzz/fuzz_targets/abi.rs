//! Drives every structure's C ABI with arbitrary arguments: configs of any `size` and content,
//! invalid enum values, absurd lengths and counts, NULLs where the ABI allows them (and where it
//! must reject them), calls after close/unsubscribe. Every status must be `LFE_OK` or one of the
//! codes the function's own `Errors:` line in `include/lfe.h` documents (parsed at start-up),
//! never `LFE_E_PANIC`; out-params are written only on success; every returned batch is
//! well-formed (its records' byte strings point inside its byte buffer).
#![no_main]

mod common;
use common::Bytes;
use lfe_capi::batch::{lfe_batch, lfe_batch_free, lfe_bytes};
use lfe_capi::bus::*;
use lfe_capi::lockdep::*;
use lfe_capi::log::*;
use lfe_capi::procs::*;
use lfe_capi::queue::*;
use lfe_capi::requests::*;
use lfe_capi::routes::*;
use lfe_capi::status::*;
use lfe_capi::Versioned;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

/// function name -> documented error codes (from the `Errors:` paragraph of its doc comment).
fn documented() -> &'static HashMap<String, Vec<i32>> {
    static D: OnceLock<HashMap<String, Vec<i32>>> = OnceLock::new();
    D.get_or_init(|| {
        let h = include_str!("../../include/lfe.h");
        let code = |n: &str| -> i32 {
            match n {
                "LFE_E_NULL" => LFE_E_NULL,
                "LFE_E_INVALID" => LFE_E_INVALID,
                "LFE_E_FULL" => LFE_E_FULL,
                "LFE_E_EMPTY" => LFE_E_EMPTY,
                "LFE_E_TIMEOUT" => LFE_E_TIMEOUT,
                "LFE_E_NOT_FOUND" => LFE_E_NOT_FOUND,
                "LFE_E_BUFFER_TOO_SMALL" => LFE_E_BUFFER_TOO_SMALL,
                "LFE_E_CONFLICT" => LFE_E_CONFLICT,
                "LFE_E_CLOSED" => LFE_E_CLOSED,
                "LFE_E_BAD_PATTERN" => LFE_E_BAD_PATTERN,
                "LFE_E_TOO_LARGE" => LFE_E_TOO_LARGE,
                "LFE_E_PANIC" => LFE_E_PANIC,
                "LFE_E_EXISTS" => LFE_E_EXISTS,
                "LFE_E_UNSUPPORTED" => LFE_E_UNSUPPORTED,
                "LFE_E_NOMEM" => LFE_E_NOMEM,
                _ => panic!("unknown code {n}"),
            }
        };
        let mut m = HashMap::new();
        let mut refs: HashMap<String, Vec<String>> = HashMap::new();
        let mut cur_refs: Vec<String> = Vec::new();
        let mut errs: Vec<i32> = Vec::new();
        let mut in_errors = false;
        for line in h.lines() {
            if let Some(c) = line.strip_prefix("//") {
                if c.trim_start().starts_with("Errors:") {
                    in_errors = true;
                    errs.clear();
                } else if c.trim_start().starts_with("Thread safety:")
                    || c.trim_start().starts_with("Ownership:")
                    || c.trim().is_empty()
                {
                    in_errors = false;
                }
                if c.trim_start().starts_with("Errors:") {
                    cur_refs.clear();
                }
                if in_errors {
                    for w in c.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')) {
                        if w.starts_with("LFE_E_") {
                            errs.push(code(w));
                        } else if w.starts_with("lfe_") {
                            // "Errors: as `lfe_other`, plus ...": inherits lfe_other's codes.
                            cur_refs.push(w.to_string());
                        }
                    }
                }
            } else if let Some(p) = line.find(" lfe_") {
                if let Some(end) = line[p + 1..].find('(') {
                    let name = line[p + 1..p + 1 + end].to_string();
                    refs.insert(name.clone(), std::mem::take(&mut cur_refs));
                    m.insert(name, std::mem::take(&mut errs));
                }
                in_errors = false;
            }
        }
        for (f, rs) in refs {
            for r in rs {
                let extra = m.get(&r).cloned().unwrap_or_default();
                m.get_mut(&f).unwrap().extend(extra);
            }
        }
        m
    })
}

#[track_caller]
fn check(f: &str, rc: i32) -> i32 {
    if rc != LFE_OK {
        let docs = documented().get(f).unwrap_or_else(|| panic!("{f}: no doc"));
        assert!(
            docs.contains(&rc),
            "{f} returned undocumented {rc} (documents {docs:?})"
        );
    }
    rc
}

/// Checks a batch is well-formed, then frees it.
fn eat(b: *mut lfe_batch, kinds: &[u32]) {
    if b.is_null() {
        return;
    }
    // SAFETY: a batch returned by lfe, not yet freed.
    let bt = unsafe { &*b };
    assert!(
        kinds.contains(&bt.kind) || bt.count == 0,
        "kind {}",
        bt.kind
    );
    assert!(bt.count == 0 || !bt.records.is_null());
    let (lo, hi) = (bt.bytes as usize, bt.bytes as usize + bt.bytes_len);
    // Every lfe_bytes field of every record lies in the byte buffer: scan the records as
    // words and check each (ptr, len) pair that points into [lo, hi).
    let words = bt.count * bt.record_size as usize / 8;
    // SAFETY: records holds count * record_size bytes, 8-aligned records.
    let w = unsafe { std::slice::from_raw_parts(bt.records as *const usize, words) };
    for p in w.windows(2) {
        if p[0] >= lo && p[0] < hi && p[0] != 0 {
            assert!(
                p[0] + p[1] <= hi || p[1] > hi - lo,
                "a byte string runs past the buffer"
            );
        }
    }
    // SAFETY: freed exactly once.
    unsafe { lfe_batch_free(b) };
}

/// A config buffer: `size` field from the input (0, short, exact, longer with zero or non-zero
/// tail, or > isize::MAX), fields random.
fn config(b: &mut Bytes<'_>, ours: usize) -> Option<Vec<u64>> {
    let mode = b.u8()?;
    let mut buf = vec![0u64; 12];
    for w in buf.iter_mut().skip(1).take(ours / 8) {
        let v = b.u8()?;
        *w = match v % 4 {
            0 => 0,
            1 => u64::from(v % 9),
            2 => u64::from(v) * 97,
            _ => u64::MAX,
        };
    }
    let size = match mode % 7 {
        0 => 0,
        1 => 8,
        2 => ours - 8,
        3 | 4 => ours,
        5 => {
            if mode & 0x80 != 0 {
                buf[ours / 8] = 1;
            }
            ours + 16
        }
        _ => usize::MAX,
    };
    buf[0] = size as u64;
    Some(buf)
}

fn bytes_arg<'a>(b: &mut Bytes<'a>) -> (*const u8, usize, &'a [u8]) {
    match b.u8().unwrap_or(0) % 6 {
        0 => (null(), 0, &[]),
        1 => (null(), 5, &[]), // must be LFE_E_NULL
        2 => {
            let s: &'static [u8] = b"x";
            (s.as_ptr(), usize::MAX, &[]) // must be LFE_E_TOO_LARGE (never read)
        }
        _ => {
            let s = b.bytes(24).unwrap_or(&[]);
            (s.as_ptr(), s.len(), s)
        }
    }
}

fn lb<'a>(b: &mut Bytes<'a>) -> lfe_bytes {
    let (ptr, len, _) = bytes_arg(b);
    lfe_bytes { ptr, len }
}

fn event_input(b: &mut Bytes<'_>) -> lfe_event_input {
    let t = match b.u8().unwrap_or(0) % 4 {
        0 => u32::from(b.u8().unwrap_or(0)),
        1 => 1024 + u32::from(b.u8().unwrap_or(0)),
        2 => u32::MAX,
        _ => 3,
    };
    lfe_event_input {
        r#type: t,
        reserved: if b.u8().unwrap_or(1) == 0 { 7 } else { 0 },
        process_id: b.u64().unwrap_or(0),
        ts_ns: 0,
        payload: lb(b),
    }
}

fn timeout(b: &mut Bytes<'_>) -> u64 {
    // Never wait long: 0, 1 us, or a huge timeout only when the outcome is immediate anyway
    // is not knowable here, so keep it short.
    [0, 1000, 10_000][b.u8().unwrap_or(0) as usize % 3]
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let Some(which) = b.u8() else { return };
    // SAFETY (whole body): every pointer passed is NULL, a live local, a live handle made
    // here, or a (pointer, length) pair that is either valid or rejected before any read
    // (NULL with len > 0, len > isize::MAX); handles are freed once, at the end.
    unsafe {
        match which % 7 {
            6 => fuzz_log(&mut b),
            0 => fuzz_queue(&mut b),
            1 => fuzz_bus(&mut b),
            2 => fuzz_procs(&mut b),
            3 => fuzz_routes(&mut b),
            4 => fuzz_requests(&mut b),
            _ => fuzz_lockdep(&mut b),
        }
    }
});

unsafe fn fuzz_queue(b: &mut Bytes<'_>) {
    let Some(cfg) = config(b, std::mem::size_of::<lfe_queue_config>()) else {
        return;
    };
    let mut q: *mut lfe_queue = null_mut();
    let cp = if cfg[0] == 0 && b.u8().unwrap_or(0) % 2 == 0 {
        null()
    } else {
        cfg.as_ptr().cast()
    };
    if check("lfe_queue_new", lfe_queue_new(cp, &mut q)) != LFE_OK {
        assert!(q.is_null(), "out written on failure");
        return;
    }
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        match op % 9 {
            0 => {
                check("lfe_queue_push", lfe_queue_push(q, &event_input(b)));
            }
            1 => {
                check(
                    "lfe_queue_push_timeout",
                    lfe_queue_push_timeout(q, &event_input(b), timeout(b)),
                );
            }
            2 => {
                let evs: Vec<lfe_event_input> = (0..b.u8().unwrap_or(0) % 4)
                    .map(|_| event_input(b))
                    .collect();
                let mut n = usize::MAX;
                let (p, c) = if evs.is_empty() && op & 0x80 != 0 {
                    (null(), 3)
                } else {
                    (evs.as_ptr(), evs.len())
                };
                let rc = check(
                    "lfe_queue_push_batch",
                    lfe_queue_push_batch(q, p, c, &mut n),
                );
                if rc == LFE_OK {
                    assert!(n <= c);
                }
            }
            3 => {
                let rc = check("lfe_queue_pop", lfe_queue_pop(q, &mut out));
                assert_eq!(rc == LFE_OK, !out.is_null());
                eat(out, &[300]);
            }
            4 => {
                let rc = check(
                    "lfe_queue_pop_batch",
                    lfe_queue_pop_batch(q, b.u8().unwrap_or(0) as usize * 1000, &mut out),
                );
                assert_eq!(rc == LFE_OK, !out.is_null());
                eat(out, &[300]);
            }
            5 => {
                let rc = check(
                    "lfe_queue_pop_timeout",
                    lfe_queue_pop_timeout(q, timeout(b), &mut out),
                );
                assert_eq!(rc == LFE_OK, !out.is_null());
                eat(out, &[300]);
            }
            6 => {
                let rc = check(
                    "lfe_queue_pop_batch_timeout",
                    lfe_queue_pop_batch_timeout(q, usize::MAX, timeout(b), &mut out),
                );
                eat(out, &[300]);
                let _ = rc;
            }
            7 => {
                let mut s = lfe_queue_counters::sized();
                assert_eq!(check("lfe_queue_stats", lfe_queue_stats(q, &mut s)), LFE_OK);
                assert!(s.depth <= s.capacity);
                assert_eq!(lfe_queue_stats(q, null_mut()), LFE_E_NULL);
                assert_eq!(lfe_queue_pop(q, null_mut()), LFE_E_NULL);
                assert_eq!(lfe_queue_push(null(), &event_input(b)), LFE_E_NULL);
            }
            _ => {
                assert_eq!(check("lfe_queue_close", lfe_queue_close(q)), LFE_OK);
                let ev = lfe_event_input {
                    r#type: 3,
                    reserved: 0,
                    process_id: 0,
                    ts_ns: 0,
                    payload: lfe_bytes {
                        ptr: null(),
                        len: 0,
                    },
                };
                assert_eq!(lfe_queue_push(q, &ev), LFE_E_CLOSED, "push after close");
            }
        }
    }
    lfe_queue_free(q);
}

unsafe fn fuzz_bus(b: &mut Bytes<'_>) {
    let Some(cfg) = config(b, std::mem::size_of::<lfe_bus_config>()) else {
        return;
    };
    let mut bus: *mut lfe_bus = null_mut();
    if check("lfe_bus_new", lfe_bus_new(cfg.as_ptr().cast(), &mut bus)) != LFE_OK {
        assert!(bus.is_null());
        return;
    }
    let mut subs: Vec<(*mut lfe_sub, bool)> = Vec::new();
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        match op % 8 {
            0 => {
                let types: Vec<u32> = (0..b.u8().unwrap_or(0) % 3)
                    .map(|_| u32::from(b.u16().unwrap_or(0)))
                    .collect();
                let (tp, nt) = match b.u8().unwrap_or(0) % 4 {
                    0 => (null(), 0),
                    1 => (null(), 2), // LFE_E_NULL
                    _ => (types.as_ptr(), types.len()),
                };
                let mask = [0, 1 << 3, u64::MAX, 1 << 63][b.u8().unwrap_or(0) as usize % 4];
                let cap = [0, 1, 3, usize::MAX][b.u8().unwrap_or(0) as usize % 4];
                let mut s: *mut lfe_sub = null_mut();
                if check(
                    "lfe_bus_subscribe",
                    lfe_bus_subscribe(bus, mask, tp, nt, cap, &mut s),
                ) == LFE_OK
                {
                    subs.push((s, false));
                } else {
                    assert!(s.is_null());
                }
            }
            1 => {
                check("lfe_bus_publish", lfe_bus_publish(bus, &event_input(b)));
            }
            2 => {
                let evs: Vec<lfe_event_input> = (0..b.u8().unwrap_or(0) % 4)
                    .map(|_| event_input(b))
                    .collect();
                {
                    check(
                        "lfe_bus_publish_batch",
                        lfe_bus_publish_batch(bus, evs.as_ptr(), evs.len()),
                    );
                };
                assert_eq!(lfe_bus_publish_batch(bus, null(), 1), LFE_E_NULL);
            }
            3 | 4 if !subs.is_empty() => {
                let (s, unsub) = subs[b.u8().unwrap_or(0) as usize % subs.len()];
                let rc = match b.u8().unwrap_or(0) % 4 {
                    0 => check("lfe_sub_pop", lfe_sub_pop(s, &mut out)),
                    1 => check(
                        "lfe_sub_pop_batch",
                        lfe_sub_pop_batch(s, b.u8().unwrap_or(0) as usize, &mut out),
                    ),
                    2 => check(
                        "lfe_sub_pop_timeout",
                        lfe_sub_pop_timeout(s, timeout(b), &mut out),
                    ),
                    _ => check(
                        "lfe_sub_pop_batch_timeout",
                        lfe_sub_pop_batch_timeout(s, 5, timeout(b), &mut out),
                    ),
                };
                if unsub {
                    assert!(
                        rc == LFE_OK || rc == LFE_E_CLOSED || rc == LFE_E_INVALID, // max 0
                        "pop after unsubscribe: {rc}"
                    );
                }
                eat(out, &[300]);
            }
            5 if !subs.is_empty() => {
                let i = b.u8().unwrap_or(0) as usize % subs.len();
                assert_eq!(
                    check("lfe_sub_unsubscribe", lfe_sub_unsubscribe(subs[i].0)),
                    LFE_OK
                );
                subs[i].1 = true;
                let mut fd = -1;
                let _ = check("lfe_sub_fd", lfe_sub_fd(subs[i].0, &mut fd));
            }
            6 if !subs.is_empty() => {
                let i = b.u8().unwrap_or(0) as usize % subs.len();
                let mut st = lfe_sub_counters::sized();
                assert_eq!(
                    check("lfe_sub_stats", lfe_sub_stats(subs[i].0, &mut st)),
                    LFE_OK
                );
                assert!(st.depth <= st.capacity);
                let (s, _) = subs.swap_remove(i);
                lfe_sub_free(s);
            }
            _ => {
                let mut st = lfe_bus_counters::sized();
                assert_eq!(check("lfe_bus_stats", lfe_bus_stats(bus, &mut st)), LFE_OK);
                assert_eq!(lfe_bus_stats(null(), &mut st), LFE_E_NULL);
                assert_eq!(lfe_sub_pop(null(), &mut out), LFE_E_NULL);
            }
        }
    }
    for (s, _) in subs {
        lfe_sub_free(s);
    }
    lfe_bus_free(bus);
}

unsafe fn fuzz_procs(b: &mut Bytes<'_>) {
    let Some(cfg) = config(b, std::mem::size_of::<lfe_procs_config>()) else {
        return;
    };
    let mut p: *mut lfe_procs = null_mut();
    if check("lfe_procs_new", lfe_procs_new(cfg.as_ptr().cast(), &mut p)) != LFE_OK {
        assert!(p.is_null());
        return;
    }
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        let id = u64::from(b.u8().unwrap_or(0) % 5);
        match op % 8 {
            0 => {
                let labels: Vec<lfe_label> = (0..b.u8().unwrap_or(0) % 3)
                    .map(|_| lfe_label {
                        key: lb(b),
                        value: lb(b),
                    })
                    .collect();
                let (lp, lc) = if b.u8().unwrap_or(0) % 5 == 0 {
                    (null(), 2)
                } else {
                    (labels.as_ptr(), labels.len())
                };
                let spec = lfe_proc_spec {
                    name: lb(b),
                    command: lb(b),
                    cwd: lb(b),
                    labels: lp,
                    label_count: lc,
                };
                let mut nid = 0u64;
                let rc = check("lfe_procs_insert", lfe_procs_insert(p, &spec, &mut nid));
                assert_eq!(rc == LFE_OK, nid != 0);
            }
            1 => {
                let (e, t) = (
                    u32::from(b.u8().unwrap_or(0) % 9),
                    u32::from(b.u8().unwrap_or(0) % 9),
                );
                let rc = check(
                    "lfe_procs_transition",
                    lfe_procs_transition(p, id, e, t, i32::from(b.u8().unwrap_or(0) % 2)),
                );
                if e > 6 || t > 6 {
                    assert_eq!(rc, LFE_E_INVALID, "state out of range");
                }
            }
            2 => {
                check("lfe_procs_set_pid", lfe_procs_set_pid(p, id, 42));
            }
            3 => {
                check("lfe_procs_remove", lfe_procs_remove(p, id));
            }
            4 => {
                let rc = check("lfe_procs_get", lfe_procs_get(p, id, &mut out));
                assert_eq!(rc == LFE_OK, !out.is_null());
                eat(out, &[200]);
            }
            5 => {
                let (np, nl, _) = bytes_arg(b);
                {
                    check("lfe_procs_find", lfe_procs_find(p, np, nl, &mut out));
                };
                eat(out, &[200]);
            }
            6 => {
                assert_eq!(check("lfe_procs_list", lfe_procs_list(p, &mut out)), LFE_OK);
                eat(out, &[200]);
            }
            _ => {
                let (mut n, mut g) = (0usize, 0u64);
                assert_eq!(check("lfe_procs_count", lfe_procs_count(p, &mut n)), LFE_OK);
                assert_eq!(
                    check("lfe_procs_generation", lfe_procs_generation(p, &mut g)),
                    LFE_OK
                );
                assert_eq!(lfe_procs_count(p, null_mut()), LFE_E_NULL);
                assert_eq!(lfe_procs_insert(p, null(), &mut g), LFE_E_NULL);
            }
        }
    }
    lfe_procs_free(p);
}

unsafe fn fuzz_routes(b: &mut Bytes<'_>) {
    let Some(cfg) = config(b, std::mem::size_of::<lfe_routes_config>()) else {
        return;
    };
    let mut r: *mut lfe_routes = null_mut();
    if check(
        "lfe_routes_new",
        lfe_routes_new(cfg.as_ptr().cast(), &mut r),
    ) != LFE_OK
    {
        assert!(r.is_null());
        return;
    }
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        let id = u64::from(b.u8().unwrap_or(0) % 5);
        match op % 7 {
            0 | 1 => {
                let spec = lfe_route_spec {
                    host: lb(b),
                    path_prefix: lb(b),
                    target: lb(b),
                    label: lb(b),
                    process_id: id,
                    proxy_port: [0, 8080, 65535, 65536, u32::MAX][b.u8().unwrap_or(0) as usize % 5],
                };
                if op % 7 == 0 {
                    let mut nid = 0;
                    {
                        check("lfe_routes_add", lfe_routes_add(r, &spec, &mut nid));
                    };
                } else {
                    {
                        check("lfe_routes_replace", lfe_routes_replace(r, id, &spec));
                    };
                }
            }
            2 => {
                check("lfe_routes_remove", lfe_routes_remove(r, id));
            }
            3 => {
                let (hp, hl, _) = bytes_arg(b);
                let (pp, pl, _) = bytes_arg(b);
                {
                    check(
                        "lfe_routes_lookup",
                        lfe_routes_lookup(r, hp, hl, pp, pl, &mut out),
                    );
                };
                eat(out, &[201]);
            }
            4 => {
                let (up, ul, _) = bytes_arg(b);
                {
                    check(
                        "lfe_routes_attribute",
                        lfe_routes_attribute(r, up, ul, &mut out),
                    );
                };
                eat(out, &[201]);
            }
            5 => {
                {
                    check("lfe_routes_get", lfe_routes_get(r, id, &mut out));
                };
                eat(out, &[201]);
                assert_eq!(
                    check("lfe_routes_list", lfe_routes_list(r, &mut out)),
                    LFE_OK
                );
                eat(out, &[201]);
            }
            _ => {
                let (mut n, mut g) = (0usize, 0u64);
                assert_eq!(
                    check("lfe_routes_count", lfe_routes_count(r, &mut n)),
                    LFE_OK
                );
                assert_eq!(
                    check("lfe_routes_generation", lfe_routes_generation(r, &mut g)),
                    LFE_OK
                );
                assert_eq!(lfe_routes_add(r, null(), &mut g), LFE_E_NULL);
            }
        }
    }
    lfe_routes_free(r);
}

unsafe fn fuzz_requests(b: &mut Bytes<'_>) {
    let Some(cfg) = config(b, std::mem::size_of::<lfe_requests_config>()) else {
        return;
    };
    let mut l: *mut lfe_requests = null_mut();
    if check(
        "lfe_requests_new",
        lfe_requests_new(cfg.as_ptr().cast(), &mut l),
    ) != LFE_OK
    {
        assert!(l.is_null());
        return;
    }
    let req = |b: &mut Bytes<'_>| lfe_request_in {
        time_ns: 0,
        duration_ns: b.u64().unwrap_or(0),
        bytes: 1,
        process_id: 0,
        route_id: u64::from(b.u8().unwrap_or(0) % 4),
        status: [200, 404, 500, u32::MAX][b.u8().unwrap_or(0) as usize % 4],
        flags: u32::from(b.u8().unwrap_or(0) % 9),
        method: lb(b),
        host: lb(b),
        path: lb(b),
        trace_id: lb(b),
    };
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        match op % 6 {
            0 => {
                let mut s = 0;
                {
                    check(
                        "lfe_requests_record",
                        lfe_requests_record(l, &req(b), &mut s),
                    );
                };
            }
            1 => {
                let rs: Vec<lfe_request_in> =
                    (0..b.u8().unwrap_or(0) % 4).map(|_| req(b)).collect();
                let mut s = 0;
                {
                    check(
                        "lfe_requests_record_batch",
                        lfe_requests_record_batch(l, rs.as_ptr(), rs.len(), &mut s),
                    );
                };
                assert_eq!(lfe_requests_record_batch(l, null(), 2, &mut s), LFE_E_NULL);
            }
            2 => {
                let rc = check(
                    "lfe_requests_read",
                    lfe_requests_read(
                        l,
                        b.u64().unwrap_or(0),
                        b.u8().unwrap_or(0) as usize * 1000,
                        &mut out,
                    ),
                );
                assert_eq!(rc == LFE_OK, !out.is_null());
                eat(out, &[202]);
            }
            3 => {
                {
                    check(
                        "lfe_requests_recent",
                        lfe_requests_recent(l, usize::MAX >> (b.u8().unwrap_or(0) % 64), &mut out),
                    );
                };
                eat(out, &[202]);
            }
            4 => {
                let mut s = lfe_request_stats::sized();
                {
                    check(
                        "lfe_requests_route_stats",
                        lfe_requests_route_stats(l, u64::from(b.u8().unwrap_or(0) % 5), &mut s),
                    );
                };
            }
            _ => {
                let mut s = lfe_request_stats::sized();
                assert_eq!(
                    check(
                        "lfe_requests_global_stats",
                        lfe_requests_global_stats(l, &mut s)
                    ),
                    LFE_OK
                );
                assert_eq!(lfe_requests_global_stats(l, null_mut()), LFE_E_NULL);
            }
        }
    }
    lfe_requests_free(l);
}

unsafe fn fuzz_lockdep(b: &mut Bytes<'_>) {
    let Some(mut cfg) = config(b, std::mem::size_of::<lfe_lockdep_config>()) else {
        return;
    };
    // Keep the graph small: max_locks (the first u32 after size) at most 64.
    let w = cfg[1];
    cfg[1] = (w & !0xffff_ffff) | (w & 63);
    let mut v: *mut lfe_lockdep = null_mut();
    if check(
        "lfe_lockdep_new",
        lfe_lockdep_new(cfg.as_ptr().cast(), &mut v),
    ) != LFE_OK
    {
        assert!(v.is_null());
        return;
    }
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        let tok = u64::from(b.u8().unwrap_or(0) % 3);
        let id = u32::from(b.u8().unwrap_or(0) % 6);
        let now = b.u8().map_or(0, u64::from);
        match op % 8 {
            0 => {
                let (np, nl, _) = bytes_arg(b);
                let mut lid = u32::MAX;
                let rc = check(
                    "lfe_lockdep_register",
                    lfe_lockdep_register(v, np, nl, &mut lid),
                );
                assert_eq!(rc == LFE_OK, lid != u32::MAX);
            }
            1 => {
                check("lfe_lockdep_acquire", lfe_lockdep_acquire(v, tok, id, now));
            }
            2 => {
                check(
                    "lfe_lockdep_acquire_shared",
                    lfe_lockdep_acquire_shared(v, tok, id, now),
                );
            }
            3 => {
                check("lfe_lockdep_release", lfe_lockdep_release(v, tok, id, now));
            }
            4 => {
                let mut n = 0;
                {
                    check(
                        "lfe_lockdep_scan",
                        lfe_lockdep_scan(v, now * 1_000_000, &mut n),
                    );
                };
            }
            5 => {
                assert_eq!(
                    check(
                        "lfe_lockdep_violations",
                        lfe_lockdep_violations(v, now, &mut out)
                    ),
                    LFE_OK
                );
                eat(out, &[400]);
            }
            6 => {
                if now % 2 == 0 {
                    {
                        check("lfe_lockdep_disable", lfe_lockdep_disable(v));
                    };
                } else {
                    {
                        check("lfe_lockdep_enable", lfe_lockdep_enable(v));
                    };
                }
            }
            _ => {
                let mut s = lfe_lockdep_counters::sized();
                assert_eq!(
                    check("lfe_lockdep_stats", lfe_lockdep_stats(v, &mut s)),
                    LFE_OK
                );
                assert_eq!(lfe_lockdep_stats(null(), &mut s), LFE_E_NULL);
            }
        }
    }
    lfe_lockdep_free(v);
}

unsafe fn fuzz_log(b: &mut Bytes<'_>) {
    let Some(mut cfg) = config(b, std::mem::size_of::<lfe_log_config>()) else {
        return;
    };
    // Keep it small and manual (no worker thread per input): capacity (word 1) <= 64,
    // manual (word 3) 0/1 or a bad value.
    if cfg[1] != u64::MAX {
        cfg[1] %= 64;
    }
    cfg[3] = [1, 1, 1, 2][cfg[3] as usize % 4];
    let mut l: *mut lfe_log = null_mut();
    if check("lfe_log_new", lfe_log_new(cfg.as_ptr().cast(), &mut l)) != LFE_OK {
        assert!(l.is_null());
        return;
    }
    while let Some(op) = b.u8() {
        let mut out: *mut lfe_batch = null_mut();
        match op % 9 {
            0 => {
                let (tp, tl, _) = bytes_arg(b);
                let stream = u32::from(b.u8().unwrap_or(0) % 4);
                let mut seq = u64::MAX;
                let sp = if op & 0x80 != 0 {
                    null_mut()
                } else {
                    &mut seq as *mut u64
                };
                let rc = check(
                    "lfe_log_append",
                    lfe_log_append(l, 1, stream, 0, tp, tl, sp),
                );
                if stream > 2 {
                    assert_eq!(rc, LFE_E_INVALID);
                }
            }
            1 => {
                let ins: Vec<lfe_log_input> = (0..b.u8().unwrap_or(0) % 4)
                    .map(|_| lfe_log_input {
                        process_id: 2,
                        stream: u32::from(b.u8().unwrap_or(0) % 4),
                        ts_ns: 0,
                        text: lb(b),
                    })
                    .collect();
                let mut first = 0;
                {
                    check(
                        "lfe_log_append_batch",
                        lfe_log_append_batch(l, ins.as_ptr(), ins.len(), &mut first),
                    );
                };
                assert_eq!(lfe_log_append_batch(l, null(), 1, &mut first), LFE_E_NULL);
            }
            2 => {
                let rc = check(
                    "lfe_log_read",
                    lfe_log_read(
                        l,
                        b.u64().unwrap_or(0) % 100,
                        b.u8().unwrap_or(0) as usize * 7,
                        &mut out,
                    ),
                );
                assert_eq!(rc == LFE_OK, !out.is_null());
                eat(out, &[100]);
            }
            3 => {
                let hp = u32::from(b.u8().unwrap_or(0) % 3);
                let rc = check(
                    "lfe_log_tail",
                    lfe_log_tail(l, b.u8().unwrap_or(0) as usize, hp, 1, &mut out),
                );
                if hp > 1 {
                    assert_eq!(rc, LFE_E_INVALID);
                }
                eat(out, &[100]);
            }
            4 => {
                let pat = lb(b);
                let q = lfe_log_query {
                    size: if b.u8().unwrap_or(1) == 0 {
                        8
                    } else {
                        std::mem::size_of::<lfe_log_query>()
                    },
                    pattern: pat,
                    flags: u32::from(b.u8().unwrap_or(0) % 10),
                    min_level: u32::from(b.u8().unwrap_or(0) % 7),
                    process_id: 1,
                    since_ns: 0,
                    until_ns: 0,
                    limit: u64::from(b.u8().unwrap_or(0)),
                };
                let mut err: *mut lfe_batch = null_mut();
                let ep = if op & 0x80 != 0 {
                    null_mut()
                } else {
                    &mut err as *mut _
                };
                let rc = check("lfe_log_search", lfe_log_search(l, &q, &mut out, ep));
                assert_eq!(rc == LFE_OK, !out.is_null());
                assert!(err.is_null() || rc == LFE_E_BAD_PATTERN);
                eat(out, &[100]);
                eat(err, &[1]);
            }
            5 => {
                assert_eq!(check("lfe_log_urls", lfe_log_urls(l, &mut out)), LFE_OK);
                eat(out, &[101]);
                assert_eq!(check("lfe_log_errors", lfe_log_errors(l, &mut out)), LFE_OK);
                eat(out, &[102]);
            }
            6 => {
                let mut done = usize::MAX;
                let dp = if op & 0x80 != 0 {
                    null_mut()
                } else {
                    &mut done as *mut usize
                };
                assert_eq!(
                    check(
                        "lfe_log_enrich",
                        lfe_log_enrich(l, b.u8().unwrap_or(0) as usize, dp)
                    ),
                    LFE_OK
                );
                if op & 0x40 != 0 {
                    assert_eq!(check("lfe_log_sync", lfe_log_sync(l)), LFE_OK);
                }
            }
            7 => {
                if op & 0x80 != 0 {
                    assert_eq!(check("lfe_log_clear", lfe_log_clear(l)), LFE_OK);
                } else {
                    assert_eq!(
                        check("lfe_log_clear_process", lfe_log_clear_process(l, 1)),
                        LFE_OK
                    );
                }
            }
            _ => {
                let mut st = std::mem::zeroed::<lfe_log_counters>();
                st.size = [0, 8, 24, std::mem::size_of::<lfe_log_counters>()]
                    [b.u8().unwrap_or(3) as usize % 4];
                let want = st.size;
                let rc = check("lfe_log_stats", lfe_log_stats(l, &mut st));
                // The size rule: at least the struct this library knows.
                assert_eq!(
                    rc == LFE_OK,
                    want >= std::mem::size_of::<lfe_log_counters>()
                );
                assert_eq!(lfe_log_stats(null(), &mut st), LFE_E_NULL);
                assert_eq!(lfe_log_read(l, 0, 1, null_mut()), LFE_E_NULL);
            }
        }
    }
    lfe_log_free(l);
}
