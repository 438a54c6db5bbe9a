//! Event workloads: `queue_mpmc/<bytes>` (the MPMC queue, payloads of 0, 32 and 256 bytes) and
//! `bus_fanout` (the fan-out bus).
//!
//! Implementations:
//! * `lfe` — `lfe::event::{EventQueue, EventBus}`;
//! * `mutex` — `lfe_baselines::event::EventQueue` (a `Mutex<VecDeque>` and two condvars) for the
//!   queue; for the bus, [`MutexBus`] below (`lfe_baselines` has no bus): a publish mutex for the
//!   sequence and one `Mutex<VecDeque>` + condvar per subscriber, drop-oldest when full;
//! * `crossbeam_channel` — bounded channels. The queue is one `bounded(1024)` channel. The bus is
//!   one `bounded(1024)` channel per subscriber; the publisher never blocks: it `try_send`s, and
//!   when a subscriber's channel is full it takes the oldest event out through a receiver clone
//!   it keeps and sends again (drop-oldest, the policy lfe's bus has), counting the loss.
//!
//! What moves is the same everywhere: an `lfe::event::Event` (sequence, timestamp read from the
//! clock, type, process, payload), whose payload is stored inline up to
//! `lfe::event::INLINE_PAYLOAD` bytes and in one shared allocation above, so crossbeam-channel
//! carries exactly what lfe stores (an inline array, or an `Arc<[u8]>` for 256 bytes).
//!
//! The harness must measure the structures, not itself: each `queue_mpmc` variant is
//! monomorphised (no dynamic dispatch), latency sampling costs a decrement per operation, and
//! each `crossbeam_channel` run is followed by the same channel in a bare loop (plain `send` /
//! `recv`, no harness, the same event built per send) for the same number of events; its rate
//! is printed beside the row (`bare_M/s`, and `in_harness_%` = harness rate / bare rate).

use super::harness::{timed_threads, Sample, Variant, Workload};
use lfe::event::{types, Event, EventInput, Payload};
use lfe_baselines::api::EventQueueApi;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const CAP: usize = 1024;
/// How long a blocking call waits before looking at the stop flag again.
const POLL: Duration = Duration::from_millis(2);
/// A log line of the size the goals are stated for (32 bytes).
const PAYLOAD: &[u8] = b"  VITE v5.4.2  ready in 412 ms.\n";
const _: () = assert!(PAYLOAD.len() == 32);
/// Payload sizes of `queue_mpmc`: none, the typical short line, one past any inline size.
const SIZES: [usize; 3] = [0, 32, 256];

/// An event built as lfe builds one (timestamp now, payload copied in).
#[inline]
fn make_event(kind: u32, payload: &[u8]) -> Event {
    Event {
        seq: 0,
        ts_ns: lfe::time::now_ns(),
        kind,
        process_id: 7,
        lost_before: 0,
        payload: Payload::copy_from(payload),
    }
}

/// A queue for the `queue_mpmc` workload: blocking push and pop with a timeout.
trait Queue: Send + Sync + 'static {
    /// False on timeout.
    fn push(&self, payload: &[u8]) -> bool;
    /// False on timeout.
    fn pop(&self) -> bool;
}

/// lfe's queue and its baseline, through the API they share.
impl<T: EventQueueApi> Queue for T {
    #[inline]
    fn push(&self, payload: &[u8]) -> bool {
        self.push_timeout(&EventInput::new(types::LOG_LINE, payload), POLL)
            .is_ok()
    }
    #[inline]
    fn pop(&self) -> bool {
        self.pop_timeout(POLL).is_ok()
    }
}

struct Channel {
    tx: crossbeam_channel::Sender<Event>,
    rx: crossbeam_channel::Receiver<Event>,
    seq: AtomicU64,
}

impl Channel {
    fn new() -> Channel {
        let (tx, rx) = crossbeam_channel::bounded(CAP);
        Channel {
            tx,
            rx,
            seq: AtomicU64::new(0),
        }
    }
}

/// The event a channel push sends. A channel has no sequence numbers; lfe and the baseline
/// assign one, so this does too (from `seq`).
#[inline]
fn channel_event(seq: &AtomicU64, payload: &[u8]) -> Event {
    let mut ev = make_event(types::LOG_LINE, payload);
    // Relaxed: only uniqueness matters.
    ev.seq = seq.fetch_add(1, Ordering::Relaxed) + 1;
    ev
}

