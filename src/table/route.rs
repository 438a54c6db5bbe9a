//! The route table: the reverse proxy's URL mapping, in an RCU snapshot ([`super::Rcu`]).
//!
//! A route maps a host (with optional port; `*` is the wildcard host) and a path prefix to an
//! upstream target URL, a process id, a label and a proxy port. Hosts compare ASCII
//! case-insensitively and exactly (a route for `app:3000` does not match host `app`).
//!
//! **Lookup** of `(host, path)`: among the routes of that host whose prefix matches the path
//! ([`prefix_matches`]: a byte prefix that ends at a segment boundary — the end of the path, a
//! `/`, `?` or `#` — or itself ends with `/`), the longest prefix wins (ties: lowest id); if the
//! host has none, the same among the wildcard routes; else not found. Each snapshot carries a
//! read index compiled when it is written (`route_index.rs`): one probe of a host table
//! that lowercases and hashes the host eight bytes at a time, then a scan of that host's few
//! routes, longest prefix first, with their prefixes in one contiguous arena.
//!
//! **Attribution** of a URL to a process ([`RouteTableIn::attribute`]): the route whose
//! normalised target URL equals the normalised URL, else the first route (lowest id) whose
//! target has the same `host:port`, else none. Normalising lowercases scheme and host, makes the
//! port explicit (80 for http/ws, 443 for https/wss), drops the fragment and a trailing `/`.
//! Attribution scans the snapshot's routes (tens to hundreds) — wait-free, O(n).

use super::route_index::RouteIndex;
use super::{check_len, Rcu, ShardedMap, Store, Versioned};
use crate::sync::{AtomicU64, Ordering};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use std::sync::Arc;

/// The wildcard host.
pub const WILDCARD: &[u8] = b"*";

/// Bounds of a route table (memory is bounded by these: at most `max_routes` routes, each at
/// most `4 * max_field` bytes of fields plus its fixed part). Nothing is allocated at
/// creation, so every accepted configuration can be made.
///
/// | field | default | zero | largest (over it: `TooLarge`) |
/// |---|---|---|---|
/// | `max_routes` | 1024 | `Invalid` | [`MAX_ROUTES`] (2^16) |
/// | `max_field` | 2048 | `Invalid` | [`MAX_FIELD`] (64 KiB) |
#[derive(Debug, Clone, Copy)]
pub struct RouteConfig {
    /// Most routes at once (`Error::Full` beyond).
    pub max_routes: usize,
    /// Longest host, prefix, target or label in bytes (`Error::TooLarge` beyond).
    pub max_field: usize,
}

/// Largest `max_routes` (2^16; a write copies a sixteenth of the table).
///
/// cbindgen:ignore
pub const MAX_ROUTES: usize = 1 << 16;
/// Largest `max_field` (64 KiB).
///
/// cbindgen:ignore
pub const MAX_FIELD: usize = 1 << 16;

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig {
            max_routes: 1024,
            max_field: 2048,
        }
    }
}

/// What the host supplies to add or replace a route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteSpec {
    /// `name` or `name:port`, or `*`.
    pub host: Vec<u8>,
    /// Starts with `/`.
    pub path_prefix: Vec<u8>,
    /// Upstream URL, e.g. `http://localhost:3000`.
    pub target: Vec<u8>,
    /// Owning process id (0: none).
    pub process_id: u64,
    pub label: Vec<u8>,
    pub proxy_port: u16,
}

impl RouteSpec {
    /// A spec with host, prefix and target; no process, label or port.
    pub fn new(
        host: impl Into<Vec<u8>>,
        path_prefix: impl Into<Vec<u8>>,
        target: impl Into<Vec<u8>>,
    ) -> Self {
        RouteSpec {
            host: host.into(),
            path_prefix: path_prefix.into(),
            target: target.into(),
            ..Default::default()
        }
    }
}

/// One route (a copy). `host` is stored lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub id: u64,
    pub host: Vec<u8>,
    pub path_prefix: Vec<u8>,
    pub target: Vec<u8>,
    pub process_id: u64,
    pub label: Vec<u8>,
    pub proxy_port: u16,
}

