//! No-lost-wake-up stress for the real (fence-free) event parking protocol (`src/event/wait.rs`).
//!
//! loom checks the parking protocol with a SeqCst fence standing in for the total order of
//! SeqCst operations that the real code relies on (see `tests/loom_event.rs`). These tests run
//! the real code instead: threads block with no deadline (`Duration::MAX`) on tiny queues so that
//! they park and are woken hundreds of thousands of times. A lost wake-up would leave a thread
//! parked forever; a watchdog turns that into a failure (it prints the queue state and exits the
//! test process with an error) instead of a hang. The watchdog only detects "no progress at all
//! for a long time"; it is not a timing assertion. Every test also checks the history: nothing
//! lost, nothing duplicated, each producer's order kept.

use lfe::event::{types, BusConfig, Event, EventBus, EventInput, EventQueue, Filter, Subscription};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// No progress for this long means a thread is parked with nobody left to wake it.
const STALL: Duration = Duration::from_secs(60);

/// Fails the test process if `progress` stops moving for [`STALL`] while the guard lives.
struct Watchdog {
    stop: Arc<AtomicBool>,
    h: Option<thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(
        name: &'static str,
        progress: Arc<AtomicU64>,
        diag: impl Fn() -> String + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let h = thread::spawn(move || {
            let mut last = progress.load(Ordering::Relaxed);
            let mut since = Instant::now();
            while !stop2.load(Ordering::Relaxed) {
                thread::sleep(Duration::from_millis(50));
                let now = progress.load(Ordering::Relaxed);
                if now != last {
                    last = now;
                    since = Instant::now();
                } else if since.elapsed() > STALL {
                    // Straight to stderr (eprintln! output of a test is captured, and lost
                    // when the process exits).
                    let _ = writeln!(
                        std::io::stderr(),
                        "{name}: no progress for {STALL:?} at {now} operations: a lost \
                         wake-up (a thread parked forever). State: {}",
                        diag()
                    );
                    std::process::exit(101);
                }
            }
        });
        Watchdog { stop, h: Some(h) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.h.take() {
            let _ = h.join();
        }
    }
}

fn rounds(full: u64) -> u64 {
    // Debug builds are ~10x slower; the point is the number of park/wake cycles, not speed.
    if cfg!(debug_assertions) {
        full / 4
    } else {
        full
    }
}

/// Every `every` calls, sleep briefly: longer than the spin phase of a blocked thread, so the
/// threads waiting on this one park (a no-lost-wake-up test must make them park, not spin).
fn stall(i: u64, every: u64) {
    if i % every == every - 1 {
        thread::sleep(Duration::from_micros(50));
    }
}

fn queue(capacity: usize) -> Arc<EventQueue> {
    Arc::new(EventQueue::with_capacity(capacity).unwrap())
}

fn ev(pid: u64, payload: &[u8]) -> EventInput<'_> {
    EventInput {
        kind: types::LOG_LINE,
        process_id: pid,
        ts_ns: 1,
        payload,
    }
}

/// Two threads bounce one event through two capacity-1 queues: every hop is a blocking pop on an
/// empty queue, so both sides park and wake on almost every round.
#[test]
fn pingpong_blocking_never_loses_a_wakeup() {
    let n = rounds(60_000);
    let (a, b) = (queue(1), queue(1));
    let progress = Arc::new(AtomicU64::new(0));
    let (a2, b2, p2) = (a.clone(), b.clone(), progress.clone());
    let _wd = Watchdog::start("pingpong", progress.clone(), move || {
        format!("a={:?} b={:?}", a2, b2)
    });
    let (a3, b3) = (a.clone(), b.clone());
    let echo = thread::spawn(move || {
        for i in 0..n {
            let e = a3.pop_timeout(Duration::MAX).unwrap();
            assert_eq!(e.process_id, i);
            stall(i, 8);
            b3.push_timeout(&ev(i, b""), Duration::MAX).unwrap();
        }
    });
    for i in 0..n {
        a.push_timeout(&ev(i, b""), Duration::MAX).unwrap();
        let e = b.pop_timeout(Duration::MAX).unwrap();
        assert_eq!(e.process_id, i);
        p2.fetch_add(1, Ordering::Relaxed);
        stall(i, 13);
    }
    echo.join().unwrap();
    assert!(a.is_empty() && b.is_empty());
}

