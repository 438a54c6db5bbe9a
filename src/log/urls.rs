//! URL finding, normalisation and the bounded, de-duplicated URL list.
//!
//! `find_urls` returns the raw spans (byte ranges into the ANSI-stripped line) so every URL the
//! detector reports is provably a substring of its input; `normalize` turns a span into the
//! canonical form stored in `Analysis::urls` and `UrlList`.
//!
//! `UrlList` invariant: `index` maps every live entry's normalised URL to its slot; the live slots
//! form one doubly linked recency list (`head` = most recently seen, `tail` = least); free slots
//! are on `free`. `record` is O(1) expected (one hash lookup plus list splicing), eviction takes
//! the tail. Memory is bounded by `capacity` entries.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::{meta, Input, MatchKind};

use crate::log::enrich::re::build_one;

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

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Slot {
    entry: UrlEntry,
    prev: usize,
    next: usize,
}

/// Bounded list of distinct URLs; when full, the least recently seen entry is dropped.
/// Single-threaded: the log store owns it inside its enrichment state.
#[derive(Debug)]
pub struct UrlList {
    capacity: usize,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    index: HashMap<Vec<u8>, usize>,
    head: usize,
    tail: usize,
}

impl Default for UrlList {
    fn default() -> Self {
        UrlList::new(0)
    }
}

impl UrlList {
    pub fn new(capacity: usize) -> UrlList {
        UrlList {
            capacity,
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::new(),
            head: NIL,
            tail: NIL,
        }
    }

    /// Maximum number of entries kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn slot(&self, i: usize) -> &Slot {
        self.slots[i].as_ref().expect("live url slot")
    }

    fn slot_mut(&mut self, i: usize) -> &mut Slot {
        self.slots[i].as_mut().expect("live url slot")
    }

    fn unlink(&mut self, i: usize) {
        let (prev, next) = {
            let s = self.slot(i);
            (s.prev, s.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.slot_mut(prev).next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slot_mut(next).prev = prev;
        }
    }

    fn push_front(&mut self, i: usize) {
        let old = self.head;
        {
            let s = self.slot_mut(i);
            s.prev = NIL;
            s.next = old;
        }
        if old == NIL {
            self.tail = i;
        } else {
            self.slot_mut(old).prev = i;
        }
        self.head = i;
    }

    /// Records one sighting of an already normalised URL.
    pub fn record(&mut self, url: &[u8], process_id: u64, ts_ns: u64) {
        if self.capacity == 0 {
            return;
        }
        if let Some(&i) = self.index.get(url) {
            {
                let e = &mut self.slot_mut(i).entry;
                e.count = e.count.saturating_add(1);
                e.last_seen_ns = e.last_seen_ns.max(ts_ns);
            }
            if self.head != i {
                self.unlink(i);
                self.push_front(i);
            }
            return;
        }
        if self.index.len() >= self.capacity {
            let victim = self.tail;
            self.unlink(victim);
            let old = self.slots[victim].take().expect("live url slot");
            self.index.remove(&old.entry.url);
            self.free.push(victim);
        }
        let slot = Slot {
            entry: UrlEntry {
                url: url.to_vec(),
                process_id,
                first_seen_ns: ts_ns,
                last_seen_ns: ts_ns,
                count: 1,
            },
            prev: NIL,
            next: NIL,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                self.slots.len() - 1
            }
        };
        self.index.insert(url.to_vec(), i);
        self.push_front(i);
    }

    /// The entries, most recently seen first.
    pub fn list(&self) -> Vec<UrlEntry> {
        let mut out = Vec::with_capacity(self.index.len());
        let mut i = self.head;
        while i != NIL {
            let s = self.slot(i);
            out.push(s.entry.clone());
            i = s.next;
        }
        out
    }

    /// The entry for an already normalised URL.
    pub fn get(&self, url: &[u8]) -> Option<UrlEntry> {
        self.index.get(url).map(|&i| self.slot(i).entry.clone())
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.index.clear();
        self.head = NIL;
        self.tail = NIL;
    }

    /// Drops the entries first printed by `process_id`.
    pub fn clear_process(&mut self, process_id: u64) {
        let mut i = self.head;
        while i != NIL {
            let (next, pid) = {
                let s = self.slot(i);
                (s.next, s.entry.process_id)
            };
            if pid == process_id {
                self.unlink(i);
                let old = self.slots[i].take().expect("live url slot");
                self.index.remove(&old.entry.url);
                self.free.push(i);
            }
            i = next;
        }
    }
}

