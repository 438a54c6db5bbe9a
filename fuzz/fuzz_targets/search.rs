//! Search patterns: any bytes as a regex or a literal, case-sensitive or not, over a few stored
//! lines. No panic; the outcome is Ok, `BadPattern` (regex mode only: a literal always
//! compiles) or `TooLarge` (exactly when the pattern is over `max_pattern_len`); compile and
//! match time is bounded (regex-automata is linear-time and the NFA size is capped: libFuzzer's
//! -timeout catches a slow unit); a literal search for ASCII text finds exactly the lines that
//! contain it (ASCII case folding when case-insensitive).
#![no_main]

use lfe::log::{Config, LogStore, Query, Stream};
use lfe::Error;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const MAX_PATTERN: usize = 256;
const LINES: [&[u8]; 6] = [
    b"INFO server listening on http://localhost:3000/",
    b"error[E0308]: mismatched types <tag> a+b (x) [y] {z} ^$ | \\ . * ?",
    b"WARN  disk 91% full ~ # & - _ ' \" ` @ ! % , ; : = /",
    b"\xff\xfe binary \x00 bytes",
    b"Stra\xc3\x9fe caf\xc3\xa9 KELVIN \xe2\x84\xaa",
    b"",
];

fn store() -> &'static LogStore {
    static S: OnceLock<LogStore> = OnceLock::new();
    S.get_or_init(|| {
        let s = LogStore::new(Config {
            capacity: 16,
            manual: true,
            max_pattern_len: MAX_PATTERN,
            ..Default::default()
        })
        .unwrap();
        for (i, l) in LINES.iter().enumerate() {
            s.append(i as u64, Stream::Stdout, 1, l);
        }
        s.sync();
        s
    })
}

fn lower(b: &[u8]) -> Vec<u8> {
    b.to_ascii_lowercase()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, pat)) = data.split_first() else {
        return;
    };
    let q = Query {
        pattern: pat,
        literal: mode & 1 != 0,
        case_insensitive: mode & 2 != 0,
        ..Default::default()
    };
    match store().search(&q) {
        Ok(lines) => {
            assert!(pat.len() <= MAX_PATTERN);
            if q.literal && pat.is_ascii() {
                let got: Vec<u64> = lines.iter().map(|l| l.process_id).collect();
                let want: Vec<u64> = LINES
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| {
                        if q.case_insensitive {
                            // ASCII pattern: Unicode simple case folding only adds non-ASCII
                            // matches (K -> KELVIN SIGN, s -> long s), so check inclusion.
                            contains(&lower(l), &lower(pat))
                        } else {
                            contains(l, pat)
                        }
                    })
                    .map(|(i, _)| i as u64)
                    .collect();
                if q.case_insensitive {
                    assert!(
                        want.iter().all(|w| got.contains(w)),
                        "literal {pat:?} ci: {got:?} vs {want:?}"
                    );
                } else {
                    assert_eq!(
                        got,
                        want,
                        "literal search {:?}",
                        String::from_utf8_lossy(pat)
                    );
                }
            }
        }
        Err(Error::TooLarge) => assert!(pat.len() > MAX_PATTERN),
        Err(Error::BadPattern(_)) => assert!(!q.literal, "a literal failed to compile: {pat:?}"),
        Err(e) => panic!("undocumented search error {e:?}"),
    }
});
