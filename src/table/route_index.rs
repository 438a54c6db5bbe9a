//! The read side of a route-table snapshot, compiled once per write ([`RouteIndex`]).
//!
//! Writes are rare (a process restarts, a route is added) and lookups are the proxy's hot path,
//! so each snapshot carries a structure built for reads: the snapshot's maps stay what writes
//! edit, and after every write the whole read index is rebuilt from them (O(routes); a write
//! already copies a shard of the maps).
//!
//! Layout:
//! * every host name, lowercased, as 8-byte words (zero-padded), in one array (`words`);
//! * an open-addressing table (power of two, at most half full, linear probing) of host
//!   numbers, keyed by a multiply-rotate hash over those words;
//! * each host's routes, longest prefix first then lowest id (the lookup rule), as one
//!   contiguous run of entries whose prefixes sit in one byte arena;
//! * the wildcard host's run, found once at build time.
//!
//! A lookup lowercases the request host eight bytes at a time (SWAR: no per-byte branch, no
//! copy), hashes and compares those words, then scans one run of entries. Nothing is allocated
//! and no reference count is touched.

use super::route::{prefix_matches, Route};
use std::sync::Arc;

/// One route in its host's run.
#[derive(Debug)]
struct Entry {
    /// The prefix: `arena[start..start + len]`.
    start: u32,
    len: u32,
    route: Arc<Route>,
}

/// One host: its name's words and its run of entries.
#[derive(Debug)]
struct Host {
    /// `words[w0..w0 + nwords]`, the name lowercased and zero-padded.
    w0: u32,
    nwords: u32,
    /// The name's length in bytes (so `ab` and `ab\0` differ).
    len: u32,
    /// `entries[e0..e1]`.
    e0: u32,
    e1: u32,
}

