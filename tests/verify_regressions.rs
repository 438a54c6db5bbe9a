//! Regression tests for bugs found by the verification work (fuzz targets, test_hostile.c,
//! sanitizers, soak). Each names what it guards against.

use lfe::event::{BusConfig, EventBus, Filter};
use lfe::Error;

/// A bus whose `max_capacity` is huge let `subscribe(.., usize::MAX)` through to the ring
/// allocation: a capacity-overflow panic (LFE_E_PANIC over the ABI, after an eventfd was already
/// made and leaked) or, for a large non-overflowing capacity, an allocation-failure abort.
/// A `max_capacity` over the subscription maximum (2^24) is now refused when the bus is made,
/// and a subscription at the maximum is accepted (its ring is committed as it is used) or gets
/// `NoMem`, never an abort.
#[test]
fn bus_subscribe_absurd_capacity_is_too_large() {
    use lfe::event::bus::MAX_SUB_CAPACITY;
    for max_capacity in [usize::MAX, 1 << 40, MAX_SUB_CAPACITY + 1] {
        let r = EventBus::new(BusConfig {
            max_capacity,
            ..Default::default()
        });
        assert!(matches!(r, Err(Error::TooLarge)), "{max_capacity}");
    }
    let bus = EventBus::new(BusConfig {
        max_capacity: MAX_SUB_CAPACITY,
        ..Default::default()
    })
    .unwrap();
    assert!(matches!(
        bus.subscribe(Filter::all(), usize::MAX),
        Err(Error::TooLarge)
    ));
    assert!(matches!(
        bus.subscribe(Filter::all(), MAX_SUB_CAPACITY + 1),
        Err(Error::TooLarge)
    ));
    match bus.subscribe(Filter::all(), MAX_SUB_CAPACITY) {
        Ok(s) => assert_eq!(s.stats().capacity, MAX_SUB_CAPACITY as u64),
        Err(e) => assert_eq!(e, Error::NoMem),
    }
    assert!(bus.subscribe(Filter::all(), 4).is_ok());
}

/// A queue at the documented maximum capacity (2^30 then) allocated 64 GiB up front and aborted
/// the process. The maximum is now 2^24 and the slot array is allocated fallibly and zeroed
/// (committed as used): creation at the maximum succeeds or gives `NoMem`; beyond it `TooLarge`.
#[test]
fn queue_at_max_capacity_does_not_abort() {
    use lfe::event::queue::MAX_CAPACITY;
    use lfe::event::{EventInput, EventQueue};
    match EventQueue::with_capacity(MAX_CAPACITY) {
        Ok(q) => {
            q.try_push(&EventInput::new(1, b"x")).unwrap();
            assert_eq!(&*q.try_pop().unwrap().payload, b"x");
        }
        Err(e) => assert_eq!(e, Error::NoMem),
    }
    for cap in [MAX_CAPACITY + 1, 1 << 30, usize::MAX] {
        assert_eq!(EventQueue::with_capacity(cap).unwrap_err(), Error::TooLarge);
    }
}

/// An 8-line log store that enriches only when asked (`manual`).
fn small_manual_store() -> lfe::log::LogStore {
    lfe::log::LogStore::new(lfe::log::Config {
        capacity: 8,
        manual: true,
        ..Default::default()
    })
    .unwrap()
}

/// A literal search escaped punctuation with a backslash, and regex-syntax reads `\<` / `\>` as
/// word-boundary assertions: a literal search for `<` matched every line with a word start and
/// `<tag>` matched a bare `tag`. Found by reviewing for the `search` fuzz target (which checks
/// literal searches against a substring model).
#[test]
fn literal_search_for_angle_brackets_is_literal() {
    use lfe::log::{Query, Stream};
    let s = small_manual_store();
    s.append(1, Stream::Stdout, 1, b"plain words, a tag here");
    s.append(2, Stream::Stdout, 1, b"<tag> x->y a<b");
    let ids = |pat: &[u8]| -> Vec<u64> {
        let q = Query {
            pattern: pat,
            literal: true,
            ..Default::default()
        };
        s.search(&q).unwrap().iter().map(|l| l.process_id).collect()
    };
    assert_eq!(ids(b"<"), vec![2]);
    assert_eq!(ids(b">"), vec![2]);
    assert_eq!(ids(b"<tag>"), vec![2]);
    assert_eq!(ids(b"->"), vec![2]);
    assert_eq!(ids(b"a<b"), vec![2]);
    assert_eq!(ids(b", a"), vec![1]);
}

/// `clear()` (and `clear_process`) emptied the URL list and error groups, but lines appended
/// before the clear and not yet enriched were enriched afterwards and put their URLs and error
/// groups back. Found by the `log` fuzz target (URL list after `sync` vs the model).
#[test]
fn cleared_lines_enriched_later_do_not_resurface() {
    use lfe::log::Stream;
    let s = small_manual_store();
    s.append(1, Stream::Stdout, 1, b"listening on http://a.test:1/");
    s.append(2, Stream::Stdout, 1, b"Error: boom at http://b.test:2/");
    s.clear();
    s.sync();
    assert!(s.urls().is_empty(), "{:?}", s.urls());
    assert!(s.error_groups().is_empty(), "{:?}", s.error_groups());
    s.append(1, Stream::Stdout, 1, b"listening on http://c.test:3/");
    s.append(2, Stream::Stdout, 1, b"see http://d.test:4/");
    s.clear_process(2);
    s.sync();
    let urls: Vec<Vec<u8>> = s.urls().into_iter().map(|u| u.url).collect();
    assert_eq!(urls, vec![b"http://c.test:3/".to_vec()]);
}

/// The enrichment prefilter treated only `u8::is_ascii_whitespace` as space, but the detector
/// regexes' `\s` also matches vertical tab (0x0B): `E\x0b...` (a pytest-style continuation) and
/// `\x0bat foo` skipped the full scan and lost their `continuation` flag. Found by the `detect`
/// fuzz target (prefilter vs full scan).
#[test]
fn prefilter_treats_vertical_tab_as_space() {
    use lfe::log::enrich::Detector;
    let d = Detector::new();
    for line in [
        &b"E\x0b\0\0\0\0\0\0\0["[..],
        b"E\x0bassert x == 1",
        b"\x0bat foo (a.js:1:2)",
        b"\x0b\x0b--> src/main.rs:1:1",
    ] {
        assert_eq!(
            d.analyze_stripped(line),
            d.analyze_stripped_full(line),
            "{line:?}"
        );
    }
}

/// The prefilter matched the continuation `at\s` only as `at ` / `at\t`, so `at` followed by a
/// vertical tab (or form feed) was a continuation for the full scan but not for the prefiltered
/// one (issue 21; found again by the `detect` fuzz smoke, whose input is in its corpus).
#[test]
fn prefilter_at_then_any_regex_space() {
    let d = lfe::log::enrich::Detector::new();
    for line in [
        &b"at\x0b"[..],
        b"at\x0c",
        b"at\x0bx",
        b"at\x0b\0\0\0\0\0\0___/x.y/\0\0\0nrecen~ csee83;\x07\"seLb/_/x\r\n",
    ] {
        let s = lfe::log::enrich::strip_ansi(line);
        let (fast, full) = (d.analyze_stripped(&s), d.analyze_stripped_full(&s));
        assert_eq!(fast, full, "{line:?}");
    }
}
