//! The soak: every structure under a mixed concurrent workload at once, for N seconds
//! (`make soak SECONDS=N`; `make soak-smoke` is a 15 s run inside `make test`).
//!
//! Workload (threads): process-table writer + readers, route-table writer + lookups, request-log
//! writers + a cursor reader, an MPMC queue with 2 producers and 2 consumers (reject policy,
//! blocking push: nothing may be lost), a bus with 2 publishers, a fast subscriber and a slow
//! one (drop-oldest: it lags), and the lock-order validator fed a consistent lock order
//! (no report expected), and the log store with 2 appenders (dev-server lines with URLs and
//! errors), a tail reader and a searcher.
//!
//! Invariants checked while running and at the end (any failure exits non-zero):
//! * queue: every pushed item popped exactly once; per producer, each consumer sees increasing
//!   counters; sequence numbers unique;
//! * bus: per subscription, sequence numbers strictly increasing; `delivered = popped + lagged +
//!   depth`; the sum of `lost_before` equals `lagged` (single consumer per subscription);
//! * tables: generations never go backwards; a lookup of the fixed route always succeeds;
//!   the count never exceeds `max_*`;
//! * request log: each cursor read returns strictly increasing sequence numbers and
//!   `next = previous next + returned + missed`;
//! * lockdep: zero violations;
//! * log store: each cursor read returns strictly increasing sequences with
//!   `next = cursor + returned + missed`; each appender's lines come back in its order; a read
//!   line below the enrichment cursor is flagged enriched (no line escapes enrichment); at the
//!   end `evicted + retained = appended` and the URL list holds every URL the appenders print;
//! * memory: resident memory (VmRSS) never exceeds the RSS measured after setup plus
//!   `RSS_SLACK_MB` (96 MiB: the configured capacities below total under 16 MiB of payload;
//!   the large-line store adds at most 32 MiB: 8 lines of 1 MiB in its ring, its 8 MiB budget
//!   of evicted lines awaiting reclamation, a 64 KiB batch, 2 MiB per read and the copies the
//!   analysis makes; the rest is allocator and thread-stack slack), and does not keep growing
//!   (the peak of the second half of the run is within 16 MiB of the peak of the first half).
//! * large lines: a second store of 8 lines of 1 MiB with one appender and a cursor reader
//!   (cursor arithmetic as above, no line cut); before the byte bound its evicted lines alone
//!   grew RSS by gigabytes within seconds.
use lfe::event::{BusConfig, EventBus, EventInput, EventQueue, Filter, Overflow, QueueConfig};
use lfe::lockdep::{Config as LockdepConfig, Validator};
use lfe::log::{flags as log_flags, Config as LogConfig, LogStore, Query, Stream};
use lfe::table::process::{ProcConfig, ProcState, ProcTable, ProcessSpec};
use lfe::table::requests::{Request, RequestLog, RequestsConfig};
use lfe::table::route::{RouteConfig, RouteSpec, RouteTable};
use lfe::Error;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const RSS_SLACK_MB: u64 = 96;
/// The large-line store: lines and capacity.
const BIG_LINE: usize = 1 << 20;
const BIG_CAPACITY: usize = 8;
const GROWTH_MB: u64 = 16;

fn rss_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn fail(msg: String) -> ! {
    eprintln!("soak: FAILED: {msg}");
    std::process::exit(1);
}

macro_rules! ensure {
    ($c:expr, $($m:tt)*) => { if !$c { fail(format!($($m)*)) } };
}

