//! Mutex baselines of the tables: the same table code ([`lfe::table::process::ProcTableIn`],
//! [`lfe::table::route::RouteTableIn`]) over [`Locked`], a `RwLock` around the current
//! snapshot instead of the RCU cell. Readers take the read lock for the lookup; writers take
//! the write lock for the whole read-modify-write, so writers are ordered by the lock.

use super::lock::RwLock;
use lfe::table::process::{ProcSnap, ProcTableIn};
use lfe::table::route::{RouteSnap, RouteTableIn};
use lfe::table::{Store, Versioned};
use lfe::Result;
use std::sync::Arc;

/// A `RwLock`-protected value with the [`Store`] API of [`lfe::table::Rcu`].
pub struct Locked<T> {
    inner: RwLock<Arc<Versioned<T>>>,
}

impl<T: Send + Sync> Store<T> for Locked<T> {
    fn new(value: T) -> Self {
        Locked {
            inner: RwLock::new("lfe.baseline.table", Arc::new(Versioned { gen: 1, value })),
        }
    }

    fn read<R>(&self, f: impl FnOnce(&Versioned<T>) -> R) -> R {
        let g = self.inner.read();
        f(&g)
    }

    fn snapshot(&self) -> Arc<Versioned<T>> {
        self.inner.read().clone()
    }

    fn generation(&self) -> u64 {
        self.inner.read().gen
    }

    fn update<R>(&self, mut f: impl FnMut(&T) -> Result<(T, R)>) -> Result<(R, u64)> {
        let mut g = self.inner.write();
        let (value, r) = f(&g.value)?;
        let gen = g.gen + 1;
        *g = Arc::new(Versioned { gen, value });
        Ok((r, gen))
    }
}

/// The process table behind a `RwLock`.
pub type ProcTable = ProcTableIn<Locked<ProcSnap>>;
/// The route table behind a `RwLock`.
pub type RouteTable = RouteTableIn<Locked<RouteSnap>>;

/// The request log behind one `Mutex`: a `VecDeque` ring and a stats map, the plain way.
pub struct RequestLog {
    inner: super::lock::Mutex<ReqInner>,
    cfg: RequestsConfig,
}

struct ReqInner {
    ring: std::collections::VecDeque<Request>,
    head: u64,
    global: RouteStats,
    routes: std::collections::HashMap<u64, RouteStats>,
    overflow: u64,
}

use lfe::table::requests::{
    ReadResult, Request, RequestsConfig, RouteStats, StatsView, FLAG_ERROR, FLAG_TRANSPORT_ERROR,
};

impl Default for RequestLog {
    fn default() -> Self {
        Self::new(RequestsConfig::default()).expect("default config is valid")
    }
}

impl RequestLog {
    /// Same contract as `lfe::table::requests::RequestLog::new` (the same config checks; the
    /// ring grows as records arrive, up to `capacity`; `max_bytes` is checked, not enforced).
    pub fn new(cfg: RequestsConfig) -> Result<Self> {
        lfe::table::requests::check_config(&cfg)?;
        Ok(RequestLog {
            inner: super::lock::Mutex::new(
                "lfe.baseline.requests",
                ReqInner {
                    ring: std::collections::VecDeque::new(),
                    head: 0,
                    global: RouteStats::default(),
                    routes: std::collections::HashMap::new(),
                    overflow: 0,
                },
            ),
            cfg,
        })
    }

    /// Same contract as the lfe version.
    pub fn record(&self, r: Request) -> Result<u64> {
        self.record_batch(vec![r])
    }

    /// Same contract as the lfe version.
    pub fn record_batch(&self, rs: Vec<Request>) -> Result<u64> {
        if rs.len() > self.cfg.capacity {
            return Err(lfe::Error::TooLarge);
        }
        let m = self.cfg.max_field;
        for r in &rs {
            if r.method.len() > m || r.host.len() > m || r.path.len() > m || r.trace_id.len() > m {
                return Err(lfe::Error::TooLarge);
            }
            if r.flags & !(FLAG_ERROR | FLAG_TRANSPORT_ERROR | lfe::table::requests::FLAG_XHR) != 0
            {
                return Err(lfe::Error::Invalid("unknown request flag"));
            }
        }
        let now = lfe::time::now_ns();
        let mut g = self.inner.lock();
        let first = g.head;
        for mut r in rs {
            r.seq = g.head;
            g.head += 1;
            if r.time_ns == 0 {
                r.time_ns = now;
            }
            if r.status >= 400 || r.flags & FLAG_TRANSPORT_ERROR != 0 {
                r.flags |= FLAG_ERROR;
            }
            g.global.add(&r);
            let routed = g.routes.len() - usize::from(g.routes.contains_key(&0));
            let full = routed >= self.cfg.max_routes;
            if r.route_id == 0 || g.routes.contains_key(&r.route_id) || !full {
                g.routes.entry(r.route_id).or_default().add(&r);
            } else {
                g.overflow += 1;
            }
            if g.ring.len() == self.cfg.capacity {
                g.ring.pop_front();
            }
            g.ring.push_back(r);
        }
        Ok(first)
    }

    /// Same contract as the lfe version.
    pub fn read(&self, cursor: u64, max: usize) -> ReadResult {
        let g = self.inner.lock();
        let oldest = g.head - g.ring.len() as u64;
        let start = cursor.max(oldest);
        let requests: Vec<Request> = g
            .ring
            .iter()
            .skip((start - oldest) as usize)
            .take(max)
            .cloned()
            .collect();
        ReadResult {
            next: start + requests.len() as u64,
            missed: start.saturating_sub(cursor),
            requests,
        }
    }

    /// Same contract as the lfe version.
    pub fn recent(&self, n: usize) -> Vec<Request> {
        let g = self.inner.lock();
        let skip = g.ring.len().saturating_sub(n);
        g.ring.iter().skip(skip).cloned().collect()
    }

    /// Same contract as the lfe version.
    pub fn route_stats(&self, id: u64) -> Result<StatsView> {
        let g = self.inner.lock();
        match g.routes.get(&id) {
            Some(s) => Ok(s.view()),
            None if id == 0 => Ok(StatsView::default()),
            None => Err(lfe::Error::NotFound),
        }
    }

    /// Same contract as the lfe version.
    pub fn global_stats(&self) -> StatsView {
        self.inner.lock().global.view()
    }

    /// Same contract as the lfe version.
    pub fn stats_overflow(&self) -> u64 {
        self.inner.lock().overflow
    }
}