/// Normalises a URL: lower-case scheme and host, default path `/` so that
/// `http://localhost:3000` and `http://localhost:3000/` are one entry. Idempotent.
///
/// Path, query and fragment are kept byte for byte. Input without `://` is returned unchanged.
pub fn normalize(url: &[u8]) -> Vec<u8> {
    let Some(sep) = find_sub(url, b"://") else {
        return url.to_vec();
    };
    let mut out = Vec::with_capacity(url.len() + 1);
    out.extend(url[..sep].iter().map(u8::to_ascii_lowercase));
    out.extend_from_slice(b"://");
    let rest = &url[sep + 3..];
    let auth_end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let (auth, tail) = rest.split_at(auth_end);
    // Lower-case the host (and port), keep any user info as written.
    let host_start = auth.iter().rposition(|&b| b == b'@').map_or(0, |p| p + 1);
    out.extend_from_slice(&auth[..host_start]);
    out.extend(auth[host_start..].iter().map(u8::to_ascii_lowercase));
    if !tail.starts_with(b"/") {
        out.push(b'/');
    }
    out.extend_from_slice(tail);
    out
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// True when `line` may contain a URL (cheap prefilter: a `://`).
pub fn may_contain_url(line: &[u8]) -> bool {
    // This runs on every append: memchr (SIMD) to each `:`, and no searcher to build.
    let mut i = 0;
    while let Some(p) = memchr::memchr(b':', &line[i..]) {
        let at = i + p;
        if line[at + 1..].starts_with(b"//") {
            return true;
        }
        i = at + 1;
    }
    false
}

/// Scheme, host (a name, an IPv4 address or a bracketed IPv6 literal with an optional zone) and
/// port, as a regex: what [`url_head`] matches by hand (the tests and the `detect` fuzz target
/// check they agree). The rest of the URL (path, query, fragment) is scanned by [`tail_len`],
/// by the URL grammar rather than by a regex class.
const URL_PATTERN: &str = r#"(?i-u)\b(?:https?|wss?)://(?:\[[0-9a-f:.]+(?:%[\w.]+)?\]|[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9_\-])?|[a-z0-9])(?::[0-9]{1,5})?"#;

/// `://`, where every URL head is.
fn url_marker() -> &'static memchr::memmem::Finder<'static> {
    static F: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    F.get_or_init(|| memchr::memmem::Finder::new(b"://"))
}

/// The leftmost match of [`URL_PATTERN`] in `s` starting at or after `at` (the bytes before
/// `at` count for its `\b`), found from each `://` in turn: the scheme before it (at most one
/// of `http`, `https`, `ws`, `wss` ends there, whatever the case), a word boundary before the
/// scheme, then the host and port after it, each the longest its rule allows (no rule has a
/// shorter alternative that a longer one's failure would fall back to).
fn url_head(s: &[u8], at: usize) -> Option<Range<usize>> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = at;
    loop {
        let p = from + url_marker().find(s.get(from..)?)?;
        from = p + 1;
        let ends_with = |w: &[u8]| p >= w.len() && s[p - w.len()..p].eq_ignore_ascii_case(w);
        let scheme = [&b"https"[..], b"http", b"wss", b"ws"]
            .into_iter()
            .find(|w| ends_with(w));
        let Some(start) = scheme.map(|w| p - w.len()) else {
            continue;
        };
        if start < at || (start > 0 && is_word(s[start - 1])) {
            continue;
        }
        let Some(end) = host_end(s, p + 3) else {
            continue;
        };
        // `(?::[0-9]{1,5})?`
        let digits = s.get(end + 1..).map_or(0, |t| {
            t.iter().take(5).take_while(|b| b.is_ascii_digit()).count()
        });
        let end = match s.get(end) {
            Some(b':') if digits > 0 => end + 1 + digits,
            _ => end,
        };
        return Some(start..end);
    }
}

/// Where the host starting at `s[q]` ends: a bracketed IPv6 literal with an optional zone
/// (`\[[0-9a-f:.]+(?:%[\w.]+)?\]`), or a name (`[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9_\-])?`);
/// `None` when neither starts there.
fn host_end(s: &[u8], q: usize) -> Option<usize> {
    let run = |from: usize, ok: fn(&u8) -> bool| {
        s.get(from..)
            .map_or(0, |t| t.iter().take_while(|b| ok(b)).count())
    };
    match *s.get(q)? {
        b'[' => {
            let hex = run(q + 1, |b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'));
            if hex == 0 {
                return None;
            }
            let mut j = q + 1 + hex;
            if s.get(j) == Some(&b'%') {
                let zone = run(j + 1, |b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.')
                });
                if zone == 0 {
                    return None;
                }
                j += 1 + zone;
            }
            (s.get(j) == Some(&b']')).then_some(j + 1)
        }
        b if b.is_ascii_alphanumeric() => {
            let name = run(q + 1, |b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
            });
            // The name cannot end with a dot.
            let dots = s[q + 1..q + 1 + name]
                .iter()
                .rev()
                .take_while(|&&b| b == b'.')
                .count();
            Some(q + 1 + name - dots)
        }
        _ => None,
    }
}

fn url_regex() -> &'static meta::Regex {
    static RE: OnceLock<meta::Regex> = OnceLock::new();
    RE.get_or_init(|| build_one(URL_PATTERN, MatchKind::LeftmostFirst))
}

