//! Wall-clock and monotonic time helpers shared by every structure.
//!
//! [`now_ns`] stamps every log line, event and request a host does not stamp itself, so it
//! sits on the append path. `clock_gettime(CLOCK_REALTIME)` through the vDSO took about 49 ns
//! per call on the 2-core VM this was measured on (`rdtsc` alone: 12 ns), a sixth of a whole
//! append. Where the kernel itself keeps time with the TSC (its clocksource is `tsc`, which
//! it only picks when the TSC is invariant and synchronised across CPUs), `now_ns` reads the
//! TSC and scales it against an anchor taken from the system clock; see [`tsc`].

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch (wall clock). Used for timestamps the host did not supply.
///
/// Follows the system's wall clock to within microseconds: it is re-anchored to it at least
/// every second (`tsc::REANCHOR_NS`), so a step of the system clock (NTP, an administrator)
/// shows up within that time. Like the system's wall clock it is not monotonic.
#[inline]
pub fn now_ns() -> u64 {
    // Under loom the models stay off the TSC clock's shared state (it is std atomics, which
    // loom does not see).
    #[cfg(all(target_arch = "x86_64", target_os = "linux", not(miri)))]
    if !crate::sync::LOOM {
        if let Some(t) = tsc::now_ns() {
            return t;
        }
    }
    system_ns()
}

/// `ts_ns` as given, or [`now_ns`] when it is 0: the rule for every timestamp a host may
/// leave for lfe to stamp (log lines, events, requests).
#[inline]
pub fn or_now(ts_ns: u64) -> u64 {
    if ts_ns == 0 {
        now_ns()
    } else {
        ts_ns
    }
}

/// The system's wall clock, read through `std` (`clock_gettime(CLOCK_REALTIME)`).
pub fn system_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Nanoseconds on a monotonic clock (arbitrary origin). Used for durations and deadlines.
pub fn mono_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    origin.elapsed().as_nanos() as u64
}

/// The TSC wall clock.
///
/// An *anchor* pairs a TSC reading with the system's wall clock read right after it, plus
/// the TSC's rate in ns per tick (32.32 fixed point). `now = anchor.ns + (tsc - anchor.tsc) *
/// rate`. The rate is measured, not looked up: the first anchor is taken at the first call,
/// and until 10 ms of wall time have passed every call reads the system clock (and the call
/// that finds 10 ms passed computes the rate and installs the first full anchor). After
/// that, the first call that finds the anchor due takes a new one, measuring the rate over
/// the whole span since the last anchor and resetting any drift from the system clock. An
/// anchor is due after ten times the span its rate was measured over, at most
/// [`REANCHOR_NS`]: 100 ms after calibration, then every second. An anchor's pair of reads
/// is at most `MAX_PAIR_NS` wide, so a rate measured over 10 ms is within 0.05 % and one
/// over a second within 5 ppm: the clock stays within about 50 µs of the system clock in
/// the worst case, and typically within a microsecond.
///
/// The anchor is four words under a sequence lock: a reader that sees the version change, or
/// odd (an update in progress), reads the system clock instead, so it never waits. Only the
/// thread that wins the version CAS updates the anchor; the others keep using the old one.
/// Every word is an atomic, so a torn read is detected, never undefined.
#[cfg(all(target_arch = "x86_64", target_os = "linux", not(miri)))]
pub(crate) mod tsc {
    use std::sync::atomic::{fence, AtomicU64, AtomicU8, Ordering};

    /// Longest interval between two anchors (1 s).
    pub(crate) const REANCHOR_NS: u64 = 1_000_000_000;
    /// Wall time over which the first rate is measured (10 ms).
    const CALIBRATE_NS: u64 = 10_000_000;
    /// Widest pair of system-clock reads around an anchor's TSC read that is accepted.
    const MAX_PAIR_NS: u64 = 5_000;

    /// 0: not decided yet; 1: the TSC is used; 2: it is not (the system clock is used).
    static MODE: AtomicU8 = AtomicU8::new(0);
    /// Sequence-lock version: odd while an update is in progress.
    static VERSION: AtomicU64 = AtomicU64::new(0);
    static ANCHOR_TSC: AtomicU64 = AtomicU64::new(0);
    static ANCHOR_NS: AtomicU64 = AtomicU64::new(0);
    /// ns per tick, 32.32 fixed point; 0 until calibrated.
    static RATE: AtomicU64 = AtomicU64::new(0);
    /// Ticks after `ANCHOR_TSC` at which the anchor is renewed.
    static LIMIT: AtomicU64 = AtomicU64::new(0);

    #[inline]
    fn rdtsc() -> u64 {
        // SAFETY: `rdtsc` is part of the x86_64 baseline and has no side effects.
        unsafe { core::arch::x86_64::_rdtsc() }
    }

    /// Whether the kernel keeps its own time with the TSC.
    fn kernel_uses_tsc() -> bool {
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .map(|s| s.trim() == "tsc")
            .unwrap_or(false)
    }

