//! The set pass: which of the detector's patterns match anywhere in a line.

use std::ops::Range;

use regex_automata::{hybrid, Input};

use super::patterns::SET_LEN;
use super::scratch::Scratch;
use super::Detector;

/// Which set patterns the set pass found: bit `i` for pattern `i`.
#[derive(Clone, Copy)]
pub(super) struct Hits(pub(super) u64);

const _: () = assert!(SET_LEN <= 64, "the set hits are a u64");

impl Hits {
    pub(super) fn has(self, i: usize) -> bool {
        self.0 >> i & 1 != 0
    }

    /// The hits in `r` (still at their own bit positions).
    pub(super) fn within(self, r: Range<usize>) -> u64 {
        self.0 & (((1u64 << (r.end - r.start)) - 1) << r.start)
    }

    /// The first pattern in `r` that matched.
    pub(super) fn first(self, r: Range<usize>) -> Option<usize> {
        let m = self.within(r);
        (m != 0).then(|| m.trailing_zeros() as usize)
    }

    pub(super) fn any(self, r: Range<usize>) -> bool {
        self.within(r) != 0
    }

    pub(super) fn count(self, r: Range<usize>) -> u32 {
        self.within(r).count_ones()
    }
}

impl Detector {
    /// Fills `c.hits` with the set patterns that match anywhere in `text`: what
    /// `which_overlapping_matches` reports, by a plain loop over the lazy DFA's transitions
    /// (with `MatchKind::All` and an unanchored start, the match states visited name every
    /// pattern that matches somewhere). Should the lazy DFA give up (a quit state or a cache
    /// that keeps filling), the meta regex does the same search with its fallbacks.
    pub(super) fn set_pass(&self, text: &[u8], c: &mut Scratch) -> Hits {
        if let Ok(h) = self.set_dfa_pass(text, c) {
            return h;
        }
        c.hits.clear();
        self.set
            .which_overlapping_matches_with(&mut c.set, &Input::new(text), &mut c.hits);
        Hits(c.hits.iter().fold(0, |m, p| m | 1 << p.as_usize()))
    }

    pub(super) fn set_dfa_pass(&self, text: &[u8], c: &mut Scratch) -> Result<Hits, ()> {
        let dfa = &self.set_dfa;
        let cache = &mut c.set_dfa;
        let mut hits = 0u64;
        let note = |cache: &mut hybrid::dfa::Cache, sid: hybrid::LazyStateID, hits: &mut u64| {
            for i in 0..dfa.match_len(cache, sid) {
                *hits |= 1 << dfa.match_pattern(cache, sid, i).as_usize();
            }
        };
        let mut sid = dfa
            .start_state_forward(cache, &Input::new(text))
            .map_err(drop)?;
        let (n, mut at) = (text.len(), 0);
        loop {
            if !sid.is_tagged() {
                // The hot loop: cached transitions between plain states (the cache is only
                // read here, so its table stays in registers).
                let cache: &hybrid::dfa::Cache = cache;
                // Four bytes a round while none of them leaves the plain states (most of a
                // line), then byte by byte up to the first transition that does.
                while at + 4 <= n {
                    let b = &text[at..at + 4];
                    // SAFETY: `sid` is untagged (checked above, or an untagged result below)
                    // and came from this cache, which is not modified in this loop: each
                    // call's `current` is a valid untagged state of `cache`, as
                    // `next_state_untagged_unchecked` requires.
                    let s1 = unsafe { dfa.next_state_untagged_unchecked(cache, sid, b[0]) };
                    if s1.is_tagged() {
                        break;
                    }
                    // SAFETY: as above (`s1` is an untagged state of `cache`).
                    let s2 = unsafe { dfa.next_state_untagged_unchecked(cache, s1, b[1]) };
                    if s2.is_tagged() {
                        sid = s1;
                        at += 1;
                        break;
                    }
                    // SAFETY: as above.
                    let s3 = unsafe { dfa.next_state_untagged_unchecked(cache, s2, b[2]) };
                    if s3.is_tagged() {
                        sid = s2;
                        at += 2;
                        break;
                    }
                    // SAFETY: as above.
                    let s4 = unsafe { dfa.next_state_untagged_unchecked(cache, s3, b[3]) };
                    if s4.is_tagged() {
                        sid = s3;
                        at += 3;
                        break;
                    }
                    sid = s4;
                    at += 4;
                }
                while at < n {
                    let next = dfa.next_state_untagged(cache, sid, text[at]);
                    if next.is_tagged() {
                        break;
                    }
                    sid = next;
                    at += 1;
                }
            }
            if at >= n {
                break;
            }
            // A transition to a special state (or one not computed yet), or out of a match
            // state: the full step.
            sid = dfa.next_state(cache, sid, text[at]).map_err(drop)?;
            at += 1;
            if sid.is_tagged() {
                if sid.is_match() {
                    note(cache, sid, &mut hits);
                } else if sid.is_dead() {
                    return Ok(Hits(hits));
                } else if sid.is_quit() {
                    return Err(());
                }
            }
        }
        sid = dfa.next_eoi_state(cache, sid).map_err(drop)?;
        if sid.is_match() {
            note(cache, sid, &mut hits);
        } else if sid.is_quit() {
            return Err(());
        }
        Ok(Hits(hits))
    }
}