/// Finds the URLs in an ANSI-stripped line: the trimmed raw spans, in order of appearance.
/// Each span is a sub-range of `stripped`; normalise it with [`normalize`].
///
/// Boundaries: after the authority, a URL runs over the bytes RFC 3986 allows (unreserved,
/// reserved, `%` followed by two hex digits) and over complete non-ASCII UTF-8 characters
/// other than spaces and quotation marks (as browsers show IRIs); it ends at the first other
/// byte (space, control byte, `"`, `<`, `>`, `\`, `^`, a backtick, `{`, `|`, `}`, a `%` not
/// followed by two hex digits, an invalid or cut UTF-8 sequence). A URL right after a `'`
/// also ends at the next `'`. Then trailing punctuation and unbalanced closing brackets are
/// trimmed (see `trim_end`).
pub fn find_urls(stripped: &[u8]) -> Vec<Range<usize>> {
    find_urls_by(stripped, url_head)
}

/// [`find_urls`] with the heads found by the [`URL_PATTERN`] regex instead of [`url_head`]:
/// the reference the tests and the `detect` fuzz target compare `find_urls` with.
#[doc(hidden)]
pub fn find_urls_regex(stripped: &[u8]) -> Vec<Range<usize>> {
    let re = url_regex();
    let mut cache = re.create_cache();
    find_urls_by(stripped, |s, at| {
        re.search_with(&mut cache, &Input::new(s).range(at..))
            .map(|m| m.range())
    })
}

/// The URL finder, with `head(text, at)` finding the next scheme, host and port.
fn find_urls_by(
    stripped: &[u8],
    mut head: impl FnMut(&[u8], usize) -> Option<Range<usize>>,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < stripped.len() {
        let Some(m) = head(stripped, at) else {
            break;
        };
        let start = m.start;
        let quoted = start > 0 && stripped[start - 1] == b'\'';
        let mut end = m.end;
        if matches!(stripped.get(end), Some(b'/' | b'?' | b'#')) {
            end += tail_len(&stripped[end..], quoted);
        }
        let full_end = end;
        let end = trim_end(&stripped[start..end]) + start;
        // A URL needs at least "x://h".
        if let Some(sep) = find_sub(&stripped[start..end], b"://") {
            if end > start + sep + 3 {
                out.push(start..end);
            }
        }
        // The next search starts after the untrimmed URL, as a regex iterator would.
        at = full_end;
    }
    out
}

/// An ASCII byte RFC 3986 allows in a URI (unreserved or reserved; `%` is checked apart).
fn is_uri_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

/// A non-ASCII character a URL path may hold (as browsers display IRIs): anything but
/// Unicode spaces, quotation marks and ideographic full stops and commas, which in a log line
/// end the URL.
fn is_url_char(c: char) -> bool {
    !(c.is_whitespace()
        || matches!(
            c,
            '\u{200b}'..='\u{200d}'
                | '\u{2060}'
                | '\u{feff}'
                | '\u{2018}'..='\u{201f}'
                | '\u{00ab}'
                | '\u{00bb}'
                | '\u{2039}'
                | '\u{203a}'
                | '\u{3001}'
                | '\u{3002}'
                | '\u{300c}'..='\u{300f}'
                | '\u{ff0c}'
        ))
}

/// The complete UTF-8 character at the start of `s` and its length, if `s` starts with one.
fn utf8_char(s: &[u8]) -> Option<(char, usize)> {
    let n = match s.first()? {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(s.get(..n)?).ok()?.chars().next()?;
    Some((c, n))
}

/// Length of the path, query and fragment at the start of `rest` (which starts with `/`, `?`
/// or `#`): the longest prefix the URL grammar allows (see [`find_urls`]).
fn tail_len(rest: &[u8], quoted: bool) -> usize {
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        if b == b'%' {
            let hex = |j: usize| rest.get(j).is_some_and(u8::is_ascii_hexdigit);
            if hex(i + 1) && hex(i + 2) {
                i += 3;
                continue;
            }
            break;
        }
        if b == b'\'' && quoted {
            break;
        }
        if is_uri_byte(b) {
            i += 1;
            continue;
        }
        match utf8_char(&rest[i..]) {
            Some((c, n)) if is_url_char(c) => i += n,
            _ => break,
        }
    }
    i
}

/// Length of `url` after trimming trailing punctuation and unbalanced closing brackets.
///
/// `#[doc(hidden)] pub`: the frozen old URL finder (`lfe_baselines::detect::urls`) trims with it.
#[doc(hidden)]
pub fn trim_end(url: &[u8]) -> usize {
    let mut end = url.len();
    loop {
        let Some(&last) = url[..end].last() else {
            return end;
        };
        let open = match last {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"' => {
                end -= 1;
                continue;
            }
            b')' => b'(',
            b']' => b'[',
            b'}' => b'{',
            b'>' => b'<',
            _ => return end,
        };
        let body = &url[..end];
        let opens = body.iter().filter(|&&b| b == open).count();
        let closes = body.iter().filter(|&&b| b == last).count();
        if closes > opens {
            end -= 1;
        } else {
            return end;
        }
    }
}
