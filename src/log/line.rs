//! A stored line ([`Line`]): its text (inline when short), its flags and the cell through
//! which its analysis goes from the analyser to the applier, then its URL list
//! ([`AnalysisCell`]). See the module docs of `log` for who writes what and when.

use super::*;

/// A line as stored in the ring. Level, tags and flags are set by the enricher after publish.
#[derive(Debug)]
pub(super) struct Line {
    pub(super) ts_ns: u64,
    pub(super) process_id: u64,
    pub(super) stream: Stream,
    /// A `Level` as u32 (`crate::sync` has no AtomicU8).
    pub(super) level: AtomicU32,
    pub(super) tags: AtomicU32,
    pub(super) flags: AtomicU32,
    pub(super) text: Text,
    /// The detectors' result, computed once by whichever thread claims the line first (see
    /// `analyze_some`) and taken by the applier, which applies it in sequence order under the
    /// enrichment mutex and frees it there, off the append path. Then the line's URL list,
    /// if it has URLs (stored by the applier, read by `line_urls`).
    pub(super) analysis: AnalysisCell,
}

impl Line {
    /// Claims the line's analysis for the calling thread; false if another thread claimed it.
    pub(super) fn claim(&self) -> bool {
        // Relaxed: the claim bit only avoids duplicate work; the result itself is handed over
        // through the analysis cell (Release/Acquire).
        self.flags.fetch_or(flags::CLAIMED, Ordering::Relaxed) & flags::CLAIMED == 0
    }
}

/// Bytes of a line kept inside the line itself; longer lines get their own allocation.
pub(super) const INLINE_TEXT: usize = 94;

/// A line's bytes. Short lines (most log lines) are stored inline, so an append makes one
/// allocation instead of two and an eviction frees one.
pub(super) enum Text {
    Inline { len: u8, buf: [u8; INLINE_TEXT] },
    Heap(Box<[u8]>),
}

impl Text {
    /// The line's text; `Error::NoMem` when a long line's allocation fails.
    pub(super) fn new(b: &[u8]) -> Result<Text> {
        if let Some((len, buf)) = crate::inline::copy::<INLINE_TEXT>(b) {
            return Ok(Text::Inline { len, buf });
        }
        let mut v = Vec::new();
        v.try_reserve_exact(b.len()).map_err(|_| Error::NoMem)?;
        v.extend_from_slice(b);
        Ok(Text::Heap(v.into_boxed_slice()))
    }

    /// Bytes on the heap (0 for an inline text).
    fn heap_bytes(&self) -> usize {
        match self {
            Text::Inline { .. } => 0,
            Text::Heap(b) => b.len(),
        }
    }
}

/// Bytes a line owns on the heap besides its ring entry (the ring's byte accounting): its
/// text and, for a line that may have URLs, the room its URL list may take.
pub(super) fn line_heap_bytes(line: &Line) -> usize {
    // Relaxed: URL_ROOM is set before the line is shared and never changes.
    let room = if line.flags.load(Ordering::Relaxed) & flags::URL_ROOM != 0 {
        url_room(line.text.len())
    } else {
        0
    };
    line.text.heap_bytes() + room
}

/// Bytes a line of `len` bytes may hold for its URL list ([`LineUrls`]): the list's handle plus
/// its encoding, which is kept within `len + URL_SLACK` bytes.
fn url_room(len: usize) -> usize {
    std::mem::size_of::<LineUrls>() + len + URL_SLACK
}

/// Slack of a line's URL list over the line's length: normalising adds a `/` to a URL
/// without a path, and each URL costs a length prefix (one byte under 128 bytes).
pub(super) const URL_SLACK: usize = 16;

/// The URLs of one line, kept with the line once it is enriched: the normalised URLs in order
/// of appearance, each as a LEB128 length and its bytes, in one allocation of at most the
/// line's length plus [`URL_SLACK`] bytes (URLs that would go over are left out of the line's
/// list; the store-wide list still has them).
#[derive(Debug)]
pub(super) struct LineUrls(Box<[u8]>);

