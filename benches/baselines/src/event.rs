//! Mutex baseline for the event queue: `Mutex<VecDeque<Event>>` plus two condvars, with the
//! same API as [`lfe::event::EventQueue`] (used by tests and benches side by side).

use crate::lock::{Condvar, Mutex};
use lfe::event::{Event, EventInput, Overflow, QueueConfig, QueueStats};
use lfe::{Error, Result};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    q: VecDeque<Event>,
    seq: u64,
    pushed: u64,
    popped: u64,
    dropped: u64,
    closed: bool,
}

/// The mutex version of [`lfe::event::EventQueue`].
pub struct EventQueue {
    state: Mutex<State>,
    not_empty: Condvar,
    not_full: Condvar,
    cfg: QueueConfig,
}

fn deadline(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

impl EventQueue {
    /// A queue with `cfg`; capacity 0 is [`Error::Invalid`].
    pub fn new(cfg: QueueConfig) -> Result<Self> {
        if cfg.capacity == 0 {
            return Err(Error::Invalid("capacity must be > 0"));
        }
        Ok(EventQueue {
            state: Mutex::new(
                "baseline.event.queue",
                State {
                    q: VecDeque::with_capacity(cfg.capacity),
                    seq: 1,
                    ..State::default()
                },
            ),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            cfg,
        })
    }

    /// A queue of `capacity` events with the other settings at their defaults.
    pub fn with_capacity(capacity: usize) -> Result<Self> {
        Self::new(QueueConfig {
            capacity,
            ..QueueConfig::default()
        })
    }

    /// Events are built (and payloads copied) outside the lock, as lfe does.
    fn put(&self, st: &mut State, mut ev: Event) -> std::result::Result<u64, Event> {
        if st.q.len() >= self.cfg.capacity {
            match self.cfg.overflow {
                Overflow::Reject => return Err(ev),
                Overflow::DropOldest => {
                    st.q.pop_front();
                    st.dropped += 1;
                }
            }
        }
        ev.seq = st.seq;
        st.seq += 1;
        st.pushed += 1;
        st.q.push_back(ev);
        Ok(st.seq - 1)
    }

    /// Same as [`lfe::event::EventQueue::try_push`].
    pub fn try_push(&self, input: &EventInput<'_>) -> Result<u64> {
        input.check(self.cfg.max_payload)?;
        let ev = input.to_event();
        let mut st = self.state.lock();
        if st.closed {
            return Err(Error::Closed);
        }
        let seq = self.put(&mut st, ev).map_err(|_| Error::Full)?;
        drop(st);
        self.not_empty.notify_one();
        Ok(seq)
    }

    /// Same as [`lfe::event::EventQueue::push_timeout`].
    pub fn push_timeout(&self, input: &EventInput<'_>, timeout: Duration) -> Result<u64> {
        input.check(self.cfg.max_payload)?;
        let end = deadline(timeout);
        let mut ev = input.to_event();
        let mut g = self.state.lock_raw();
        loop {
            if g.closed {
                return Err(Error::Closed);
            }
            match self.put(&mut g, ev) {
                Ok(seq) => {
                    drop(g);
                    self.not_empty.notify_one();
                    return Ok(seq);
                }
                Err(back) => ev = back,
            }
            g = self.not_full.wait_until(g, end).ok_or(Error::Timeout)?;
        }
    }

    /// Same as [`lfe::event::EventQueue::try_push_batch`].
    pub fn try_push_batch(&self, inputs: &[EventInput<'_>]) -> Result<usize> {
        for i in inputs {
            i.check(self.cfg.max_payload)?;
        }
        let evs: Vec<Event> = inputs.iter().map(|i| i.to_event()).collect();
        let mut st = self.state.lock();
        if st.closed {
            return Err(Error::Closed);
        }
        let mut n = 0;
        for ev in evs {
            if self.put(&mut st, ev).is_err() {
                break;
            }
            n += 1;
        }
        drop(st);
        if n > 0 {
            self.not_empty.notify_all();
        } else if !inputs.is_empty() {
            return Err(Error::Full);
        }
        Ok(n)
    }

    fn take(&self, st: &mut State) -> Option<Event> {
        let ev = st.q.pop_front()?;
        st.popped += 1;
        Some(ev)
    }

    /// Same as [`lfe::event::EventQueue::try_pop`].
    pub fn try_pop(&self) -> Result<Event> {
        let mut st = self.state.lock();
        match self.take(&mut st) {
            Some(ev) => {
                drop(st);
                self.not_full.notify_one();
                Ok(ev)
            }
            None if st.closed => Err(Error::Closed),
            None => Err(Error::Empty),
        }
    }

    /// Same as [`lfe::event::EventQueue::pop_timeout`].
    pub fn pop_timeout(&self, timeout: Duration) -> Result<Event> {
        let end = deadline(timeout);
        let mut g = self.state.lock_raw();
        loop {
            if let Some(ev) = self.take(&mut g) {
                drop(g);
                self.not_full.notify_one();
                return Ok(ev);
            }
            if g.closed {
                return Err(Error::Closed);
            }
            g = self.not_empty.wait_until(g, end).ok_or(Error::Timeout)?;
        }
    }

    /// Same as [`lfe::event::EventQueue::try_pop_batch`].
    pub fn try_pop_batch(&self, out: &mut Vec<Event>, max: usize) -> Result<usize> {
        if max == 0 {
            return Err(Error::Invalid("max is 0"));
        }
        let mut st = self.state.lock();
        let mut n = 0;
        while n < max {
            match self.take(&mut st) {
                Some(ev) => {
                    out.push(ev);
                    n += 1;
                }
                None => break,
            }
        }
        let closed = st.closed;
        drop(st);
        if n > 0 {
            self.not_full.notify_all();
            Ok(n)
        } else if closed {
            Err(Error::Closed)
        } else {
            Err(Error::Empty)
        }
    }

    /// Same as [`lfe::event::EventQueue::pop_batch_timeout`].
    pub fn pop_batch_timeout(
        &self,
        out: &mut Vec<Event>,
        max: usize,
        timeout: Duration,
    ) -> Result<usize> {
        lfe::event::pop_first_then_batch(
            out,
            max,
            || self.pop_timeout(timeout),
            |out, n| self.try_pop_batch(out, n),
        )
    }

    /// Same as [`lfe::event::EventQueue::close`].
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// Same as [`lfe::event::EventQueue::closed`].
    pub fn closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Same as [`lfe::event::EventQueue::len`].
    pub fn len(&self) -> usize {
        self.state.lock().q.len()
    }

    /// Same as [`lfe::event::EventQueue::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Same as [`lfe::event::EventQueue::stats`].
    pub fn stats(&self) -> QueueStats {
        let st = self.state.lock();
        QueueStats {
            depth: st.q.len() as u64,
            pushed: st.pushed,
            popped: st.popped,
            dropped: st.dropped,
            capacity: self.cfg.capacity as u64,
        }
    }
}