impl Queue for Channel {
    #[inline]
    fn push(&self, payload: &[u8]) -> bool {
        self.tx
            .send_timeout(channel_event(&self.seq, payload), POLL)
            .is_ok()
    }
    #[inline]
    fn pop(&self) -> bool {
        self.rx.recv_timeout(POLL).is_ok()
    }
}

/// One harness run of `queue_mpmc`: `p` producers push `payload` as fast as they can, `p`
/// consumers pop; returns the events popped.
fn mpmc_run<Q: Queue>(q: Arc<Q>, p: usize, payload: &'static [u8], dur: Duration) -> Sample {
    timed_threads(2 * p, dur, 32, move |i, stop, lat| {
        let mut n = 0u64;
        if i < p {
            while !stop.load(Ordering::Relaxed) {
                lat.run(|| q.push(payload));
            }
            0
        } else {
            while !stop.load(Ordering::Relaxed) {
                n += q.pop() as u64;
            }
            n
        }
    })
}

/// crossbeam-channel in a bare loop: `p` producers `send` `total / p` events each (built as in
/// the harness), `p` consumers `recv` until the channel disconnects. Events per second.
fn bare_channel_rate(p: usize, payload: &'static [u8], total: u64) -> f64 {
    let (tx, rx) = crossbeam_channel::bounded::<Event>(CAP);
    let seq = AtomicU64::new(0);
    let per = (total / p as u64).max(1);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..p {
            let rx = rx.clone();
            s.spawn(move || while rx.recv().is_ok() {});
        }
        for _ in 0..p {
            let (tx, seq) = (tx.clone(), &seq);
            s.spawn(move || {
                for _ in 0..per {
                    tx.send(channel_event(seq, payload)).unwrap();
                }
            });
        }
        // The consumers stop once every producer's sender is gone and the channel is drained.
        drop((tx, rx));
    });
    (per * p as u64) as f64 / start.elapsed().as_secs_f64()
}

/// A payload of `n` bytes (static: built once per size).
fn payload_of(n: usize) -> &'static [u8] {
    match n {
        32 => PAYLOAD,
        n => Box::leak(vec![b'x'; n].into_boxed_slice()),
    }
}

/// The `queue_mpmc` variant of `imp` with `p` producers and `p` consumers on a queue `make`
/// builds for each run.
fn queue_variant<Q: Queue>(
    imp: &'static str,
    p: usize,
    payload: &'static [u8],
    make: fn() -> Q,
) -> Variant {
    Variant {
        imp,
        threads: 2 * p,
        run: Box::new(move |dur| mpmc_run(Arc::new(make()), p, payload, dur)),
    }
}

/// `queue_mpmc/<bytes>`: P producers push as fast as they can into a queue of 1,024 events
/// (blocking when it is full) while P consumers pop (blocking when it is empty). Unit: events
/// delivered (popped); latency: one push. `threads` = producers + consumers.
fn queue_mpmc(size: usize) -> Workload {
    let payload = payload_of(size);
    let mut variants = Vec::new();
    for p in [1usize, 2, 4] {
        let lfe = queue_variant("lfe", p, payload, || {
            lfe::event::EventQueue::with_capacity(CAP).unwrap()
        });
        let mutex = queue_variant("mutex", p, payload, || {
            lfe_baselines::event::EventQueue::with_capacity(CAP).unwrap()
        });
        let channel = Variant {
            imp: "crossbeam_channel",
            threads: 2 * p,
            run: Box::new(move |dur| {
                let mut s = mpmc_run(Arc::new(Channel::new()), p, payload, dur);
                let harness = s.ops as f64 / s.elapsed.as_secs_f64().max(1e-9);
                let bare = bare_channel_rate(p, payload, s.ops.max(1000));
                s.extra = vec![
                    ("bare_M/s", bare / 1e6),
                    ("in_harness_%", 100.0 * harness / bare),
                ];
                s
            }),
        };
        variants.extend([lfe, mutex, channel]);
    }
    Workload {
        name: match size {
            0 => "queue_mpmc/0",
            32 => "queue_mpmc/32",
            _ => "queue_mpmc/256",
        },
        unit: "events",
        variants,
    }
}