impl LineUrls {
    /// The list for `urls` within `room` bytes of encoding (`None` when none fits).
    pub(super) fn new(urls: &[Vec<u8>], room: usize) -> Option<LineUrls> {
        let mut buf = Vec::new();
        for u in urls {
            let mut head = [0u8; 10];
            let mut n = 0;
            let mut v = u.len();
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                head[n] = if v == 0 { b } else { b | 0x80 };
                n += 1;
                if v == 0 {
                    break;
                }
            }
            if buf.len() + n + u.len() > room {
                break;
            }
            if buf.try_reserve(n + u.len()).is_err() {
                break;
            }
            buf.extend_from_slice(&head[..n]);
            buf.extend_from_slice(u);
        }
        (!buf.is_empty()).then(|| LineUrls(buf.into_boxed_slice()))
    }

    /// The URLs, in order.
    pub(super) fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let b = &self.0;
        let mut i = 0;
        while i < b.len() {
            let mut len = 0usize;
            let mut shift = 0;
            while let Some(&x) = b.get(i) {
                i += 1;
                len |= ((x & 0x7f) as usize) << shift;
                shift += 7;
                if x & 0x80 == 0 {
                    break;
                }
            }
            let end = (i + len).min(b.len());
            out.push(b[i..end].to_vec());
            i = end;
        }
        out
    }
}

impl std::ops::Deref for Text {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Text::Inline { len, buf } => &buf[..*len as usize],
            Text::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

/// What the analyser computes for a line, off the enrichment mutex, for the applier: the
/// detectors' result and what the error grouper needs of the text ([`LineShape`]), so the
/// applier neither strips nor classifies the text again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Analysed {
    pub(super) a: enrich::Analysis,
    pub(super) shape: LineShape,
}

/// A line's analysis, then its URL list: an analysis is stored at most once (the first `set`
/// wins) by an analyser and taken by the applier; then the applier may store the line's URL
/// list ([`LineUrls`]), which stays until the line is dropped. Only `set`, `is_set`, `take`,
/// `set_urls` and `urls` exist, so no thread ever holds a reference into an analysis: the
/// applier owns what it takes. A reference to the URL list is only lent to a reader of the
/// line (the ring keeps the line alive while it is read), and the list is freed only when the
/// line is dropped.
///
/// Most lines carry no URL, and their analysis is a handful of small fields: those are packed
/// into the word itself (an odd address, made without provenance and never dereferenced), so
/// analysing and applying them allocates and frees nothing. An analysis with URLs is boxed (an
/// even, real address, low bits `00`). A URL list is a box tagged with bit 1 (low bits `10`;
/// both boxes are 8-byte aligned). Profiles of a flood had malloc/free at about a fifth of the
/// time, much of it the per-line box (allocated by the analyser, freed by the applier on
/// another core).
#[derive(Debug)]
pub(super) struct AnalysisCell(AtomicPtr<Analysed>);

/// Tag of a word holding a `Box<LineUrls>`.
const URLS_TAG: usize = 2;
/// Bit where the shape starts in a packed word, and where the tags start.
const SHAPE_SHIFT: usize = 8;
const TAGS_SHIFT: usize = 14;

/// Packs an analysis without URLs into an odd word: bit 0 set, level in bits 1-3, error kind
/// in bits 4-6, continuation in bit 7, shape in bits 8-13, tags from bit 14.
fn pack(x: &Analysed) -> Option<usize> {
    let a = &x.a;
    if !a.urls.is_empty() || a.tags > (u32::MAX >> TAGS_SHIFT) {
        return None;
    }
    let e = a.error.map_or(0, |k| k as usize);
    Some(
        1 | (a.level as usize) << 1
            | e << 4
            | (a.continuation as usize) << 7
            | (x.shape.bits() as usize) << SHAPE_SHIFT
            | (a.tags as usize) << TAGS_SHIFT,
    )
}

