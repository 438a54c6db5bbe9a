//! The set pass: which of the detector's patterns match anywhere in a line.

use std::ops::Range;

use std::hash::{Hash, Hasher};

use regex_automata::{hybrid, hybrid::LazyStateID, Input};

use super::patterns::SET_LEN;
use super::scratch::Search;
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
}

/// How a pass of the set's lazy DFA ended.
pub(super) enum Pass {
    /// It read the whole text: these patterns match.
    Hits(Hits),
    /// It stopped at an ESC (the DFA's quit byte: the text needs stripping).
    Esc(Stop),
    /// The lazy DFA gave up (its cache keeps filling).
    GaveUp,
}

/// Where a set pass stopped at an ESC: its offset, and the DFA's state before it with the hits
/// so far (`None`: not started). The stripped text is the same up to the first ESC, so its pass
/// goes on from there ([`Detector::set_dfa_resume`]).
#[derive(Clone, Copy)]
pub(super) struct Stop {
    pub(super) at: usize,
    state: Option<(LazyStateID, u64)>,
}

impl Stop {
    /// An ESC at `at` that no pass has reached.
    pub(super) fn unscanned(at: usize) -> Stop {
        Stop { at, state: None }
    }
}

impl Detector {
    /// The set patterns that match anywhere in `text`: what `which_overlapping_matches`
    /// reports, by a plain loop over the lazy DFA's transitions (with `MatchKind::All` and an
    /// unanchored start, the match states visited name every pattern that matches somewhere).
    /// Should the lazy DFA stop (an ESC, its quit byte: not in stripped text; or a cache that
    /// keeps filling), the meta regex does the same search with its fallbacks.
    pub(super) fn set_pass(&self, text: &[u8], c: &mut Search) -> Hits {
        match self.set_dfa_pass(text, c) {
            Pass::Hits(h) => h,
            Pass::Esc(_) | Pass::GaveUp => {
                c.hits.clear();
                self.set
                    .which_overlapping_matches_with(&mut c.set, &Input::new(text), &mut c.hits);
                Hits(c.hits.iter().fold(0, |m, p| m | 1 << p.as_usize()))
            }
        }
    }

    /// The set pass by the lazy DFA alone (see [`Pass`]). Inlined into its two callers (the
    /// raw line, the stripped text): one call a pass.
    #[inline(always)]
    pub(super) fn set_dfa_pass(&self, text: &[u8], c: &mut Search) -> Pass {
        let (dfa, cache, masks) = (&self.set_dfa, &mut c.set_dfa, &mut c.match_masks);
        // Every search starts at the start of its text: always the same start state.
        masks.sync(cache);
        let sid = match masks.start {
            Some(sid) => sid,
            None => {
                let Ok(sid) = dfa.start_state_forward(cache, &Input::new(text)) else {
                    return Pass::GaveUp;
                };
                masks.sync(cache);
                masks.start = Some(sid);
                sid
            }
        };
        self.set_dfa_run(text, 0, sid, 0, c)
    }

    /// The set pass over `text`, the stripped form of a line whose pass stopped at `stop`: it
    /// goes on from there (the text before the first ESC is the same).
    pub(super) fn set_dfa_resume(&self, text: &[u8], stop: Stop, c: &mut Search) -> Pass {
        match stop.state {
            Some((sid, hits)) => self.set_dfa_run(text, stop.at, sid, hits, c),
            None => self.set_dfa_pass(text, c),
        }
    }