/// The mutex fan-out bus (what a host builds with a mutex and a slice of queues).
pub struct MutexBus {
    /// The next sequence number; held for the whole delivery so every subscriber sees publish
    /// order (as lfe's publish critical section does).
    seq: Mutex<u64>,
    subs: Vec<Arc<MutexSub>>,
    max_payload: usize,
}

pub struct MutexSub {
    q: Mutex<SubQ>,
    cv: Condvar,
    cap: usize,
}

#[derive(Default)]
struct SubQ {
    q: VecDeque<Event>,
    lost: u64,
    waiting: usize,
}

impl MutexBus {
    pub fn new(subs: usize, cap: usize) -> MutexBus {
        MutexBus {
            seq: Mutex::new(1),
            subs: (0..subs)
                .map(|_| {
                    Arc::new(MutexSub {
                        q: Mutex::new(SubQ::default()),
                        cv: Condvar::new(),
                        cap,
                    })
                })
                .collect(),
            max_payload: lfe::event::DEFAULT_MAX_PAYLOAD,
        }
    }

    pub fn sub(&self, i: usize) -> Arc<MutexSub> {
        self.subs[i].clone()
    }

    /// Publishes to every subscriber; drops a full subscriber's oldest event; never waits on a
    /// subscriber. Returns the sequence number.
    pub fn publish(&self, input: &EventInput<'_>) -> Option<u64> {
        if !types::is_valid(input.kind) || input.payload.len() > self.max_payload {
            return None;
        }
        let mut ev = make_event(input.kind, input.payload);
        ev.process_id = input.process_id;
        let mut g = self.seq.lock().unwrap();
        ev.seq = *g;
        *g += 1;
        for s in &self.subs {
            let mut q = s.q.lock().unwrap();
            if q.q.len() >= s.cap {
                q.q.pop_front();
                q.lost += 1;
            }
            q.q.push_back(ev.clone());
            let wake = q.waiting > 0;
            drop(q);
            if wake {
                s.cv.notify_one();
            }
        }
        Some(ev.seq)
    }
}

impl MutexSub {
    /// Waits up to `timeout` for an event, then takes up to `max`. Returns how many.
    pub fn pop_batch(&self, out: &mut Vec<Event>, max: usize, timeout: Duration) -> usize {
        let mut g = self.q.lock().unwrap();
        if g.q.is_empty() {
            g.waiting += 1;
            g = self.cv.wait_timeout(g, timeout).unwrap().0;
            g.waiting -= 1;
        }
        let n = g.q.len().min(max);
        out.extend(g.q.drain(..n));
        n
    }

    pub fn lost(&self) -> u64 {
        self.q.lock().unwrap().lost
    }
}

/// The crossbeam bus: one bounded channel per subscriber, drop-oldest through a receiver clone.
struct ChannelBus {
    subs: Vec<(
        crossbeam_channel::Sender<Event>,
        crossbeam_channel::Receiver<Event>,
    )>,
    lost: Vec<AtomicU64>,
    seq: AtomicU64,
}

impl ChannelBus {
    fn publish(&self, input: &EventInput<'_>) {
        let mut ev = make_event(input.kind, input.payload);
        ev.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        for (i, (tx, rx)) in self.subs.iter().enumerate() {
            let mut item = ev.clone();
            loop {
                match tx.try_send(item) {
                    Ok(()) => break,
                    Err(crossbeam_channel::TrySendError::Full(back)) => {
                        item = back;
                        if rx.try_recv().is_ok() {
                            self.lost[i].fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(crossbeam_channel::TrySendError::Disconnected(_)) => break,
                }
            }
        }
    }
}

/// Subscribers of `bus_fanout`.
const SUBS: usize = 4;
/// The slow subscriber's pause per event (a UI that redraws per event).
const SLOW: Duration = Duration::from_micros(100);

/// A subscriber thread of `bus_fanout`: pops with `pop` until `stop`, pausing [`SLOW`] per
/// event when `slow`; returns the events popped.
fn consume(
    pop: &dyn Fn(&mut Vec<Event>) -> usize,
    slow: bool,
    stop: &std::sync::atomic::AtomicBool,
) -> u64 {
    let mut buf = Vec::with_capacity(64);
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        buf.clear();
        let k = pop(&mut buf);
        n += k as u64;
        if slow {
            for _ in 0..k {
                std::thread::sleep(SLOW);
            }
        }
    }
    n
}

/// The threads of one `bus_fanout` run: thread 0 calls `publish` until stopped (the count goes
/// to `published`), thread `i` in `1..=SUBS` drains subscriber `i - 1` with `pop` (the last one
/// slowly).
fn fanout_threads(
    dur: Duration,
    published: &AtomicU64,
    publish: impl Fn() + Sync,
    pop: impl Fn(usize, &mut Vec<Event>) -> usize + Sync,
) -> Sample {
    timed_threads(1 + SUBS, dur, 32, |i, stop, lat| {
        if i == 0 {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                lat.run(&publish);
                n += 1;
            }
            published.store(n, Ordering::Relaxed);
            return n;
        }
        consume(&|b| pop(i - 1, b), i == SUBS, stop);
        0
    })
}