fn unpack(v: usize) -> Analysed {
    Analysed {
        a: enrich::Analysis {
            level: level_from_u8((v >> 1 & 7) as u8),
            tags: (v >> TAGS_SHIFT) as u32,
            urls: Vec::new(),
            error: enrich::ErrorKind::from_u8((v >> 4 & 7) as u8),
            continuation: v >> 7 & 1 == 1,
        },
        shape: LineShape::from_bits((v >> SHAPE_SHIFT & 0x3f) as u8),
    }
}

/// True for a word holding a URL list.
fn is_urls(p: *mut Analysed) -> bool {
    p.addr() & 3 == URLS_TAG
}

impl AnalysisCell {
    pub(super) fn new() -> Self {
        AnalysisCell(AtomicPtr::new(std::ptr::null_mut()))
    }

    pub(super) fn is_set(&self) -> bool {
        // Relaxed: a hint only; the value is handed over by `take`'s Acquire.
        !self.0.load(Ordering::Relaxed).is_null()
    }

    /// Stores `a` unless a value is already stored (then `a` is dropped).
    pub(super) fn set(&self, a: Analysed) {
        let p = match pack(&a) {
            Some(v) => std::ptr::without_provenance_mut(v),
            None => Box::into_raw(Box::new(a)),
        };
        // Release: publishes the analysis to the thread that takes it. Relaxed on failure:
        // nothing is read.
        if self
            .0
            .compare_exchange(
                std::ptr::null_mut(),
                p,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            drop(Self::own(p));
        }
    }