    /// The TSC wall clock, or None when the caller should read the system clock.
    #[inline]
    pub(crate) fn now_ns() -> Option<u64> {
        // Relaxed: MODE only ever moves from 0 to a final value; it guards nothing else.
        match MODE.load(Ordering::Relaxed) {
            1 => {}
            0 => {
                let m = if kernel_uses_tsc() { 1 } else { 2 };
                MODE.store(m, Ordering::Relaxed);
                if m == 2 {
                    return None;
                }
            }
            _ => return None,
        }
        // Acquire: pairs with the writer's Release store of the version, so the words read
        // below are at least those of that version (checked again after reading them).
        let v = VERSION.load(Ordering::Acquire);
        let t0 = ANCHOR_TSC.load(Ordering::Relaxed);
        let n0 = ANCHOR_NS.load(Ordering::Relaxed);
        let rate = RATE.load(Ordering::Relaxed);
        let limit = LIMIT.load(Ordering::Relaxed);
        // Acquire fence: keeps the word loads above before the version re-check below.
        fence(Ordering::Acquire);
        // Relaxed: ordered by the fence.
        let stable = v & 1 == 0 && VERSION.load(Ordering::Relaxed) == v;
        let d = rdtsc().wrapping_sub(t0);
        if stable && rate != 0 && d < limit {
            return Some(n0 + ((d as u128 * rate as u128) >> 32) as u64);
        }
        // Otherwise the system clock answers. The anchor is renewed if it is due: still
        // uncalibrated, or older than the limit. A `d` that wrapped (another thread anchored
        // after our TSC read) is not a reason.
        let due = stable && (rate == 0 || d < (1 << 63));
        Some(slow(due.then_some(v), t0, n0))
    }

    /// Reads the system clock, and renews the anchor (version `v`) if it is due and nobody
    /// else is renewing it.
    #[cold]
    fn slow(v: Option<u64>, t0: u64, n0: u64) -> u64 {
        let now = super::system_ns();
        let Some(v) = v else {
            return now;
        };
        let first = v == 0;
        // Relaxed: a re-read of the word checked under the version above.
        if !first && RATE.load(Ordering::Relaxed) == 0 && now.saturating_sub(n0) < CALIBRATE_NS {
            return now;
        }
        // Acquire on success: the words are written after we own the update; Relaxed on
        // failure: another thread is updating, we just return the system clock.
        if VERSION
            .compare_exchange(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return now;
        }
        // Release fence: the odd version is visible before any of the words change.
        fence(Ordering::Release);
        // The anchor pairs a TSC reading with the wall time around it; a pair taken across a
        // preemption would be off by the preemption, so a wide pair is not used.
        let a = super::system_ns();
        let t = rdtsc();
        let b = super::system_ns();
        if b >= a && b - a <= MAX_PAIR_NS {
            let n = a + (b - a) / 2;
            let (ticks, span) = (t.wrapping_sub(t0), n.saturating_sub(n0));
            if !first && ticks > 0 && ticks < (1 << 62) && span > 0 {
                let rate = ((span as u128) << 32) / ticks as u128;
                if rate > 0 && rate < (1 << 40) {
                    RATE.store(rate as u64, Ordering::Relaxed);
                    // The next anchor is due after ten times the span this rate was measured
                    // over (at most REANCHOR_NS): the rate's error shrinks with its span, so
                    // the first, 10 ms rate is only trusted for 100 ms.
                    let next = span.saturating_mul(10).min(REANCHOR_NS);
                    LIMIT.store(
                        ((next as u128) << 32).div_ceil(rate) as u64,
                        Ordering::Relaxed,
                    );
                }
            }
            ANCHOR_TSC.store(t, Ordering::Relaxed);
            ANCHOR_NS.store(n, Ordering::Relaxed);
        }
        // Release: publishes the words written above with the new, even version.
        VERSION.store(v + 2, Ordering::Release);
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `now_ns` against the system clock read around it, when that pair is tight.
    fn check_close(tol_ns: u64) -> bool {
        let a = system_ns();
        let t = now_ns();
        let b = system_ns();
        if b - a > 20_000 {
            return false; // preempted between the reads: no precise reference
        }
        assert!(t + tol_ns >= a && t <= b + tol_ns, "{a} {t} {b}");
        true
    }

    #[test]
    fn now_follows_the_system_clock() {
        // 300 ms: calibration (10 ms), the 100 ms anchor, and beyond. A rate wrong by 1 %
        // would be 1 ms off after 100 ms; the anchors' worst case is about 50 µs.
        let end = system_ns() + 300_000_000;
        let mut checked = 0u64;
        while system_ns() < end {
            checked += check_close(200_000) as u64;
        }
        assert!(checked > 1000, "only {checked} tight readings");
    }

    #[test]
    fn now_from_many_threads_stays_close() {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..200_000 {
                        check_close(200_000);
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }
}