/// The contents of one route-table snapshot: the maps writes edit, and the read index
/// compiled from them after every write.
#[derive(Debug, Clone, Default)]
pub struct RouteSnap {
    by_id: ShardedMap<u64, Arc<Route>>,
    /// host -> its routes, longest prefix first, then lowest id.
    by_host: ShardedMap<Box<[u8]>, Arc<[Arc<Route>]>>,
    /// What lookups read (module docs).
    index: Arc<RouteIndex>,
}

/// A consistent listing of routes, sorted by id.
#[derive(Debug, Clone)]
pub struct RouteList {
    pub generation: u64,
    pub routes: Vec<Arc<Route>>,
}

/// The route table over a storage `S`: [`RouteTable`] (RCU) or the lock baseline.
pub struct RouteTableIn<S> {
    store: S,
    next_id: CachePadded<AtomicU64>,
    cfg: RouteConfig,
}

/// The lock-free route table.
pub type RouteTable = RouteTableIn<Rcu<RouteSnap>>;

/// `host` lowercased, as route hosts are stored (borrowed when it has no uppercase byte, the
/// common case, so a lookup allocates nothing).
pub fn lowercase_host(host: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if host.iter().any(u8::is_ascii_uppercase) {
        std::borrow::Cow::Owned(host.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(host)
    }
}

/// True when route prefix `prefix` matches request path `path` (module docs).
pub fn prefix_matches(prefix: &[u8], path: &[u8]) -> bool {
    if !path.starts_with(prefix) {
        return false;
    }
    path.len() == prefix.len()
        || prefix.last() == Some(&b'/')
        || matches!(path[prefix.len()], b'/' | b'?' | b'#')
}

impl RouteSnap {
    #[inline]
    fn lookup(&self, host: &[u8], path: &[u8]) -> Option<&Arc<Route>> {
        self.index.lookup(host, path)
    }

    /// Rebuilds the read index from the maps (after a write, before it is published).
    fn compile(&mut self) {
        self.index = Arc::new(RouteIndex::build(
            self.by_host.iter().map(|(h, rs)| (&h[..], &rs[..])),
        ));
    }

    fn with_host(&mut self, host: &[u8], f: impl FnOnce(&mut Vec<Arc<Route>>)) {
        let mut v: Vec<Arc<Route>> = self
            .by_host
            .get(host)
            .map(|rs| rs.to_vec())
            .unwrap_or_default();
        f(&mut v);
        if v.is_empty() {
            self.by_host.remove(host);
        } else {
            v.sort_by(|a, b| {
                b.path_prefix
                    .len()
                    .cmp(&a.path_prefix.len())
                    .then(a.id.cmp(&b.id))
            });
            self.by_host.insert(host.into(), v.into());
        }
    }

    fn taken(&self, host: &[u8], prefix: &[u8], except: u64) -> bool {
        self.by_host.get(host).is_some_and(|rs| {
            rs.iter()
                .any(|r| r.id != except && &r.path_prefix[..] == prefix)
        })
    }

    fn put(&mut self, r: Arc<Route>) {
        let host = r.host.clone();
        let id = r.id;
        self.with_host(&host, |v| v.push(r.clone()));
        self.by_id.insert(id, r);
    }

    fn take(&mut self, id: u64) -> Option<Arc<Route>> {
        let r = self.by_id.remove(&id)?;
        self.with_host(&r.host, |v| v.retain(|x| x.id != id));
        Some(r)
    }
}

/// A URL split into its normalised `(full, host:port)` forms (module docs).
pub fn normalize_url(url: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (scheme, rest) = match url.windows(3).position(|w| w == b"://") {
        Some(i) => (url[..i].to_ascii_lowercase(), &url[i + 3..]),
        None => (b"http".to_vec(), url),
    };
    let rest = match rest.iter().position(|&c| c == b'#') {
        Some(i) => &rest[..i],
        None => rest,
    };
    let split = rest
        .iter()
        .position(|&c| c == b'/' || c == b'?')
        .unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let authority = match authority.iter().rposition(|&c| c == b'@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let mut hostport = authority.to_ascii_lowercase();
    // A port is after the last ':' unless that ':' is inside an IPv6 literal's brackets.
    let has_port = match hostport.iter().rposition(|&c| c == b':') {
        Some(i) => !hostport[i..].contains(&b']'),
        None => false,
    };
    if !has_port {
        let port: &[u8] = match &scheme[..] {
            b"https" | b"wss" => b":443",
            _ => b":80",
        };
        hostport.extend_from_slice(port);
    }
    let mut path = tail.to_vec();
    if path.is_empty() || path[0] == b'?' {
        path.insert(0, b'/');
    }
    if path.len() > 1 && path.last() == Some(&b'/') {
        path.pop();
    }
    let mut full = scheme;
    full.extend_from_slice(b"://");
    full.extend_from_slice(&hostport);
    full.extend_from_slice(&path);
    (full, hostport)
}

impl<S: Store<RouteSnap>> Default for RouteTableIn<S> {
    fn default() -> Self {
        Self::new(RouteConfig::default())
    }
}

impl<S: Store<RouteSnap>> RouteTableIn<S> {
    /// An empty table.
    pub fn new(cfg: RouteConfig) -> Self {
        RouteTableIn {
            store: S::new(RouteSnap::default()),
            next_id: CachePadded::new(AtomicU64::new(1)),
            cfg,
        }
    }

    /// An empty table. Errors: `Invalid` (zero `max_routes` or `max_field`), `TooLarge` (a
    /// bound over its `MAX_*`).
    pub fn with_config(cfg: RouteConfig) -> Result<Self> {
        if cfg.max_routes == 0 || cfg.max_field == 0 {
            return Err(Error::Invalid("max_routes and max_field must be > 0"));
        }
        if cfg.max_routes > MAX_ROUTES || cfg.max_field > MAX_FIELD {
            return Err(Error::TooLarge);
        }
        Ok(Self::new(cfg))
    }

    fn make(&self, id: u64, spec: RouteSpec) -> Result<Arc<Route>> {
        if spec.host.is_empty() || spec.path_prefix.first() != Some(&b'/') {
            return Err(Error::Invalid(
                "route needs a host and a path prefix starting with '/'",
            ));
        }
        let m = self.cfg.max_field;
        check_len(&spec.host, m)?;
        check_len(&spec.path_prefix, m)?;
        check_len(&spec.target, m)?;
        check_len(&spec.label, m)?;
        Ok(Arc::new(Route {
            id,
            host: spec.host.to_ascii_lowercase(),
            path_prefix: spec.path_prefix,
            target: spec.target,
            process_id: spec.process_id,
            label: spec.label,
            proxy_port: spec.proxy_port,
        }))
    }

    /// Adds a route; returns its new id (ids are never reused).
    ///
    /// Errors: `Invalid` (empty host, prefix not starting with `/`), `TooLarge`, `Exists` (same
    /// host and prefix), `Full`.
    pub fn add(&self, spec: RouteSpec) -> Result<u64> {
        // Relaxed: only distinctness matters.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let r = self.make(id, spec)?;
        let max = self.cfg.max_routes;
        self.store
            .update(|s| {
                if s.taken(&r.host, &r.path_prefix, 0) {
                    return Err(Error::Exists);
                }
                if s.by_id.len() >= max {
                    return Err(Error::Full);
                }
                let mut n = s.clone();
                n.put(r.clone());
                n.compile();
                Ok((n, ()))
            })
            .map(|_| id)
    }

    /// Replaces route `id` with `spec`, keeping the id; returns the new generation.
    ///
    /// Errors: as [`add`](Self::add), and `NotFound`.
    pub fn replace(&self, id: u64, spec: RouteSpec) -> Result<u64> {
        let r = self.make(id, spec)?;
        self.store
            .update(|s| {
                if s.by_id.get(&id).is_none() {
                    return Err(Error::NotFound);
                }
                if s.taken(&r.host, &r.path_prefix, id) {
                    return Err(Error::Exists);
                }
                let mut n = s.clone();
                n.take(id);
                n.put(r.clone());
                n.compile();
                Ok((n, ()))
            })
            .map(|(_, g)| g)
    }

    /// Removes route `id` (`NotFound`); returns the new generation.
    pub fn remove(&self, id: u64) -> Result<u64> {
        self.store
            .update(|s| {
                if s.by_id.get(&id).is_none() {
                    return Err(Error::NotFound);
                }
                let mut n = s.clone();
                n.take(id);
                n.compile();
                Ok((n, ()))
            })
            .map(|(_, g)| g)
    }

    /// A copy of route `id` (`NotFound`).
    pub fn get(&self, id: u64) -> Result<Route> {
        self.store
            .read(|s| s.value.by_id.get(&id).map(|r| Route::clone(r)))
            .ok_or(Error::NotFound)
    }

    /// A copy of the route for `(host, path)` (module docs; `NotFound`).
    pub fn lookup(&self, host: &[u8], path: &[u8]) -> Result<Route> {
        self.lookup_with(host, path, Route::clone)
    }

    /// Runs `f` on the route for `(host, path)` without copying it (`NotFound`).
    #[inline]
    pub fn lookup_with<R>(
        &self,
        host: &[u8],
        path: &[u8],
        f: impl FnOnce(&Route) -> R,
    ) -> Result<R> {
        self.store
            .read(|s| s.value.lookup(host, path).map(|r| f(r)))
            .ok_or(Error::NotFound)
    }

    /// The route a URL belongs to (module docs), or `NotFound`.
    pub fn attribute(&self, url: &[u8]) -> Result<Route> {
        let (full, hostport) = normalize_url(url);
        self.store.read(|s| {
            let mut exact: Option<&Arc<Route>> = None;
            let mut same_host: Option<&Arc<Route>> = None;
            for (_, r) in s.value.by_id.iter() {
                let (f, h) = normalize_url(&r.target);
                let better = |cur: Option<&Arc<Route>>| cur.is_none_or(|c| r.id < c.id);
                if f == full && better(exact) {
                    exact = Some(r);
                } else if h == hostport && better(same_host) {
                    same_host = Some(r);
                }
            }
            exact
                .or(same_host)
                .map(|r| Route::clone(r))
                .ok_or(Error::NotFound)
        })
    }

    /// Every route from one snapshot, sorted by id, with its generation.
    pub fn list(&self) -> RouteList {
        let snap: Arc<Versioned<RouteSnap>> = self.store.snapshot();
        let mut routes: Vec<Arc<Route>> = snap.value.by_id.iter().map(|(_, r)| r.clone()).collect();
        routes.sort_unstable_by_key(|r| r.id);
        RouteList {
            generation: snap.gen,
            routes,
        }
    }

    /// Number of routes.
    pub fn count(&self) -> usize {
        self.store.read(|s| s.value.by_id.len())
    }

    /// The generation (one atomic load; changes on every write, never goes backwards).
    pub fn generation(&self) -> u64 {
        self.store.generation()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn prefix_rules() {
        assert!(prefix_matches(b"/api", b"/api"));
        assert!(prefix_matches(b"/api", b"/api/x"));
        assert!(prefix_matches(b"/api", b"/api?q"));
        assert!(!prefix_matches(b"/api", b"/apix"));
        assert!(prefix_matches(b"/", b"/anything"));
        assert!(prefix_matches(b"/api/", b"/api/x"));
    }

    #[test]
    fn normalize() {
        let (f, h) = normalize_url(b"HTTP://LocalHost:3000/a/");
        assert_eq!(
            (&f[..], &h[..]),
            (&b"http://localhost:3000/a"[..], &b"localhost:3000"[..])
        );
        let (f, h) = normalize_url(b"https://x.dev#frag");
        assert_eq!(
            (&f[..], &h[..]),
            (&b"https://x.dev:443/"[..], &b"x.dev:443"[..])
        );
        let (_, h) = normalize_url(b"http://[::1]/p");
        assert_eq!(&h[..], b"[::1]:80");
    }
}
