//! The bounded, de-duplicated URL list (INTERFACE STUB: filled in by the detection work).

/// One URL seen in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlEntry {
    /// Normalised URL bytes.
    pub url: Vec<u8>,
    /// Process that printed it first.
    pub process_id: u64,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    /// How many times it was seen.
    pub count: u64,
}

/// Bounded list of distinct URLs; when full, the least recently seen entry is dropped.
/// Single-threaded: the log store owns it inside its enrichment state.
#[derive(Debug, Default)]
pub struct UrlList {
    capacity: usize,
    entries: Vec<UrlEntry>,
}

impl UrlList {
    pub fn new(capacity: usize) -> UrlList {
        UrlList {
            capacity,
            entries: Vec::new(),
        }
    }

    /// Records one sighting of an already normalised URL.
    pub fn record(&mut self, url: &[u8], process_id: u64, ts_ns: u64) {
        let _ = (url, process_id, ts_ns, self.capacity);
    }

    /// The entries, most recently seen first.
    pub fn list(&self) -> Vec<UrlEntry> {
        self.entries.clone()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Drops the entries first printed by `process_id`.
    pub fn clear_process(&mut self, process_id: u64) {
        self.entries.retain(|e| e.process_id != process_id);
    }
}

/// Normalises a URL: lower-case scheme and host, default path `/` so that
/// `http://localhost:3000` and `http://localhost:3000/` are one entry. Idempotent.
pub fn normalize(url: &[u8]) -> Vec<u8> {
    url.to_vec()
}