/// See the module docs.
#[derive(Debug, Default)]
pub struct RouteIndex {
    /// Host number + 1 per slot (0: empty); its length is a power of two, or 0 when empty.
    table: Box<[u32]>,
    hosts: Box<[Host]>,
    words: Box<[u64]>,
    entries: Box<[Entry]>,
    arena: Box<[u8]>,
    /// The host number of `*`, if it has routes.
    wildcard: Option<u32>,
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// ASCII-lowercases the eight bytes of `w` at once (bytes >= 0x80 are left alone).
#[inline]
fn lower8(w: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let b = w & LOW7;
    // High bit of each byte: byte >= 'A', and byte > 'Z' (on 7 bits: no carry between bytes).
    let ge_a = b + ONES * (0x80 - b'A' as u64);
    let gt_z = b + ONES * (0x80 - b'Z' as u64 - 1);
    let upper = ge_a & !gt_z & !w & HIGH;
    w | (upper >> 2)
}

/// The `i`-th 8-byte word of `s`, zero-padded, lowercased.
#[inline]
fn word(s: &[u8], i: usize) -> u64 {
    let start = i * 8;
    let w = match s.get(start..start + 8) {
        Some(c) => u64::from_le_bytes(c.try_into().expect("8 bytes")),
        None => {
            let mut b = [0u8; 8];
            let tail = &s[start..];
            b[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(b)
        }
    };
    lower8(w)
}

#[inline]
fn nwords(len: usize) -> usize {
    len.div_ceil(8)
}

#[inline]
fn hash(host: &[u8]) -> u64 {
    let mut h = (host.len() as u64).wrapping_mul(K);
    for i in 0..nwords(host.len()) {
        h = (h ^ word(host, i)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).expect("route index within u32 (bounded by MAX_ROUTES * MAX_FIELD)")
}

impl RouteIndex {
    /// Builds the index from `(host, routes)` pairs: `host` lowercased, `routes` in lookup
    /// order (longest prefix first, then lowest id).
    pub fn build<'a>(hosts: impl Iterator<Item = (&'a [u8], &'a [Arc<Route>])>) -> RouteIndex {
        let mut ix = Builder::default();
        for (name, routes) in hosts {
            ix.host(name, routes);
        }
        ix.finish()
    }

    /// The host number of `host` (any ASCII case).
    #[inline]
    fn find(&self, host: &[u8]) -> Option<u32> {
        if self.table.is_empty() {
            return None;
        }
        let mask = self.table.len() - 1;
        let n = nwords(host.len());
        let mut i = hash(host) as usize & mask;
        loop {
            let slot = self.table[i];
            if slot == 0 {
                return None;
            }
            let h = &self.hosts[slot as usize - 1];
            if h.len as usize == host.len() {
                let stored = &self.words[h.w0 as usize..(h.w0 + h.nwords) as usize];
                if (0..n).all(|k| stored[k] == word(host, k)) {
                    return Some(slot - 1);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The longest matching prefix among host `h`'s routes.
    #[inline]
    fn best(&self, h: u32, path: &[u8]) -> Option<&Arc<Route>> {
        let h = &self.hosts[h as usize];
        self.entries[h.e0 as usize..h.e1 as usize]
            .iter()
            .find(|e| {
                let p = &self.arena[e.start as usize..(e.start + e.len) as usize];
                prefix_matches(p, path)
            })
            .map(|e| &e.route)
    }

    /// The route for `(host, path)` (the rule in `route.rs`: the host's routes, then the
    /// wildcard's).
    #[inline]
    pub fn lookup(&self, host: &[u8], path: &[u8]) -> Option<&Arc<Route>> {
        self.find(host)
            .and_then(|h| self.best(h, path))
            .or_else(|| self.wildcard.and_then(|w| self.best(w, path)))
    }
}

#[derive(Default)]
struct Builder {
    hosts: Vec<Host>,
    hashes: Vec<u64>,
    words: Vec<u64>,
    entries: Vec<Entry>,
    arena: Vec<u8>,
    wildcard: Option<u32>,
}

impl Builder {
    fn host(&mut self, name: &[u8], routes: &[Arc<Route>]) {
        if routes.is_empty() {
            return;
        }
        let num = u32_of(self.hosts.len());
        if name == super::route::WILDCARD {
            self.wildcard = Some(num);
        }
        let w0 = u32_of(self.words.len());
        self.words
            .extend((0..nwords(name.len())).map(|i| word(name, i)));
        let e0 = u32_of(self.entries.len());
        for r in routes {
            let start = u32_of(self.arena.len());
            self.arena.extend_from_slice(&r.path_prefix);
            self.entries.push(Entry {
                start,
                len: u32_of(r.path_prefix.len()),
                route: r.clone(),
            });
        }
        self.hosts.push(Host {
            w0,
            nwords: u32_of(nwords(name.len())),
            len: u32_of(name.len()),
            e0,
            e1: u32_of(self.entries.len()),
        });
        self.hashes.push(hash(name));
    }

    fn finish(self) -> RouteIndex {
        let size = if self.hosts.is_empty() {
            0
        } else {
            (2 * self.hosts.len()).next_power_of_two()
        };
        let mut table = vec![0u32; size].into_boxed_slice();
        for (n, h) in self.hashes.iter().enumerate() {
            let mut i = *h as usize & (size - 1);
            while table[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            table[i] = u32_of(n + 1);
        }
        RouteIndex {
            table,
            hosts: self.hosts.into(),
            words: self.words.into(),
            entries: self.entries.into(),
            arena: self.arena.into(),
            wildcard: self.wildcard,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lower8_lowercases_ascii_only() {
        let all: Vec<u8> = (0..=255u8).collect();
        for c in all.chunks(8) {
            let w = u64::from_le_bytes(c.try_into().unwrap());
            let want: Vec<u8> = c.iter().map(|b| b.to_ascii_lowercase()).collect();
            assert_eq!(lower8(w).to_le_bytes().to_vec(), want);
        }
    }

    #[test]
    fn hash_and_words_ignore_case_and_pad() {
        assert_eq!(hash(b"App1.LocalHost:8080"), hash(b"app1.localhost:8080"));
        assert_eq!(word(b"ABC", 0), u64::from_le_bytes(*b"abc\0\0\0\0\0"));
    }
}
