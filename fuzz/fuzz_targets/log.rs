//! The log store in manual-enrichment mode against a `VecDeque` model, single-threaded:
//! sequences dense from 0; lines kept = the newest `capacity`, cut at `max_line_len` (flagged
//! TRUNCATED); cursor reads return the model's visible lines in order with exact `missed`;
//! `tail` and literal `search` equal the model's; `clear`/`clear_process` hide exactly what the
//! model hides; the no-miss guarantee: no line is ever evicted unenriched
//! (`enriched >= appended - capacity` after every append), and every line read below the
//! enrichment cursor carries ENRICHED; after `sync`, every URL of the lines appended since the
//! last `clear` is in the URL list (while the list has room), and nothing else is.
#![no_main]

mod common;
use common::Bytes;
use lfe::log::enrich::{strip_ansi, visible_part};
use lfe::log::urls::{find_urls, normalize};
use lfe::log::{flags, Config, Input, LogStore, Query, Stream};
use libfuzzer_sys::fuzz_target;
use std::collections::{BTreeSet, VecDeque};

const WORDS: [&[u8]; 8] = [
    b"INFO ready",
    b"error: boom",
    b"see http://Host.example:80/a?b",
    b"https://x.y/(z) and http://q.r/",
    b"  at foo (a.js:1:2)",
    b"\x1b[31mERR\x1b[0m <tag> x+y",
    b"plain line with \xff bytes",
    b"",
];

