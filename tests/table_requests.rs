//! Request log: order, eviction accounting, batches, stats and percentiles (lfe and baseline),
//! and a concurrent test checking nothing is lost, duplicated or reordered.

mod common;

use lfe::table::requests::{
    Request, RequestsConfig, StatsView, FLAG_ERROR, FLAG_TRANSPORT_ERROR, FLAG_XHR,
};
use lfe::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The API both logs share (`lfe_baselines::api`), so one test body checks both.
use lfe_baselines::api::RequestLogApi as Log;

/// `read` as (requests, next, missed).
fn read3<L: Log>(l: &L, cursor: u64, max: usize) -> (Vec<Request>, u64, u64) {
    let r = l.read(cursor, max);
    (r.requests, r.next, r.missed)
}

fn req(route: u64, status: u32, dur: u64, bytes: u64) -> Request {
    Request {
        method: b"GET".to_vec(),
        host: b"app".to_vec(),
        path: b"/x".to_vec(),
        status,
        duration_ns: dur,
        bytes,
        route_id: route,
        ..Default::default()
    }
}

fn basics<L: Log>() {
    assert!(matches!(
        L::create(RequestsConfig {
            capacity: 0,
            ..Default::default()
        }),
        Err(Error::Invalid(_))
    ));
    let l = L::create(RequestsConfig {
        capacity: 4,
        max_routes: 2,
        max_field: 8,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(l.record(req(1, 200, 1000, 10)).unwrap(), 0);
    let mut bad = req(1, 200, 1, 1);
    bad.path = vec![b'/'; 9];
    assert_eq!(l.record(bad), Err(Error::TooLarge));
    let mut bad = req(1, 200, 1, 1);
    bad.flags = 64;
    assert!(matches!(l.record(bad), Err(Error::Invalid(_))));
    let mut t = req(1, 0, 5000, 0);
    t.flags = FLAG_TRANSPORT_ERROR | FLAG_XHR;
    t.trace_id = b"trace".to_vec();
    assert_eq!(l.record(t).unwrap(), 1);
    assert_eq!(
        l.record_batch(vec![req(2, 404, 100, 1), req(0, 200, 100, 1)])
            .unwrap(),
        2
    );
    let (rs, next, missed) = read3(&l, 0, 100);
    assert_eq!((next, missed), (4, 0));
    assert_eq!(
        rs.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert_eq!(rs[0].flags, 0);
    assert_eq!(rs[1].flags, FLAG_TRANSPORT_ERROR | FLAG_XHR | FLAG_ERROR);
    assert_eq!(rs[1].trace_id, b"trace");
    assert_eq!(rs[2].flags, FLAG_ERROR);
    assert!(rs[0].time_ns > 0);
    // Wrap around: 2 evicted.
    l.record_batch(vec![req(1, 200, 1, 1), req(1, 200, 1, 1)])
        .unwrap();
    let (rs, next, missed) = read3(&l, 0, 100);
    assert_eq!((next, missed), (6, 2));
    assert_eq!(
        rs.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![2, 3, 4, 5]
    );
    let (rs, next, missed) = read3(&l, 3, 1);
    assert_eq!((rs.len(), rs[0].seq, next, missed), (1, 3, 4, 0));
    assert_eq!(read3(&l, 6, 10).0.len(), 0);
    assert_eq!(
        l.recent(3).iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );

    let s1 = l.route_stats(1).unwrap();
    assert_eq!((s1.requests, s1.errors, s1.bytes), (4, 1, 12));
    let s2 = l.route_stats(2).unwrap();
    assert_eq!((s2.requests, s2.errors), (1, 1));
    assert_eq!(l.route_stats(0).unwrap().requests, 1);
    assert_eq!(l.route_stats(9), Err(Error::NotFound));
    // A third routed id exceeds max_routes = 2: counted globally and as overflow.
    l.record(req(3, 200, 1, 1)).unwrap();
    assert_eq!(l.route_stats(3), Err(Error::NotFound));
    assert_eq!(l.stats_overflow(), 1);
    let g = l.global_stats();
    assert_eq!((g.requests, g.errors), (7, 2));
}

/// A batch longer than the ring is `TooLarge` and records nothing, as
/// `lfe_requests_record_batch` with count > capacity is `LFE_E_TOO_LARGE`.
fn batch_over_capacity<L: Log>() {
    let l = L::create(RequestsConfig {
        capacity: 2,
        ..RequestsConfig::default()
    })
    .unwrap();
    let rs = vec![req(1, 200, 1, 1), req(1, 200, 1, 1), req(1, 200, 1, 1)];
    assert_eq!(l.record_batch(rs), Err(Error::TooLarge));
    assert_eq!(l.global_stats().requests, 0);
    assert!(l.record_batch(vec![req(1, 200, 1, 1); 2]).is_ok());
}

fn percentiles<L: Log>() {
    let l = L::create(RequestsConfig::default()).unwrap();
    // 1..=1000 µs: p50 ~ 500 µs, p90 ~ 900 µs, p99 ~ 990 µs (bucket bounds: <= 25% over).
    for i in 1..=1000u64 {
        l.record(req(5, 200, i * 1000, 1)).unwrap();
    }
    let s = l.route_stats(5).unwrap();
    for (got, want) in [
        (s.p50_ns, 500_000),
        (s.p90_ns, 900_000),
        (s.p99_ns, 990_000),
    ] {
        assert!(got >= want && got <= want + want / 4, "{got} vs {want}");
    }
    assert_eq!(l.route_stats(0).unwrap(), StatsView::default());
}

/// A reader thread that follows `l` with a cursor until `stop` is set and a read finds nothing
/// new. Checks every read's cursor arithmetic, that sequences strictly increase and that each
/// writer's records (`process_id` < `writers`) arrive in its order (`bytes` increasing); `each`
/// sees every record read, `poll` runs after every read. Returns (cursor, records read,
/// records missed).
fn follow<L: Log>(
    l: Arc<L>,
    stop: Arc<AtomicBool>,
    writers: u64,
    each: impl Fn(&Request) + Send + 'static,
    poll: impl Fn(&L) + Send + 'static,
) -> std::thread::JoinHandle<(u64, u64, u64)> {
    std::thread::spawn(move || {
        let (mut cursor, mut got, mut missed_total) = (0, 0u64, 0u64);
        let mut last_per = vec![None::<u64>; writers as usize];
        loop {
            let done = stop.load(Ordering::Acquire);
            let (rs, next, missed) = read3(&*l, cursor, 64);
            assert!(next >= cursor);
            assert_eq!(next - cursor, rs.len() as u64 + missed);
            let mut prev = None;
            for r in &rs {
                assert!(prev.is_none_or(|p| r.seq > p));
                prev = Some(r.seq);
                each(r);
                let w = r.process_id as usize;
                assert!(last_per[w].is_none_or(|x| r.bytes > x), "writer order");
                last_per[w] = Some(r.bytes);
            }
            poll(&l);
            got += rs.len() as u64;
            missed_total += missed;
            cursor = next;
            if done && rs.is_empty() && missed == 0 {
                return (cursor, got, missed_total);
            }
        }
    })
}

/// Writers tag records (process_id = writer, bytes = the writer's counter); a reader follows
/// the log with a cursor. Checks: sequences strictly increase, each writer's records arrive in
/// its order, nothing twice, and records + missed account for every sequence read past.
fn concurrent<L: Log>(capacity: usize) {
    let per = if cfg!(debug_assertions) { 3000 } else { 20_000 };
    let writers = 3u64;
    let l = Arc::new(
        L::create(RequestsConfig {
            capacity,
            max_bytes: lfe::table::requests::RequestLog::fixed_bytes(capacity)
                + RequestsConfig::default().max_bytes,
            ..Default::default()
        })
        .unwrap(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let reader = follow(l.clone(), stop.clone(), writers, |_| {}, |_| {});
    let hs = common::spawn_n(writers, &l, move |l, w| {
        let mut i = 0;
        while i < per {
            let n = 1 + (i % 3);
            let batch: Vec<Request> = (i..(i + n).min(per))
                .map(|k| {
                    let mut r = req(w % 2, 200, k, k);
                    r.process_id = w;
                    r
                })
                .collect();
            i += batch.len() as u64;
            l.record_batch(batch).unwrap();
        }
    });
    for h in hs {
        h.join().unwrap();
    }
    stop.store(true, Ordering::Release);
    let (cursor, got, missed) = reader.join().unwrap();
    let total = writers * per;
    assert_eq!(cursor, total);
    assert_eq!(got + missed, total);
    if capacity as u64 >= total {
        assert_eq!(missed, 0, "nothing is lost when the ring holds everything");
    }
    assert_eq!(l.global_stats().requests, total);
    let r0 = l.route_stats(0).unwrap().requests;
    let r1 = l.route_stats(1).unwrap().requests;
    assert_eq!(r0 + r1, total);
}

#[test]
fn concurrent_lfe_small_ring() {
    concurrent::<lfe::table::requests::RequestLog>(128);
}

#[test]
fn concurrent_lfe_big_ring() {
    concurrent::<lfe::table::requests::RequestLog>(1 << 17);
}

#[test]
fn concurrent_baseline() {
    let _lockdep = common::lockdep_on();
    concurrent::<lfe_baselines::table::RequestLog>(128);
}

/// The request writer `w` sends as its `k`-th: every field derived from `(w, k)`, with byte
/// fields from empty to a few hundred bytes, so some records fit a slot's inline words and
/// some spill (the lfe log keeps up to 168 bytes inline).
fn derived(w: u64, k: u64) -> Request {
    let n = |salt: u64, max: u64| ((k * 31 + w * 17 + salt) % max) as usize;
    let fill = |len: usize, b: u8| (0..len).map(|i| b.wrapping_add(i as u8)).collect();
    Request {
        method: fill(n(1, 8), b'A' + w as u8),
        host: fill(n(2, 40), b'h'),
        path: fill(
            if k % 7 == 0 {
                150 + n(3, 200)
            } else {
                n(3, 60)
            },
            b'/',
        ),
        trace_id: fill(if k % 11 == 0 { n(4, 300) } else { 0 }, b't'),
        status: 200 + (k % 300) as u32,
        duration_ns: k * 1000 + w,
        bytes: k,
        process_id: w,
        route_id: 1 + w,
        time_ns: 1 + k,
        flags: FLAG_XHR,
        ..Default::default()
    }
}

/// Writers record derived requests into a small ring (constant lap collisions) while a reader
/// follows with a cursor and also polls `recent` and the oldest records (the slots being
/// overwritten): every record delivered is exactly the one
/// its writer sent (no torn or mixed record, inline or spilled), delivered once, in each
/// writer's order; the stats are exact afterwards.
fn no_torn_records<L: Log>() {
    let per = if cfg!(debug_assertions) {
        20_000
    } else {
        200_000
    };
    let writers = 2u64;
    let l = Arc::new(
        L::create(RequestsConfig {
            capacity: 16,
            ..Default::default()
        })
        .unwrap(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let check = |r: &Request| {
        let mut want = derived(r.process_id, r.bytes);
        want.seq = r.seq;
        if want.status >= 400 {
            want.flags |= FLAG_ERROR;
        }
        assert_eq!(r, &want, "torn or mixed record");
    };
    let reader = follow(l.clone(), stop.clone(), writers, check, move |l: &L| {
        l.recent(8).iter().for_each(check);
        // The oldest records: the slots writers are about to overwrite.
        read3(l, 0, 4).0.iter().for_each(check);
    });
    let hs: Vec<_> = (0..writers)
        .map(|w| {
            let l = l.clone();
            std::thread::spawn(move || {
                for k in 0..per {
                    l.record(derived(w, k)).unwrap();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    stop.store(true, Ordering::Release);
    let (cursor, got, missed) = reader.join().unwrap();
    assert_eq!(cursor, writers * per);
    assert_eq!(got + missed, writers * per);
    let (rs, _, _) = read3(&*l, 0, 100);
    assert!(rs.len() <= 16);
    rs.iter().for_each(check);
    for w in 0..writers {
        let s = l.route_stats(1 + w).unwrap();
        let want_bytes: u64 = (0..per).sum();
        assert_eq!((s.requests, s.bytes), (per, want_bytes), "route {w} stats");
    }
    assert_eq!(l.global_stats().requests, writers * per);
}

/// Every documented limit: zero fields, each maximum exactly (accepted) and one over
/// (`TooLarge`), and `max_bytes` exactly large enough (accepted) and one byte short.
#[test]
fn config_limits_have_exact_errors() {
    use lfe::table::requests::{
        RequestLog, DEFAULT_MAX_BYTES, MAX_CAPACITY, MAX_FIELD, MAX_ROUTES, SPILL_OVERHEAD,
    };
    let make = |f: &dyn Fn(&mut RequestsConfig)| {
        let mut c = RequestsConfig::default();
        f(&mut c);
        RequestLog::new(c).map(|_| ())
    };
    assert_eq!(RequestsConfig::default().max_bytes, DEFAULT_MAX_BYTES);
    for zero in [
        &(|c: &mut RequestsConfig| c.capacity = 0) as &dyn Fn(&mut RequestsConfig),
        &|c| c.max_field = 0,
    ] {
        assert!(matches!(make(zero), Err(Error::Invalid(_))));
    }
    // Zero max_bytes is the default; zero max_routes is "no per-route stats".
    let l = RequestLog::new(RequestsConfig {
        max_bytes: 0,
        max_routes: 0,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(l.config().max_bytes, DEFAULT_MAX_BYTES);
    l.record(req(3, 200, 1, 1)).unwrap();
    assert_eq!((l.stats_overflow(), l.global_stats().requests), (1, 1));
    assert_eq!(l.route_stats(3), Err(Error::NotFound));
    assert_eq!(make(&|c| c.max_routes = MAX_ROUTES), Ok(()));
    assert_eq!(
        make(&|c| c.max_routes = MAX_ROUTES + 1),
        Err(Error::TooLarge)
    );
    let big_field = |c: &mut RequestsConfig| {
        c.max_field = MAX_FIELD;
        c.max_bytes = RequestLog::fixed_bytes(c.capacity) + 4 * MAX_FIELD + SPILL_OVERHEAD;
    };
    assert_eq!(make(&big_field), Ok(()));
    assert_eq!(
        make(&|c| {
            big_field(c);
            c.max_bytes -= 1;
        }),
        Err(Error::TooLarge)
    );
    assert_eq!(make(&|c| c.max_field = MAX_FIELD + 1), Err(Error::TooLarge));
    assert_eq!(
        make(&|c| c.capacity = MAX_CAPACITY + 1),
        Err(Error::TooLarge)
    );
    assert_eq!(make(&|c| c.capacity = usize::MAX), Err(Error::TooLarge));
    // The default max_bytes is too small for the largest ring: TooLarge, not an attempt.
    assert_eq!(make(&|c| c.capacity = MAX_CAPACITY), Err(Error::TooLarge));
    assert_eq!(make(&|c| c.max_bytes = usize::MAX), Ok(()));
}

/// The largest ring can be made without committing its slots: creation costs the chunk
/// table, and recording commits one 1024-slot chunk at a time.
#[test]
fn the_largest_ring_is_created_lazily() {
    use lfe::table::requests::{RequestLog, MAX_CAPACITY, SLOT_BYTES};
    let l = RequestLog::new(RequestsConfig {
        capacity: MAX_CAPACITY,
        max_bytes: usize::MAX,
        ..Default::default()
    })
    .unwrap();
    let table = l.retained_bytes();
    assert!(table <= 128 * 1024, "{table}");
    l.record(req(1, 200, 10, 1)).unwrap();
    assert_eq!(l.retained_bytes(), table + 1024 * SLOT_BYTES);
    assert_eq!(l.read(0, 10).requests.len(), 1);
}

/// Long fields are bounded in bytes: with room for a few records' long fields, ten such
/// records leave the last few whole and the others counted as missed (never torn, never
/// over `max_bytes`), while short records in between are untouched and every request is
/// counted in the stats.
#[test]
fn long_fields_are_bounded_in_bytes_oldest_evicted_first() {
    use lfe::table::requests::{RequestLog, SPILL_OVERHEAD};
    let path = 1000;
    let charge = 3 + path + SPILL_OVERHEAD; // method "GET" + path + header
    let cfg = RequestsConfig {
        capacity: 64,
        max_field: path,
        max_bytes: RequestLog::fixed_bytes(64) + 4 * path + SPILL_OVERHEAD + 2 * charge,
        ..Default::default()
    };
    let l = RequestLog::new(cfg).unwrap();
    for i in 0..10u64 {
        let mut r = req(1, 200, 10, i);
        r.path = vec![b'a' + i as u8; path];
        l.record(r).unwrap();
        l.record(req(1, 200, 10, 100 + i)).unwrap(); // short: inline, no charge
        assert!(l.retained_bytes() <= cfg.max_bytes, "after {i}");
    }
    let got = l.read(0, 100);
    assert_eq!(got.next, 20);
    // The budget holds `keep` long records (2 charges plus one record of 4 * max_field).
    let keep = ((4 * path + SPILL_OVERHEAD + 2 * charge) / charge) as u64;
    assert!((3..10).contains(&keep), "{keep}");
    let long: Vec<_> = got
        .requests
        .iter()
        .filter(|r| r.path.len() == path)
        .collect();
    assert_eq!(long.len() as u64, keep);
    for (k, r) in long.iter().enumerate() {
        let i = 10 - keep + k as u64;
        assert_eq!((r.seq, r.bytes), (2 * i, i));
        assert!(r.path.iter().all(|&b| b == b'a' + i as u8));
    }
    assert_eq!(got.requests.len() as u64, 10 + keep);
    assert_eq!(got.missed, 10 - keep);
    assert_eq!(l.global_stats().requests, 20);
}

lfe_and_baseline!(basics, percentiles, no_torn_records, batch_over_capacity: lfe::table::requests::RequestLog, lfe_baselines::table::RequestLog);