/// One run of `bus_fanout` for `imp`: thread 0 publishes, threads 1..=4 subscribe; thread 4 is
/// the slow one. Extra figures: the share of events the slow subscriber lost (%), and the same
/// for the fast subscribers (averaged).
fn fanout_run(imp: &'static str, dur: Duration) -> Sample {
    let published = AtomicU64::new(0);
    let input = EventInput {
        kind: types::LOG_LINE,
        process_id: 7,
        ts_ns: 0,
        payload: PAYLOAD,
    };
    let (mut s, lost): (Sample, Vec<u64>) = match imp {
        "lfe" => {
            let bus = lfe::event::EventBus::new(Default::default()).unwrap();
            let subs: Vec<_> = (0..SUBS)
                .map(|_| bus.subscribe(lfe::event::Filter::all(), CAP).unwrap())
                .collect();
            let s = fanout_threads(
                dur,
                &published,
                || {
                    bus.publish(&input).unwrap();
                },
                |k, b| subs[k].pop_batch_timeout(b, 64, POLL).unwrap_or(0),
            );
            (s, subs.iter().map(|s| s.stats().lagged).collect())
        }
        "mutex" => {
            let bus = MutexBus::new(SUBS, CAP);
            let s = fanout_threads(
                dur,
                &published,
                || {
                    bus.publish(&input).unwrap();
                },
                |k, b| bus.sub(k).pop_batch(b, 64, POLL),
            );
            (s, bus.subs.iter().map(|s| s.lost()).collect())
        }
        _ => {
            let bus = ChannelBus {
                subs: (0..SUBS).map(|_| crossbeam_channel::bounded(CAP)).collect(),
                lost: (0..SUBS).map(|_| AtomicU64::new(0)).collect(),
                seq: AtomicU64::new(0),
            };
            let s = fanout_threads(
                dur,
                &published,
                || bus.publish(&input),
                |k, b| {
                    let rx = &bus.subs[k].1;
                    let Ok(first) = rx.recv_timeout(POLL) else {
                        return 0;
                    };
                    b.push(first);
                    b.extend(rx.try_iter().take(63));
                    b.len()
                },
            );
            (
                s,
                bus.lost.iter().map(|l| l.load(Ordering::Relaxed)).collect(),
            )
        }
    };
    let p = published.load(Ordering::Relaxed).max(1) as f64;
    let fast: f64 = lost[..SUBS - 1].iter().sum::<u64>() as f64 / (SUBS - 1) as f64;
    s.extra = vec![
        ("slow_lost_%", 100.0 * lost[SUBS - 1] as f64 / p),
        ("fast_lost_%", 100.0 * fast / p),
    ];
    s
}

/// `bus_fanout`: 1 publisher, 4 subscribers (queues of 1,024), one of them slow (100 µs per
/// event). Unit: events published; latency: one publish.
fn bus_fanout() -> Workload {
    Workload::of(
        "bus_fanout",
        "events",
        &["lfe", "mutex", "crossbeam_channel"],
        1,
        fanout_run,
    )
}

pub fn workloads() -> Vec<Workload> {
    let mut w: Vec<Workload> = SIZES.iter().map(|&n| queue_mpmc(n)).collect();
    w.push(bus_fanout());
    w
}