    /// Takes the stored analysis, if any (never a URL list).
    pub(super) fn take(&self) -> Option<Analysed> {
        // Acquire: pairs with `set`'s Release, so a boxed analysis is fully visible.
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur.is_null() || is_urls(cur) {
                return None;
            }
            // Acquire: as above. Failure: the value changed, look again.
            match self.0.compare_exchange_weak(
                cur,
                std::ptr::null_mut(),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Self::own(cur)),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Stores the line's URL list (the applier, once the line is applied). A value left in
    /// the cell (a late analyser's result, computed twice) is dropped; a URL list already
    /// stored stays, and `urls` is dropped.
    pub(super) fn set_urls(&self, urls: LineUrls) {
        let p = Box::into_raw(Box::new(urls)).cast::<Analysed>();
        let p = p.map_addr(|a| a | URLS_TAG);
        // Relaxed: the cell's previous value is only dropped (an analysis owns nothing shared)
        // or kept.
        let mut cur = self.0.load(Ordering::Relaxed);
        loop {
            if is_urls(cur) {
                drop(Self::own_urls(p));
                return;
            }
            // Release: publishes the list to readers that load it with Acquire. Acquire: a
            // boxed analysis replaced here is freed by this thread.
            match self
                .0
                .compare_exchange_weak(cur, p, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    if !cur.is_null() {
                        drop(Self::own(cur));
                    }
                    return;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// The line's URL list, once the applier stored it.
    pub(super) fn urls(&self) -> Option<&LineUrls> {
        // Acquire: pairs with `set_urls`' Release.
        let p = self.0.load(Ordering::Acquire);
        if !is_urls(p) {
            return None;
        }
        // SAFETY: a word tagged URLS_TAG came from `Box::into_raw` in `set_urls`; such a word
        // is never replaced (`set` and `set_urls` only replace other values, `take` leaves it),
        // so the box lives until the cell is dropped, which needs `&mut self`: it outlives the
        // `&self` borrow this reference is tied to.
        Some(unsafe { &*p.map_addr(|a| a & !URLS_TAG).cast::<LineUrls>() })
    }

    /// The analysis a non-null analysis word stands for; the caller owns the word (a box it
    /// frees).
    fn own(p: *mut Analysed) -> Analysed {
        if p.addr() & 1 == 1 {
            unpack(p.addr())
        } else {
            debug_assert!(!is_urls(p));
            // SAFETY: an even non-null word without the URL tag came from `Box::into_raw` in
            // `set`, and the caller is its only owner (the CAS in `take`, a `set` whose CAS
            // failed, or the CAS in `set_urls` that replaced it).
            *unsafe { Box::from_raw(p) }
        }
    }

    /// The URL list a tagged word stands for; the caller owns the word.
    fn own_urls(p: *mut Analysed) -> LineUrls {
        // SAFETY: the word came from `Box::into_raw` of a `LineUrls` in `set_urls`, tagged
        // with URLS_TAG, and the caller is its only owner (a `set_urls` that lost, or drop).
        *unsafe { Box::from_raw(p.map_addr(|a| a & !URLS_TAG).cast::<LineUrls>()) }
    }
}

impl Drop for AnalysisCell {
    fn drop(&mut self) {
        let p = self.0.swap(std::ptr::null_mut(), Ordering::Acquire);
        if is_urls(p) {
            drop(Self::own_urls(p));
        } else if !p.is_null() {
            drop(Self::own(p));
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use enrich::{Analysis, ErrorKind};

    /// Every analysis without URLs round-trips through the packed word; one with URLs is
    /// boxed; a second `set` loses and its value is dropped (no leak under ASan/valgrind).
    #[test]
    fn analysis_cell_packs_and_boxes() {
        let levels = Level::ALL;
        let errors = (0..=7u8).map(ErrorKind::from_u8);
        let mut n = 0;
        for error in errors {
            for level in levels {
                for continuation in [false, true] {
                    for tags in [
                        0,
                        enrich::tags::ALL,
                        enrich::tags::TEST | enrich::tags::ERROR,
                    ] {
                        for shape in [0, LineShape::ALL, LineShape::HEADER | LineShape::COLON] {
                            let a = Analysed {
                                a: Analysis {
                                    level,
                                    tags,
                                    urls: Vec::new(),
                                    error,
                                    continuation,
                                },
                                shape: LineShape::from_bits(shape),
                            };
                            let c = AnalysisCell::new();
                            assert!(!c.is_set());
                            c.set(a.clone());
                            assert!(c.is_set());
                            assert_eq!(c.0.load(Ordering::Relaxed).addr() & 1, 1, "{a:?} packed");
                            assert!(c.urls().is_none());
                            assert_eq!(c.take(), Some(a));
                            assert_eq!(c.take(), None);
                            n += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(n, 8 * 6 * 2 * 3 * 3);
        let with_url = Analysed {
            a: Analysis {
                level: Level::Info,
                urls: vec![b"http://localhost:3000/".to_vec()],
                ..Analysis::default()
            },
            shape: LineShape::default(),
        };
        let c = AnalysisCell::new();
        c.set(with_url.clone());
        assert_eq!(c.0.load(Ordering::Relaxed).addr() & 3, 0, "boxed");
        // The first set wins; the second (boxed or packed) is dropped.
        c.set(with_url.clone());
        c.set(Analysed::default());
        assert_eq!(c.take(), Some(with_url.clone()));
        c.set(with_url);
        drop(c); // frees the box
    }

    /// The URL list replaces a late analysis, is never taken or replaced, and is freed with
    /// the cell; its encoding round-trips and stays within its room.
    #[test]
    fn analysis_cell_keeps_urls() {
        let urls = vec![
            b"http://localhost:3000/".to_vec(),
            vec![b'x'; 300],
            b"ws://[::1]:24678/".to_vec(),
        ];
        let l = LineUrls::new(&urls, 1000).unwrap();
        assert_eq!(l.to_vec(), urls);
        assert!(l.0.len() <= 22 + 1 + 300 + 2 + 17 + 1);
        // Only what fits in the room, in order.
        assert_eq!(LineUrls::new(&urls, 30).unwrap().to_vec(), &urls[..1]);
        assert!(LineUrls::new(&urls, 5).is_none());

        let c = AnalysisCell::new();
        c.set(Analysed::default()); // a late analyser's result
        c.set_urls(LineUrls::new(&urls, 1000).unwrap());
        assert_eq!(c.urls().unwrap().to_vec(), urls);
        assert_eq!(c.take(), None);
        c.set(Analysed::default());
        c.set_urls(LineUrls::new(&urls[..1], 1000).unwrap());
        assert_eq!(c.urls().unwrap().to_vec(), urls, "the first list stays");
        assert!(c.is_set());
        drop(c); // frees the list
    }
}
