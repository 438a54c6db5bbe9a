//! Event workloads: `queue_mpmc` (the MPMC queue) and `bus_fanout` (the fan-out bus).
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
//! Every implementation moves the same `lfe::event::Event` (sequence, timestamp, type, process,
//! a 64-byte shared payload), built the same way.

use super::harness::{timed_threads, Sample, Variant, Workload};
use lfe::event::{types, Event, EventInput, Payload};
use lfe_baselines::api::EventQueueApi;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

const CAP: usize = 1024;
/// How long a blocking call waits before looking at the stop flag again.
const POLL: Duration = Duration::from_millis(2);
const PAYLOAD: &[u8] = b"\x1b[32m  VITE v5.4.2\x1b[0m  ready in 412 ms  -> http://localhost:5173/";

/// An event built as lfe builds one (timestamp now, payload copied into a shared buffer).
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

impl Queue for Channel {
    #[inline]
    fn push(&self, payload: &[u8]) -> bool {
        let mut ev = make_event(types::LOG_LINE, payload);
        // A channel has no sequence numbers; lfe and the baseline assign one, so this does too.
        ev.seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        self.tx.send_timeout(ev, POLL).is_ok()
    }
    #[inline]
    fn pop(&self) -> bool {
        self.rx.recv_timeout(POLL).is_ok()
    }
}

fn new_queue(imp: &str) -> Arc<dyn Queue> {
    match imp {
        "lfe" => Arc::new(lfe::event::EventQueue::with_capacity(CAP).unwrap()),
        "mutex" => Arc::new(lfe_baselines::event::EventQueue::with_capacity(CAP).unwrap()),
        _ => {
            let (tx, rx) = crossbeam_channel::bounded(CAP);
            Arc::new(Channel {
                tx,
                rx,
                seq: AtomicU64::new(0),
            })
        }
    }
}

/// `queue_mpmc`: P producers push as fast as they can into a queue of 1,024 events (blocking
/// when it is full) while P consumers pop (blocking when it is empty). Unit: events delivered
/// (popped); latency: one push. `threads` = producers + consumers.
fn queue_mpmc() -> Workload {
    let mut variants = Vec::new();
    for p in [1usize, 2, 4] {
        for imp in ["lfe", "mutex", "crossbeam_channel"] {
            variants.push(Variant {
                imp,
                threads: 2 * p,
                run: Box::new(move |dur| {
                    let q = new_queue(imp);
                    timed_threads(2 * p, dur, 32, move |i, stop, lat| {
                        let mut n = 0u64;
                        if i < p {
                            while !stop.load(Ordering::Relaxed) {
                                lat.run(|| q.push(PAYLOAD));
                            }
                            0
                        } else {
                            while !stop.load(Ordering::Relaxed) {
                                if q.pop() {
                                    n += 1;
                                }
                            }
                            n
                        }
                    })
                }),
            });
        }
    }
    Workload {
        name: "queue_mpmc",
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
    vec![queue_mpmc(), bus_fanout()]
}