/// Checks one cursor read of `what` that started at `cursor`: `next` accounts for every record
/// read and every one missed, and the sequences read increase, all at or after `cursor`.
fn check_cursor_read(
    what: &str,
    cursor: u64,
    next: u64,
    missed: u64,
    seqs: impl ExactSizeIterator<Item = u64>,
) {
    ensure!(
        next == cursor + seqs.len() as u64 + missed,
        "{what} cursor arithmetic"
    );
    let mut prev = None;
    for seq in seqs {
        ensure!(
            prev.is_none_or(|p| seq > p) && seq >= cursor,
            "{what} seqs not increasing"
        );
        prev = Some(seq);
    }
}

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let stop = Arc::new(AtomicBool::new(false));
    let mut hs: Vec<thread::JoinHandle<()>> = Vec::new();
    let ops = Arc::new(AtomicU64::new(0));

    // --- structures, with their capacities -------------------------------------------------
    let procs = Arc::new(
        ProcTable::with_config(ProcConfig {
            max_procs: 64,
            max_labels: 4,
            max_field: 64,
        })
        .unwrap(),
    );
    let routes = Arc::new(
        RouteTable::with_config(RouteConfig {
            max_routes: 64,
            max_field: 64,
        })
        .unwrap(),
    );
    let fixed = routes
        .add(RouteSpec::new(
            &b"fixed"[..],
            &b"/"[..],
            &b"http://fixed:1"[..],
        ))
        .unwrap();
    let reqs = Arc::new(
        RequestLog::new(RequestsConfig {
            capacity: 4096,
            max_routes: 64,
            max_field: 64,
            ..Default::default()
        })
        .unwrap(),
    );
    let queue = Arc::new(
        EventQueue::new(QueueConfig {
            capacity: 1024,
            max_payload: 64,
            overflow: Overflow::Reject,
        })
        .unwrap(),
    );
    let bus = Arc::new(
        EventBus::new(BusConfig {
            max_payload: 64,
            max_subscribers: 8,
            max_capacity: 4096,
            ..Default::default()
        })
        .unwrap(),
    );
    let lockdep = Arc::new(
        Validator::new(LockdepConfig {
            max_locks: 16,
            long_hold_ns: 0,
            ..Default::default()
        })
        .unwrap(),
    );
    let locks: Vec<_> = (0..4)
        .map(|i| lockdep.register(format!("L{i}").as_bytes()).unwrap())
        .collect();

    // --- process table ---------------------------------------------------------------------
    {
        let (p, stop, ops) = (procs.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Relaxed) {
                let name = format!("proc-{}", i % 80);
                match p.insert(ProcessSpec::new(name.as_bytes(), &b"cmd"[..])) {
                    Ok(id) => {
                        let _ = p.transition(id, ProcState::Pending, ProcState::Starting, 0);
                        let _ = p.set_pid(id, i as u32);
                        let _ = p.transition(id, ProcState::Starting, ProcState::Running, 0);
                    }
                    Err(Error::Exists) | Err(Error::Full) => {
                        if let Ok(q) = p.find(name.as_bytes()) {
                            let _ = p.remove(q.id);
                        }
                    }
                    Err(e) => fail(format!("proc insert: {e:?}")),
                }
                i += 1;
                ops.fetch_add(1, Relaxed);
            }
        }));
    }
    for _ in 0..2 {
        let (p, stop, ops) = (procs.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut last = 0;
            while !stop.load(Relaxed) {
                let l = p.list();
                ensure!(l.generation >= last, "proc generation went back");
                last = l.generation;
                ensure!(l.procs.len() <= 64, "proc table over max_procs");
                ensure!(
                    l.procs.windows(2).all(|w| w[0].id < w[1].id),
                    "proc list unsorted"
                );
                for q in &l.procs {
                    if let Ok(g) = p.get(q.id) {
                        ensure!(g.name == q.name, "proc record changed name");
                    }
                }
                ops.fetch_add(1, Relaxed);
            }
        }));
    }

    // --- route table -----------------------------------------------------------------------
    {
        let (r, stop, ops) = (routes.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut i = 0u64;
            let mut live: Vec<u64> = Vec::new();
            while !stop.load(Relaxed) {
                let spec = RouteSpec::new(
                    &b"app"[..],
                    format!("/p{}", i % 50).into_bytes(),
                    &b"http://u:2"[..],
                );
                match r.add(spec) {
                    Ok(id) => live.push(id),
                    Err(Error::Exists) | Err(Error::Full) => {
                        if !live.is_empty() {
                            let id = live.remove(0);
                            ensure!(r.remove(id).is_ok(), "route remove of a live id failed");
                        }
                    }
                    Err(e) => fail(format!("route add: {e:?}")),
                }
                i += 1;
                ops.fetch_add(1, Relaxed);
            }
        }));
    }
    {
        let (r, stop, ops) = (routes.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut last = 0;
            while !stop.load(Relaxed) {
                let g = r.generation();
                ensure!(g >= last, "route generation went back");
                last = g;
                ensure!(
                    r.lookup(b"fixed", b"/x").map(|x| x.id) == Ok(fixed),
                    "fixed route lost"
                );
                let _ = r.lookup(b"app", b"/p7/deep");
                ensure!(r.count() <= 64, "route table over max_routes");
                ops.fetch_add(1, Relaxed);
            }
        }));
    }

    // --- request log -----------------------------------------------------------------------
    // LFE_SOAK_SKIP=requests (diagnostic): leave the request writers out, to bisect RSS growth.
    let skip_requests = std::env::var("LFE_SOAK_SKIP").is_ok_and(|v| v.contains("requests"));
    for w in 0..(if skip_requests { 0 } else { 2u64 }) {
        let (l, stop, ops) = (reqs.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Relaxed) {
                let r = Request {
                    process_id: w,
                    bytes: i,
                    route_id: i % 8,
                    status: 200,
                    ..Default::default()
                };
                l.record(r).unwrap();
                i += 1;
                ops.fetch_add(1, Relaxed);
            }
        }));
    }
    {
        let (l, stop, ops) = (reqs.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut cursor = 0u64;
            while !stop.load(Relaxed) {
                let r = l.read(cursor, 256);
                let seqs = r.requests.iter().map(|q| q.seq);
                check_cursor_read("request", cursor, r.next, r.missed, seqs);
                cursor = r.next;
                ops.fetch_add(1, Relaxed);
                thread::yield_now();
            }
        }));
    }

    // --- queue: 2 producers, 2 consumers, nothing lost -------------------------------------
    let produced = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    // Per producer, a bitset of the counters popped (1 bit per item, so the checker's own
    // memory stays small next to the structures').
    let consumed: Arc<Mutex<Vec<Vec<u64>>>> = Arc::new(Mutex::new(vec![Vec::new(), Vec::new()]));
    let mut producers = Vec::new();
    for p in 0..2u64 {
        let (q, stop, produced) = (queue.clone(), stop.clone(), produced.clone());
        producers.push(thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Relaxed) {
                let mut payload = [0u8; 16];
                payload[..8].copy_from_slice(&p.to_le_bytes());
                payload[8..].copy_from_slice(&i.to_le_bytes());
                match q.push_timeout(&EventInput::new(3, &payload), Duration::from_millis(50)) {
                    Ok(_) => i += 1,
                    Err(Error::Timeout) => {}
                    Err(e) => fail(format!("queue push: {e:?}")),
                }
            }
            produced[p as usize].store(i, SeqCst);
        }));
    }
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let (q, consumed, ops) = (queue.clone(), consumed.clone(), ops.clone());
        consumers.push(thread::spawn(move || {
            let mut mine: Vec<Vec<u64>> = vec![Vec::new(), Vec::new()];
            let mut last: [Option<u64>; 2] = [None, None];
            let mut last_seq = 0u64;
            loop {
                match q.pop_timeout(Duration::from_millis(50)) {
                    Ok(ev) => {
                        ensure!(
                            ev.seq > last_seq,
                            "queue seqs not increasing for one consumer"
                        );
                        last_seq = ev.seq;
                        let p = u64::from_le_bytes(ev.payload[..8].try_into().unwrap()) as usize;
                        let i = u64::from_le_bytes(ev.payload[8..16].try_into().unwrap());
                        ensure!(
                            last[p].is_none_or(|l| i > l),
                            "queue per-producer order broken"
                        );
                        last[p] = Some(i);
                        let (w, bit) = ((i / 64) as usize, 1u64 << (i % 64));
                        if mine[p].len() <= w {
                            mine[p].resize(w + 1, 0);
                        }
                        mine[p][w] |= bit;
                        ops.fetch_add(1, Relaxed);
                    }
                    Err(Error::Timeout) => {}
                    Err(Error::Closed) => break,
                    Err(e) => fail(format!("queue pop: {e:?}")),
                }
            }
            let mut c = consumed.lock().unwrap();
            for p in 0..2 {
                if c[p].len() < mine[p].len() {
                    c[p].resize(mine[p].len(), 0);
                }
                for (w, bits) in mine[p].iter().enumerate() {
                    ensure!(c[p][w] & bits == 0, "queue: an item popped twice");
                    c[p][w] |= bits;
                }
            }
        }));
    }

    // --- bus: 2 publishers, a fast and a slow subscriber ------------------------------------
    let fast = bus.subscribe(Filter::all(), 4096).unwrap();
    let slow = bus.subscribe(Filter::types(&[3]), 64).unwrap();
    for k in [3u32, 4] {
        let (b, stop, ops) = (bus.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            while !stop.load(Relaxed) {
                b.publish(&EventInput::new(k, b"bus-payload")).unwrap();
                ops.fetch_add(1, Relaxed);
                if ops.load(Relaxed) % 64 == 0 {
                    thread::yield_now();
                }
            }
        }));
    }
    let mut subs = Vec::new();
    for (sub, slow) in [(fast, false), (slow, true)] {
        let stop = stop.clone();
        subs.push(thread::spawn(move || {
            let (mut last, mut lost, mut popped) = (0u64, 0u64, 0u64);
            loop {
                match sub.pop_timeout(Duration::from_millis(20)) {
                    Ok(ev) => {
                        ensure!(
                            ev.seq > last,
                            "bus seqs not increasing ({} after {last})",
                            ev.seq
                        );
                        last = ev.seq;
                        lost += ev.lost_before;
                        popped += 1;
                        if slow {
                            thread::sleep(Duration::from_micros(200));
                        }
                    }
                    Err(Error::Timeout) => {
                        if stop.load(SeqCst) {
                            break;
                        }
                    }
                    Err(e) => fail(format!("bus pop: {e:?}")),
                }
            }
            // Publishers have stopped (joined before `stop` is seen here is not guaranteed,
            // so drain after the unsubscribe, which stops deliveries).
            sub.unsubscribe();
            while let Ok(ev) = sub.try_pop() {
                ensure!(ev.seq > last, "bus seqs not increasing at drain");
                last = ev.seq;
                lost += ev.lost_before;
                popped += 1;
            }
            let st = sub.stats();
            ensure!(
                st.delivered == st.popped + st.lagged + st.depth,
                "bus accounting: {st:?}"
            );
            ensure!(
                st.popped == popped && st.depth == 0,
                "bus popped count: {st:?} vs {popped}"
            );
            ensure!(
                lost == st.lagged,
                "bus lost_before sum {lost} != lagged {}",
                st.lagged
            );
            (popped, st.lagged)
        }));
    }

    // --- lockdep: a consistent order from 2 threads ----------------------------------------
    for t in 0..2u64 {
        let (v, stop, locks, ops) = (lockdep.clone(), stop.clone(), locks.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            while !stop.load(Relaxed) {
                for l in &locks {
                    let _ = v.acquire(t + 1, *l);
                }
                for l in locks.iter().rev() {
                    let _ = v.release(t + 1, *l);
                }
                ops.fetch_add(1, Relaxed);
            }
        }));
    }

    // --- log store: 2 appenders, a tail reader, a searcher ---------------------------------
    let log = Arc::new(
        LogStore::new(LogConfig {
            capacity: 4096,
            ..Default::default()
        })
        .unwrap(),
    );
    for w in 0..2u64 {
        let (l, stop, ops) = (log.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Relaxed) {
                let text = match i % 8 {
                    0 => format!("[w{w}] {i} ready at http://localhost:{}/", 3000 + w),
                    3 => format!("[w{w}] {i} TypeError: Cannot read properties of undefined"),
                    4 => format!("    at handler (src/app{w}.js:{}:7)", i % 100),
                    _ => format!("[w{w}] {i} GET /api/items 200 {}ms", i % 50),
                };
                l.append(w + 1, Stream::Stdout, 0, text.as_bytes());
                i += 1;
                ops.fetch_add(1, Relaxed);
            }
        }));
    }
    {
        let (l, stop, ops) = (log.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut cursor = 0u64;
            let mut last = [None::<u64>; 2];
            while !stop.load(Relaxed) {
                let enriched = l.stats().enriched;
                let r = l
                    .read(cursor, 512)
                    .unwrap_or_else(|e| fail(format!("log read at {cursor}: {e}")));
                let seqs = r.lines.iter().map(|line| line.seq);
                check_cursor_read("log", cursor, r.next, r.missed, seqs);
                for line in &r.lines {
                    ensure!(
                        line.seq >= enriched || line.flags & log_flags::ENRICHED != 0,
                        "log line {} below the enrichment cursor {enriched} not enriched",
                        line.seq
                    );
                    // "[wN] i ..." lines carry the appender's counter: it must increase.
                    let t = String::from_utf8_lossy(&line.text);
                    if let Some(rest) = t.strip_prefix("[w") {
                        let w = (line.process_id - 1) as usize;
                        let n: u64 = rest
                            .split(' ')
                            .nth(1)
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        ensure!(
                            last[w].is_none_or(|p| n > p),
                            "appender {w}: line {n} after {:?}",
                            last[w]
                        );
                        last[w] = Some(n);
                    }
                }
                cursor = r.next;
                ops.fetch_add(1, Relaxed);
                thread::yield_now();
            }
        }));
    }
    {
        let (l, stop, ops) = (log.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let q = Query {
                pattern: b"TypeError",
                literal: true,
                limit: 64,
                ..Default::default()
            };
            while !stop.load(Relaxed) {
                let hits = l.search(&q).unwrap();
                ensure!(hits.len() <= 64, "search over its limit");
                ensure!(
                    hits.windows(2).all(|w| w[0].seq < w[1].seq),
                    "search results out of order"
                );
                ops.fetch_add(1, Relaxed);
                thread::sleep(Duration::from_millis(2));
            }
        }));
    }

    // Large lines: a second store of 8 lines of 1 MiB, one appender and a cursor reader. Its
    // evicted lines must be freed promptly (the byte budget), or RSS grows by gigabytes.
    let big = Arc::new(
        LogStore::new(LogConfig {
            capacity: BIG_CAPACITY,
            max_line_len: BIG_LINE,
            ..Default::default()
        })
        .unwrap(),
    );
    {
        let (l, stop, ops) = (big.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut text = vec![b'.'; BIG_LINE];
            let mut i = 0u64;
            while !stop.load(Relaxed) {
                let head = format!("[big] {i:012} ");
                text[..head.len()].copy_from_slice(head.as_bytes());
                l.try_append(9, Stream::Stdout, 0, &text)
                    .unwrap_or_else(|e| fail(format!("big append: {e}")));
                i += 1;
                ops.fetch_add(1, Relaxed);
            }
        }));
    }
    {
        let (l, stop, ops) = (big.clone(), stop.clone(), ops.clone());
        hs.push(thread::spawn(move || {
            let mut cursor = 0u64;
            while !stop.load(Relaxed) {
                let r = l
                    .read(cursor, 2)
                    .unwrap_or_else(|e| fail(format!("big read at {cursor}: {e}")));
                let seqs = r.lines.iter().map(|line| line.seq);
                check_cursor_read("big log", cursor, r.next, r.missed, seqs);
                for line in &r.lines {
                    ensure!(line.text.len() == BIG_LINE, "big line cut");
                }
                cursor = r.next;
                ops.fetch_add(1, Relaxed);
                thread::sleep(Duration::from_millis(1));
            }
        }));
    }

    // --- run, sampling RSS -----------------------------------------------------------------
    thread::sleep(Duration::from_millis(500));
    let base = rss_kb();
    let limit = base + RSS_SLACK_MB * 1024;
    let start = Instant::now();
    let (mut peak1, mut peak2) = (0u64, 0u64);
    while start.elapsed() < Duration::from_secs(secs) {
        thread::sleep(Duration::from_millis(250));
        let r = rss_kb();
        ensure!(
            r <= limit,
            "RSS {r} kB over the bound {limit} kB (base {base} kB)"
        );
        if start.elapsed() < Duration::from_secs(secs) / 2 {
            peak1 = peak1.max(r);
        } else {
            peak2 = peak2.max(r);
        }
    }
    stop.store(true, SeqCst);
    for h in hs {
        h.join().unwrap();
    }
    for p in producers {
        p.join().unwrap();
    }
    queue.close();
    for c in consumers {
        c.join().unwrap();
    }
    log.sync();
    let ls = log.stats();
    ensure!(
        ls.evicted + log.tail(usize::MAX, None).len() as u64 == ls.appended && ls.enrich_lag == 0,
        "log stats {ls:?}"
    );
    let bs = big.stats();
    ensure!(
        bs.evicted + big.tail(usize::MAX, None).len() as u64 == bs.appended,
        "big log stats {bs:?}"
    );
    let urls: Vec<Vec<u8>> = log.urls().into_iter().map(|u| u.url).collect();
    for w in 0..2u64 {
        let printed = format!("http://localhost:{}/", 3000 + w);
        let want = lfe::log::urls::normalize(printed.as_bytes());
        ensure!(
            urls.contains(&want),
            "log: URL {printed} missing from {urls:?}"
        );
    }
    let mut bus_stats = Vec::new();
    for s in subs {
        bus_stats.push(s.join().unwrap());
    }
    // Queue: exactly 0..n from each producer, once.
    let c = consumed.lock().unwrap();
    for p in 0..2 {
        let n = produced[p].load(SeqCst);
        let popped: u64 = c[p].iter().map(|w| u64::from(w.count_ones())).sum();
        ensure!(
            popped == n,
            "queue: producer {p} pushed {n}, {popped} popped"
        );
        let all_low = (0..n).all(|i| c[p][(i / 64) as usize] & (1 << (i % 64)) != 0);
        ensure!(all_low, "queue: an item was lost");
    }
    let qs = queue.stats();
    ensure!(
        qs.depth == 0 && qs.pushed == qs.popped,
        "queue stats {qs:?}"
    );
    ensure!(
        lockdep.violations().is_empty(),
        "lockdep reported {:?}",
        lockdep.violations()
    );
    if secs >= 4 {
        ensure!(
            peak2 <= peak1 + GROWTH_MB * 1024,
            "RSS keeps growing: {peak1} kB then {peak2} kB"
        );
    }
    println!(
        "soak: {secs}s ok: {} ops; queue {}+{} items; bus fast {:?} slow {:?} (popped, lagged); \
         requests {}; log {} lines ({} enriched inline); big log {} lines of 1 MiB; RSS base \
         {base} kB, peaks {peak1}/{peak2} kB (bound {limit} kB)",
        ops.load(SeqCst),
        produced[0].load(SeqCst),
        produced[1].load(SeqCst),
        bus_stats[0],
        bus_stats[1],
        reqs.head(),
        ls.appended,
        ls.inline_enriched,
        bs.appended,
    );
}