    /// The set pass from `text[at]` on, in state `sid` (reached over `text[..at]`, where the
    /// patterns in `hits` matched).
    #[inline(always)]
    fn set_dfa_run(
        &self,
        text: &[u8],
        mut at: usize,
        mut sid: LazyStateID,
        mut hits: u64,
        c: &mut Search,
    ) -> Pass {
        let (dfa, cache, masks) = (&self.set_dfa, &mut c.set_dfa, &mut c.match_masks);
        let n = text.len();
        loop {
            if !sid.is_tagged() {
                // The hot loop: cached transitions between plain states (the cache is only
                // read here, so its table stays in registers). Eight bytes a round while none
                // of them leaves the plain states (most of a line); a round that meets a
                // transition that does stops before it, for the full step below.
                let cache: &hybrid::dfa::Cache = cache;
                let step = |sid, b| {
                    // SAFETY: every `sid` passed here is untagged (checked above, or an
                    // untagged result of this closure) and came from this cache, which is not
                    // modified in this loop: a valid untagged state of `cache`, as
                    // `next_state_untagged_unchecked` requires.
                    unsafe { dfa.next_state_untagged_unchecked(cache, sid, b) }
                };
                let mut stopped = false;
                'rounds: for b in text[at..].chunks_exact(8) {
                    let mut s = sid;
                    for (k, &byte) in b.iter().enumerate() {
                        let next = step(s, byte);
                        if next.is_tagged() {
                            (sid, at, stopped) = (s, at + k, true);
                            break 'rounds;
                        }
                        s = next;
                    }
                    (sid, at) = (s, at + 8);
                }
                if !stopped {
                    for &b in &text[at..] {
                        let next = step(sid, b);
                        if next.is_tagged() {
                            break;
                        }
                        (sid, at) = (next, at + 1);
                    }
                }
            }
            if at >= n {
                break;
            }
            // A transition to a special state (or one not computed yet), or out of a match
            // state: the full step.
            let clears = cache.clear_count();
            let Ok(next) = dfa.next_state(cache, sid, text[at]) else {
                return Pass::GaveUp;
            };
            if next.is_quit() {
                // The only quit byte is ESC. (`sid` is stale if that step cleared the cache:
                // the pass over the stripped text then starts afresh.)
                return match text[at] {
                    0x1b if cache.clear_count() == clears => Pass::Esc(Stop {
                        at,
                        state: Some((sid, hits)),
                    }),
                    0x1b => Pass::Esc(Stop::unscanned(at)),
                    _ => Pass::GaveUp,
                };
            }
            (sid, at) = (next, at + 1);
            if sid.is_tagged() {
                if sid.is_match() {
                    hits |= masks.get(dfa, cache, sid);
                } else if sid.is_dead() {
                    return Pass::Hits(Hits(hits));
                }
            }
        }
        let Ok(sid) = dfa.next_eoi_state(cache, sid) else {
            return Pass::GaveUp;
        };
        if sid.is_match() {
            hits |= masks.get(dfa, cache, sid);
        } else if sid.is_quit() {
            return Pass::GaveUp;
        }
        Pass::Hits(Hits(hits))
    }
}

/// What the set pass remembers of the lazy DFA between lines: its start state, and the
/// patterns of the match states met so far as bit masks (a match state costs one probe of a
/// small direct-mapped table instead of a walk of its pattern list). Forgotten when the DFA
/// cache is cleared (state IDs are reused then).
pub(super) struct MatchMasks {
    clears: usize,
    start: Option<LazyStateID>,
    /// `(state, mask)`; a free slot holds the default ID, which is never a match state.
    slots: Box<[(LazyStateID, u64)]>,
}

const MASK_SLOTS_LOG2: u32 = 10;

impl MatchMasks {
    pub(super) fn new() -> MatchMasks {
        MatchMasks {
            clears: 0,
            start: None,
            slots: vec![(LazyStateID::default(), 0); 1 << MASK_SLOTS_LOG2].into_boxed_slice(),
        }
    }

    /// Forgets every state if `cache` was cleared since the last call.
    #[inline]
    fn sync(&mut self, cache: &hybrid::dfa::Cache) {
        if cache.clear_count() != self.clears {
            self.clears = cache.clear_count();
            self.start = None;
            // Rare (a full cache): the slots are rebuilt as states are met again.
            self.slots.fill((LazyStateID::default(), 0));
        }
    }

    /// The patterns match state `sid` reports.
    #[inline]
    fn get(&mut self, dfa: &hybrid::dfa::DFA, cache: &hybrid::dfa::Cache, sid: LazyStateID) -> u64 {
        // `LazyStateID` shows its bits only to a hasher.
        struct Bits(u64);
        impl Hasher for Bits {
            fn finish(&self) -> u64 {
                self.0
            }
            fn write(&mut self, bytes: &[u8]) {
                for &b in bytes {
                    self.0 = self.0.rotate_left(8) ^ u64::from(b);
                }
            }
            fn write_u32(&mut self, v: u32) {
                self.0 = u64::from(v);
            }
        }
        let mut h = Bits(0);
        sid.hash(&mut h);
        let i = (h.0.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - MASK_SLOTS_LOG2)) as usize;
        // A search may clear the cache (and reuse state IDs) at any step.
        self.sync(cache);
        let slot = &mut self.slots[i];
        if slot.0 != sid {
            *slot = (sid, pattern_mask(dfa, cache, sid));
        }
        slot.1
    }
}

/// The patterns match state `sid` reports, from the DFA (the slow path of `MatchMasks::get`).
#[cold]
#[inline(never)]
fn pattern_mask(dfa: &hybrid::dfa::DFA, cache: &hybrid::dfa::Cache, sid: LazyStateID) -> u64 {
    (0..dfa.match_len(cache, sid)).fold(0, |m, k| {
        m | 1 << dfa.match_pattern(cache, sid, k).as_usize()
    })
}