/// Producers and consumers all block with no deadline on a capacity-2 queue (producers wait for
/// room, consumers for events, on the same ring). Checks every event is popped exactly once and
/// each producer's events come out in order for each consumer.
#[test]
fn mpmc_blocking_tiny_queue_never_loses_a_wakeup() {
    const P: u64 = 3;
    const C: usize = 3;
    let per = rounds(60_000);
    let q = queue(2);
    let progress = Arc::new(AtomicU64::new(0));
    let q2 = q.clone();
    let _wd = Watchdog::start("mpmc", progress.clone(), move || format!("{:?}", q2));
    let prods: Vec<_> = (0..P)
        .map(|p| {
            let q = q.clone();
            thread::spawn(move || {
                for i in 0..per {
                    q.push_timeout(&ev(p, &i.to_le_bytes()), Duration::MAX)
                        .unwrap();
                    stall(i, 64 + p);
                }
            })
        })
        .collect();
    // Consumers stop after their share; the shares add up to every event.
    let total = P * per;
    let cons: Vec<_> = (0..C as u64)
        .map(|c| {
            let (q, progress) = (q.clone(), progress.clone());
            let share = total / C as u64 + u64::from(c < total % C as u64);
            thread::spawn(move || {
                let mut last = [None::<u64>; P as usize];
                let mut got = Vec::with_capacity(share as usize);
                for k in 0..share {
                    stall(k, 61 + c);
                    let e = q.pop_timeout(Duration::MAX).unwrap();
                    let i = u64::from_le_bytes(e.payload[..8].try_into().unwrap());
                    let l = &mut last[e.process_id as usize];
                    assert!(l.is_none_or(|l| l < i), "producer order broken");
                    *l = Some(i);
                    got.push((e.process_id, i));
                    progress.fetch_add(1, Ordering::Relaxed);
                }
                got
            })
        })
        .collect();
    for p in prods {
        p.join().unwrap();
    }
    let mut all: Vec<(u64, u64)> = cons.into_iter().flat_map(|h| h.join().unwrap()).collect();
    all.sort_unstable();
    let want: Vec<(u64, u64)> = (0..P).flat_map(|p| (0..per).map(move |i| (p, i))).collect();
    assert_eq!(all, want, "lost or duplicated events");
    let st = q.stats();
    assert_eq!((st.pushed, st.popped, st.depth), (total, total, 0));
}

/// A bus with one subscription, a publisher thread publishing `n` events (pausing now and then
/// so the subscriber drains and parks, and is woken often) and a watchdog; the consumer hands
/// every event it pops to `got`, and `finish` checks the history.
struct BusRun {
    n: u64,
    sub: Subscription,
    progress: Arc<AtomicU64>,
    publisher: thread::JoinHandle<()>,
    _wd: Watchdog,
    last: u64,
    popped: u64,
    lost: u64,
}

impl BusRun {
    fn start(name: &'static str, capacity: usize, n: u64) -> BusRun {
        let bus = Arc::new(EventBus::new(BusConfig::default()).unwrap());
        let sub = bus.subscribe(Filter::all(), capacity).unwrap();
        let progress = Arc::new(AtomicU64::new(0));
        let bus2 = bus.clone();
        let _wd = Watchdog::start(name, progress.clone(), move || {
            format!("{:?}", bus2.stats())
        });
        let publisher = thread::spawn(move || {
            for i in 0..n {
                bus.publish(&ev(i, b"")).unwrap();
                stall(i, 4);
            }
        });
        BusRun {
            n,
            sub,
            progress,
            publisher,
            _wd,
            last: 0,
            popped: 0,
            lost: 0,
        }
    }

    /// Whether the last event was popped.
    fn done(&self) -> bool {
        self.last >= self.n
    }

    fn got(&mut self, e: Event) {
        assert!(e.seq > self.last, "out of order");
        self.last = e.seq;
        self.popped += 1;
        self.lost += e.lost_before;
        self.progress.fetch_add(1, Ordering::Relaxed);
    }

    /// Each event was either popped or counted as lagged, and the gaps add up.
    fn finish(self) {
        self.publisher.join().unwrap();
        let st = self.sub.stats();
        assert_eq!(st.delivered, self.n);
        assert_eq!(self.popped + st.lagged, self.n, "lost or duplicated");
        assert_eq!(self.lost, st.lagged);
    }
}

/// A bus subscriber blocks with no deadline on a capacity-1 subscription while a publisher
/// publishes; each event is either popped or counted as lagged, in order, and the last one
/// (never evicted) always arrives.
#[test]
fn bus_subscriber_blocking_never_loses_a_wakeup() {
    let mut run = BusRun::start("bus", 1, rounds(40_000));
    while !run.done() {
        let e = run.sub.pop_timeout(Duration::MAX).unwrap();
        run.got(e);
    }
    run.finish();
}

/// The bus's eventfd protocol with a consumer that only ever sleeps in `poll` on the
/// subscription's fd (no deadline): whenever it has drained the ring (which clears the fd), a
/// later publish must make the fd readable again, or the consumer sleeps forever.
#[cfg(target_os = "linux")]
#[test]
fn bus_eventfd_never_leaves_an_event_behind_an_unreadable_fd() {
    let mut run = BusRun::start("bus eventfd", 8, rounds(40_000));
    let fd = run.sub.fd().unwrap();
    while !run.done() {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; -1: no timeout (the watchdog catches a hang).
        let r = unsafe { libc::poll(&mut p, 1, -1) };
        assert!(
            r == 1 || std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        );
        // Drain: the failing try_pop at the end clears the fd and re-checks the ring.
        loop {
            match run.sub.try_pop() {
                Ok(e) => run.got(e),
                Err(lfe::Error::Empty) => break,
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
    }
    run.finish();
}
