//! Criterion benches for the event queue: lfe's lock-free queue, the mutex baseline
//! (`Mutex<VecDeque>` + `Condvar`) and crossbeam-channel (bounded), in the same groups.
//!
//! * `event_throughput/{1p1c,2p2c,4p4c}`: N events through a queue of capacity 1024 with P
//!   producers and C consumers using the blocking forms (4p4c oversubscribes a 2-core machine).
//! * `event_pingpong`: round trip of one event through two queues between two threads.
//!
//! Events carry an empty payload and a fixed timestamp so the queue, not the allocator or the
//! clock, is measured. Run short: `cargo bench --bench event -- --warm-up-time 1
//! --measurement-time 3`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lfe::event::{types, Event, EventInput, Payload, QueueConfig};
use lfe_baselines::api::EventQueueApi;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const N: usize = 24_000;
const CAP: usize = 1024;
const LONG: Duration = Duration::from_secs(60);

fn input() -> EventInput<'static> {
    EventInput {
        kind: types::LOG_LINE,
        process_id: 1,
        ts_ns: 1,
        payload: b"",
    }
}

fn event(i: u64) -> Event {
    Event {
        seq: i,
        ts_ns: 1,
        kind: types::LOG_LINE,
        process_id: 1,
        lost_before: 0,
        payload: Payload::default(),
    }
}

/// The common API of the three contenders, as a producer and a consumer end.
trait Chan: Send + Sync + 'static {
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn make() -> (Self::Tx, Self::Rx);
    fn clone_tx(tx: &Self::Tx) -> Self::Tx;
    fn clone_rx(rx: &Self::Rx) -> Self::Rx;
    fn send(tx: &Self::Tx, i: u64);
    /// false when closed.
    fn recv(rx: &Self::Rx) -> bool;
    fn close(tx: Self::Tx);
}

/// lfe's queue or its baseline, through the API they share.
struct Queue<Q>(std::marker::PhantomData<Q>);
impl<Q: EventQueueApi> Chan for Queue<Q> {
    type Tx = Arc<Q>;
    type Rx = Arc<Q>;
    fn make() -> (Self::Tx, Self::Rx) {
        let q = Arc::new(
            Q::create(QueueConfig {
                capacity: CAP,
                ..QueueConfig::default()
            })
            .unwrap(),
        );
        (q.clone(), q)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        tx.clone()
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, _i: u64) {
        tx.push_timeout(&input(), LONG).unwrap();
    }
    fn recv(rx: &Self::Rx) -> bool {
        rx.pop_timeout(LONG).is_ok()
    }
    fn close(tx: Self::Tx) {
        tx.close();
    }
}
type Lfe = Queue<lfe::event::EventQueue>;
type Baseline = Queue<lfe_baselines::event::EventQueue>;

struct Crossbeam;
impl Chan for Crossbeam {
    type Tx = crossbeam_channel::Sender<Event>;
    type Rx = crossbeam_channel::Receiver<Event>;
    fn make() -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(CAP)
    }
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        tx.clone()
    }
    fn clone_rx(rx: &Self::Rx) -> Self::Rx {
        rx.clone()
    }
    fn send(tx: &Self::Tx, i: u64) {
        // The same work as the others: build the event (seq, fixed time), then send.
        tx.send(event(i)).unwrap();
    }
    fn recv(rx: &Self::Rx) -> bool {
        rx.recv().is_ok()
    }
    fn close(tx: Self::Tx) {
        drop(tx);
    }
}

fn run_mpmc<C: Chan>(p: usize, c: usize) -> Duration {
    let (tx, rx) = C::make();
    let start = Instant::now();
    let prods: Vec<_> = (0..p)
        .map(|_| {
            let tx = C::clone_tx(&tx);
            thread::spawn(move || {
                for i in 0..(N / p) as u64 {
                    C::send(&tx, i);
                }
            })
        })
        .collect();
    let cons: Vec<_> = (0..c)
        .map(|_| {
            let rx = C::clone_rx(&rx);
            thread::spawn(move || {
                for _ in 0..N / c {
                    assert!(C::recv(&rx));
                }
            })
        })
        .collect();
    for h in prods.into_iter().chain(cons) {
        h.join().unwrap();
    }
    let d = start.elapsed();
    C::close(tx);
    d
}

fn throughput(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("event_throughput");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    for (p, c) in [(1usize, 1usize), (2, 2), (4, 4)] {
        let id = format!("{p}p{c}c");
        g.bench_function(BenchmarkId::new("lfe", &id), |b| {
            b.iter_custom(|it| (0..it).map(|_| run_mpmc::<Lfe>(p, c)).sum())
        });
        g.bench_function(BenchmarkId::new("baseline_mutex", &id), |b| {
            b.iter_custom(|it| (0..it).map(|_| run_mpmc::<Baseline>(p, c)).sum())
        });
        g.bench_function(BenchmarkId::new("crossbeam_channel", &id), |b| {
            b.iter_custom(|it| (0..it).map(|_| run_mpmc::<Crossbeam>(p, c)).sum())
        });
    }
    g.finish();
}

fn run_pingpong<C: Chan>(iters: u64) -> Duration {
    let (tx1, rx1) = C::make();
    let (tx2, rx2) = C::make();
    let echo = thread::spawn(move || {
        while C::recv(&rx1) {
            C::send(&tx2, 0);
        }
        C::close(tx2);
    });
    let start = Instant::now();
    for i in 0..iters {
        C::send(&tx1, i);
        assert!(C::recv(&rx2));
    }
    let d = start.elapsed();
    C::close(tx1);
    echo.join().unwrap();
    d
}

fn pingpong(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("event_pingpong");
    g.sample_size(10);
    g.bench_function("lfe", |b| b.iter_custom(run_pingpong::<Lfe>));
    g.bench_function("baseline_mutex", |b| {
        b.iter_custom(run_pingpong::<Baseline>)
    });
    g.bench_function("crossbeam_channel", |b| {
        b.iter_custom(run_pingpong::<Crossbeam>)
    });
    g.finish();
}

criterion_group!(benches, throughput, pingpong);
criterion_main!(benches);