#[derive(Clone)]
struct M {
    seq: u64,
    pid: u64,
    text: Vec<u8>,
    truncated: bool,
    hidden: bool,
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn urls_of(text: &[u8]) -> Vec<Vec<u8>> {
    let s = strip_ansi(text);
    let v = visible_part(&s);
    find_urls(v).into_iter().map(|r| normalize(&v[r])).collect()
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let cap = 1 + b.u8().unwrap_or(0) as usize % 6;
    let max_line_len = 4 + b.u8().unwrap_or(0) as usize % 40;
    let store = LogStore::new(Config {
        capacity: cap,
        max_line_len,
        manual: true,
        url_capacity: 64,
        max_pattern_len: 32,
        ..Default::default()
    })
    .unwrap();
    let mut m: VecDeque<M> = VecDeque::new();
    let mut head = 0u64;
    let mut cursor = 0u64;
    let mut urls: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut urls_exact = true; // false after clear_process (its URL rules are not modelled)
    let push = |m: &mut VecDeque<M>, head: &mut u64, pid: u64, text: &[u8]| {
        // The cut backs off over a split UTF-8 character (the function has its own tests).
        let t = lfe::log::truncate_at_char(text, max_line_len);
        m.push_back(M {
            seq: *head,
            pid,
            text: t.to_vec(),
            truncated: text.len() > max_line_len,
            hidden: false,
        });
        *head += 1;
        if m.len() > cap {
            m.pop_front();
        }
        t.to_vec()
    };
    while let Some(op) = b.u8() {
        match op % 9 {
            0 | 1 => {
                let pid = u64::from(b.u8().unwrap_or(0) % 3);
                let mut text = b.word(&WORDS).unwrap_or(b"").to_vec();
                text.extend_from_slice(b.bytes(8).unwrap_or(&[]));
                let seq = store.append(pid, Stream::Stdout, 1 + head, &text);
                assert_eq!(seq, head, "sequences are dense");
                let t = push(&mut m, &mut head, pid, &text);
                urls.extend(urls_of(&t));
            }
            2 => {
                let n = b.u8().unwrap_or(0) as usize % 4;
                let texts: Vec<Vec<u8>> = (0..n)
                    .map(|_| b.word(&WORDS).unwrap_or(b"").to_vec())
                    .collect();
                let inputs: Vec<Input<'_>> = texts
                    .iter()
                    .map(|t| Input {
                        process_id: 1,
                        stream: Stream::Stderr,
                        ts_ns: 1 + head,
                        text: t,
                    })
                    .collect();
                let r = store.append_batch(&inputs);
                assert_eq!(r, head..head + n as u64);
                for t in &texts {
                    let t = push(&mut m, &mut head, 1, t);
                    urls.extend(urls_of(&t));
                }
            }
            3 => drop(store.enrich(b.u8().unwrap_or(0) as usize % 4)),
            4 => {
                store.sync();
                let got: BTreeSet<Vec<u8>> = store.urls().into_iter().map(|u| u.url).collect();
                if urls_exact && urls.len() <= 64 {
                    assert_eq!(got, urls, "URL list after sync");
                }
            }
            5 => {
                let max = b.u8().unwrap_or(0) as usize % 5;
                let r = store
                    .read(cursor, max)
                    .expect("the model's cursor is never past the end");
                let oldest = head.saturating_sub(cap as u64);
                let start = cursor.max(oldest);
                if max > 0 {
                    assert_eq!(r.missed, start - cursor, "missed");
                    let want: Vec<&M> = m
                        .iter()
                        .filter(|l| l.seq >= start && !l.hidden)
                        .take(max)
                        .collect();
                    assert_eq!(r.lines.len(), want.len(), "read count");
                    for (g, w) in r.lines.iter().zip(&want) {
                        assert_eq!((g.seq, g.process_id, &g.text), (w.seq, w.pid, &w.text));
                        assert_eq!(g.flags & flags::TRUNCATED != 0, w.truncated);
                    }
                    assert!(r.next <= head && r.next >= start);
                    if let Some(l) = r.lines.last() {
                        assert!(r.next > l.seq);
                    }
                    cursor = r.next;
                } else {
                    assert!(r.lines.is_empty());
                }
            }
            6 => {
                let n = b.u8().unwrap_or(0) as usize % 5;
                let pid = match b.u8().unwrap_or(0) % 4 {
                    3 => None,
                    p => Some(u64::from(p)),
                };
                let got: Vec<u64> = store.tail(n, pid).iter().map(|l| l.seq).collect();
                let vis: Vec<u64> = m
                    .iter()
                    .filter(|l| !l.hidden && pid.is_none_or(|p| p == l.pid))
                    .map(|l| l.seq)
                    .collect();
                let want = vis[vis.len().saturating_sub(n)..].to_vec();
                assert_eq!(got, want, "tail({n}, {pid:?})");
            }
            7 => {
                // Literal search, case-sensitive: the model is a substring test.
                let limit = b.u8().unwrap_or(0) as usize % 4;
                let pat = b.bytes(6).unwrap_or(&[]);
                let q = Query {
                    pattern: pat,
                    literal: true,
                    limit,
                    ..Default::default()
                };
                let got: Vec<u64> = store
                    .search(&q)
                    .expect("a literal always compiles")
                    .iter()
                    .map(|l| l.seq)
                    .collect();
                let vis: Vec<u64> = m
                    .iter()
                    .filter(|l| !l.hidden && contains(&l.text, pat))
                    .map(|l| l.seq)
                    .collect();
                let want = if limit == 0 {
                    vis
                } else {
                    vis[vis.len().saturating_sub(limit)..].to_vec()
                };
                assert_eq!(
                    got,
                    want,
                    "literal search for {:?}",
                    String::from_utf8_lossy(pat)
                );
            }
            _ => {
                if b.u8().unwrap_or(0) % 2 == 0 {
                    store.clear();
                    for l in m.iter_mut() {
                        l.hidden = true;
                    }
                    urls.clear();
                    urls_exact = true;
                } else {
                    let pid = u64::from(b.u8().unwrap_or(0) % 3);
                    store.clear_process(pid);
                    for l in m.iter_mut().filter(|l| l.pid == pid) {
                        l.hidden = true;
                    }
                    urls_exact = false;
                }
            }
        }
        let st = store.stats();
        assert_eq!(st.appended, head);
        assert!(
            st.enriched + cap as u64 >= head,
            "a line was evicted unenriched: {st:?}"
        );
        assert_eq!(st.evicted, head.saturating_sub(cap as u64));
        for l in store.read(0, usize::MAX).unwrap().lines {
            if l.seq < st.enriched {
                assert!(
                    l.flags & flags::ENRICHED != 0,
                    "line {} below the cursor not enriched",
                    l.seq
                );
            }
        }
    }
});
