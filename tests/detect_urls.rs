//! URL finding, trimming, normalisation and the bounded URL list.

mod common;

use lfe::log::enrich::{strip_ansi, Detector};
use lfe::log::urls::{find_urls, normalize, UrlList};
use std::ops::Range;

fn found(line: &str) -> Vec<String> {
    let stripped = strip_ansi(line.as_bytes());
    find_urls(&stripped)
        .into_iter()
        .map(|r| String::from_utf8(stripped[r].to_vec()).unwrap())
        .collect()
}

fn normalized(line: &str) -> Vec<String> {
    Detector::new()
        .analyze(line.as_bytes())
        .urls
        .into_iter()
        .map(|u| String::from_utf8(u).unwrap())
        .collect()
}

/// Punctuation and brackets around a URL are not part of it.
#[test]
fn trimming() {
    for (line, want) in [
        ("(http://localhost:3000)", "http://localhost:3000"),
        ("see http://localhost:3000.", "http://localhost:3000"),
        ("<http://x/>", "http://x/"),
        (
            r#"  "http://[::1]:8080/path?q=1","#,
            "http://[::1]:8080/path?q=1",
        ),
        (
            "go to https://example.com/a_(b)!",
            "https://example.com/a_(b)",
        ),
        ("[http://example.com/x]", "http://example.com/x"),
        ("{url: 'ws://localhost:24678/'}", "ws://localhost:24678/"),
        ("Is it http://example.com?", "http://example.com"),
        (
            "done: https://Example.COM/Path;",
            "https://Example.COM/Path",
        ),
        ("`wss://0.0.0.0:8443/socket`", "wss://0.0.0.0:8443/socket"),
    ] {
        assert_eq!(found(line), [want], "{line:?}");
    }
}

#[test]
fn hosts_and_schemes() {
    assert_eq!(
        found("a http://localhost b https://127.0.0.1:8443/x c ws://0.0.0.0:1 d wss://[::1]/"),
        [
            "http://localhost",
            "https://127.0.0.1:8443/x",
            "ws://0.0.0.0:1",
            "wss://[::1]/"
        ]
    );
    assert_eq!(
        found("HTTP://LOCALHOST:3000/A"),
        ["HTTP://LOCALHOST:3000/A"]
    );
    assert_eq!(
        found("http://my-app.example.co.uk:8080/api/v1?x=1&y=2#frag"),
        ["http://my-app.example.co.uk:8080/api/v1?x=1&y=2#frag"]
    );
}

#[test]
fn negatives() {
    assert!(found("at foo (file.js:12:3)").is_empty());
    assert!(found("src/main.rs:2:5").is_empty());
    assert!(found("ftp://example.com/file").is_empty());
    assert!(found("http://").is_empty());
    assert!(found("http:// localhost").is_empty());
    assert!(found("listening on localhost:3000").is_empty());
    assert!(found("xhttp://example.com").is_empty());
    assert!(found("").is_empty());
}

#[test]
fn ansi_is_stripped_first() {
    let line = "  \x1b[32m➜\x1b[39m  \x1b[1mLocal\x1b[22m:   \x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m";
    assert_eq!(found(line), ["http://localhost:5173/"]);
    assert_eq!(normalized(line), ["http://localhost:5173/"]);
}

#[test]
fn normalize_rules() {
    let n = |s: &str| String::from_utf8(normalize(s.as_bytes())).unwrap();
    assert_eq!(n("http://localhost:3000"), "http://localhost:3000/");
    assert_eq!(n("http://localhost:3000/"), "http://localhost:3000/");
    assert_eq!(n("HTTP://LocalHost:3000"), "http://localhost:3000/");
    assert_eq!(
        n("https://Example.com/Path/X?Q=A"),
        "https://example.com/Path/X?Q=A"
    );
    assert_eq!(n("http://x?q=1"), "http://x/?q=1");
    assert_eq!(n("http://x#top"), "http://x/#top");
    assert_eq!(n("http://[::1]:8080"), "http://[::1]:8080/");
    assert_eq!(n("WS://User:Pw@Host:1/a"), "ws://User:Pw@host:1/a");
    assert_eq!(n("not a url"), "not a url");
    for s in [
        "http://localhost:3000",
        "HTTP://LocalHost:3000/A?B#C",
        "http://x?q=1",
        "wss://[::1]",
        "not a url",
        "",
        "http://",
    ] {
        let once = normalize(s.as_bytes());
        assert_eq!(normalize(&once), once, "idempotent for {s:?}");
    }
    assert_eq!(
        normalized("http://localhost:3000 and http://localhost:3000/"),
        ["http://localhost:3000/", "http://localhost:3000/"]
    );
}

/// The URLs of a list, latest first.
fn listed(l: &UrlList) -> Vec<String> {
    l.list()
        .into_iter()
        .map(|e| String::from_utf8(e.url).unwrap())
        .collect()
}

#[test]
fn url_list_dedup_and_order() {
    let mut l = UrlList::new(3);
    assert!(l.is_empty());
    l.record(b"http://a/", 1, 10);
    l.record(b"http://b/", 2, 20);
    l.record(b"http://a/", 3, 30);
    let v = l.list();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].url, b"http://a/");
    assert_eq!(
        (
            v[0].process_id,
            v[0].first_seen_ns,
            v[0].last_seen_ns,
            v[0].count
        ),
        (1, 10, 30, 2)
    );
    assert_eq!(v[1].url, b"http://b/");
    assert_eq!((v[1].process_id, v[1].count), (2, 1));
}

#[test]
fn url_list_bound_and_eviction() {
    let mut l = UrlList::new(3);
    l.record(b"http://a/", 1, 1);
    l.record(b"http://b/", 1, 2);
    l.record(b"http://c/", 1, 3);
    l.record(b"http://a/", 1, 4); // a is now most recent; b least
    l.record(b"http://d/", 1, 5); // evicts b
    assert_eq!(listed(&l), ["http://d/", "http://a/", "http://c/"]);
    l.record(b"http://e/", 1, 6); // evicts c
    l.record(b"http://b/", 2, 7); // evicts a; b comes back as new
    assert_eq!(listed(&l), ["http://b/", "http://e/", "http://d/"]);
    let v = l.list();
    assert_eq!((v[0].process_id, v[0].count, v[0].first_seen_ns), (2, 1, 7));

    // Many records never exceed the bound.
    for i in 0..1000u64 {
        l.record(format!("http://h{}/", i % 7).as_bytes(), i % 3, i);
        assert!(l.len() <= 3);
    }
    let v = l.list();
    assert_eq!(v.len(), 3);
    assert!(v.windows(2).all(|w| w[0].last_seen_ns > w[1].last_seen_ns));

    let mut z = UrlList::new(0);
    z.record(b"http://a/", 1, 1);
    assert!(z.is_empty());
}

#[test]
fn url_list_clear_process() {
    let mut l = UrlList::new(4);
    l.record(b"http://a/", 1, 1);
    l.record(b"http://b/", 2, 2);
    l.record(b"http://a/", 2, 3); // still first printed by 1
    l.record(b"http://c/", 1, 4);
    l.clear_process(1);
    assert_eq!(listed(&l), ["http://b/"]);
    l.record(b"http://d/", 3, 5);
    l.record(b"http://e/", 3, 6);
    l.record(b"http://f/", 3, 7);
    l.record(b"http://g/", 3, 8); // evicts b
    assert_eq!(
        listed(&l),
        ["http://g/", "http://f/", "http://e/", "http://d/"]
    );
    l.clear();
    assert!(l.is_empty());
    l.record(b"http://a/", 1, 9);
    assert_eq!(l.len(), 1);
}

#[test]
fn markdown_and_mixed() {
    assert_eq!(
        found("[docs](http://localhost:3000/docs)"),
        ["http://localhost:3000/docs"]
    );
    assert_eq!(
        found("open http://a.test:1/x, then https://b.test/y; done"),
        ["http://a.test:1/x", "https://b.test/y"]
    );
    assert_eq!(
        found("'http://localhost:8000/'"),
        ["http://localhost:8000/"]
    );
    assert_eq!(
        found("http://localhost:3000/api?x=(1)"),
        ["http://localhost:3000/api?x=(1)"]
    );
    assert_eq!(found("{http://x/a}"), ["http://x/a"]);
    assert_eq!(found("http://x/a}}"), ["http://x/a"]);
}

/// Every reported URL is a trimmed substring of the stripped input, spans are ordered and
/// disjoint, and normalisation is idempotent (what the fuzz target will check).
#[test]
fn spans_are_substrings_property() {
    let d = Detector::new();
    let pieces: &[&[u8]] = &[
        b"http://",
        b"https://",
        b"ws://",
        b"wss://",
        b"HTTP://",
        b"localhost",
        b"127.0.0.1",
        b"[::1]",
        b"0.0.0.0",
        b"example.com",
        b":3000",
        b":",
        b"/",
        b"/path",
        b"?q=1",
        b"#f",
        b"(",
        b")",
        b"[",
        b"]",
        b"<",
        b">",
        b"{",
        b"}",
        b".",
        b",",
        b";",
        b"!",
        b"?",
        b"'",
        b"\"",
        b" ",
        b"\t",
        b"\x1b[31m",
        b"\x1b[0m",
        b"\x1b]8;;http://h/\x07",
        b"\xff",
        b"\xe2\x9c\x93",
        b"a",
        b"Z",
        b"-",
        b"_",
        b"%",
        b"@",
    ];
    let mut x: u64 = 0x1234_5678_9abc_def1;
    for _ in 0..20_000 {
        let mut line = Vec::new();
        for _ in 0..(x % 12) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            line.extend_from_slice(pieces[(x % pieces.len() as u64) as usize]);
        }
        x = x.wrapping_add(0x9e37_79b9);
        let stripped = strip_ansi(&line);
        let spans = find_urls(&stripped);
        let mut last_end = 0;
        for r in &spans {
            assert!(r.start >= last_end && r.start < r.end && r.end <= stripped.len());
            last_end = r.end;
            let raw = &stripped[r.clone()];
            let lower = raw.to_ascii_lowercase();
            assert!(
                [&b"http://"[..], b"https://", b"ws://", b"wss://"]
                    .iter()
                    .any(|s| lower.starts_with(s)),
                "{raw:?}"
            );
            assert!(raw.len() > lower.iter().position(|&b| b == b':').unwrap() + 3);
            let last = *raw.last().unwrap();
            assert!(!b".,;:!?'\"".contains(&last), "{raw:?}");
            let n = normalize(raw);
            assert_eq!(normalize(&n), n);
        }
        // (`analyze` on the raw line also lists OSC 8 link targets: see `osc8_link_targets`.)
        let a = d.analyze_stripped(&stripped);
        let want: Vec<Vec<u8>> = spans
            .iter()
            .map(|r| normalize(&stripped[r.clone()]))
            .collect();
        assert_eq!(a.urls, want);
    }
}

/// Issue 21: a URL ends at the first byte the URL grammar does not allow.
#[test]
fn ends_at_bytes_the_grammar_forbids() {
    for (line, want) in [
        ("http://localhost:3000/a{b}", "http://localhost:3000/a"),
        ("http://localhost:3000/a}b", "http://localhost:3000/a"),
        ("http://localhost:3000/a<b>", "http://localhost:3000/a"),
        ("http://localhost:3000/a>b", "http://localhost:3000/a"),
        ("http://localhost:3000/a\"b", "http://localhost:3000/a"),
        ("http://localhost:3000/a\\b", "http://localhost:3000/a"),
        ("http://localhost:3000/a^b", "http://localhost:3000/a"),
        ("http://localhost:3000/a`b", "http://localhost:3000/a"),
        ("http://localhost:3000/a|b", "http://localhost:3000/a"),
        ("http://localhost:3000/a\x01b", "http://localhost:3000/a"),
        ("http://localhost:3000/a\x7fb", "http://localhost:3000/a"),
        ("http://localhost:3000/a\tb", "http://localhost:3000/a"),
        ("http://localhost:3000/a%zz", "http://localhost:3000/a"),
        (
            "{\"url\":\"http://localhost:3000/x\"}",
            "http://localhost:3000/x",
        ),
        ("<a href=\"http://x.test/p\">", "http://x.test/p"),
        ("url=http://x.test/p|next", "http://x.test/p"),
        ("${http://x.test/p}", "http://x.test/p"),
    ] {
        assert_eq!(found(line), [want], "{line:?}");
    }
}

#[test]
fn rfc3986_bytes_and_percent_encoding_are_kept() {
    for url in [
        "http://localhost:3000/a%20b%2Fc",
        "http://x.test/p;v=1/q!$&'()*+,=:@~-._?a[]=1&b=[2]#frag/x?y",
        "http://x.test/search?q=a+b&lang=en-US#top",
    ] {
        assert_eq!(found(&format!("open {url} now")), [url], "{url}");
    }
}

#[test]
fn non_ascii_paths_and_partial_utf8() {
    // Complete UTF-8 sequences are part of the path (as a browser shows them).
    assert_eq!(
        found("see http://localhost:3000/caf\u{e9}/\u{1f600} ok"),
        ["http://localhost:3000/caf\u{e9}/\u{1f600}"]
    );
    // A cut sequence at the end of the line is dropped.
    let line = b"http://localhost:3000/\xe2\x82";
    let spans = find_urls(line);
    assert_eq!(spans, vec![Range { start: 0, end: 22 }]);
    assert_eq!(&line[spans[0].clone()], b"http://localhost:3000/");
    // Invalid bytes end it too.
    assert_eq!(
        find_urls(b"http://x.test/a\xffb"),
        vec![Range { start: 0, end: 15 }]
    );
    assert_eq!(
        find_urls(b"http://x.test/a\xe2\x82b"),
        vec![Range { start: 0, end: 15 }]
    );
    // Unicode spaces and typographic quotes end it.
    assert_eq!(
        found("\u{201c}http://x.test/a\u{201d} and http://x.test/b\u{a0}c"),
        ["http://x.test/a", "http://x.test/b"]
    );
    let d = Detector::new();
    assert_eq!(
        d.analyze(b"  > Local: http://localhost:3000/\xe2\x82").urls,
        [b"http://localhost:3000/".to_vec()]
    );
}

#[test]
fn quoted_urls_end_at_the_closing_quote() {
    assert_eq!(
        found("['http://a.test/x','http://b.test/y']"),
        ["http://a.test/x", "http://b.test/y"]
    );
    // Not quoted: `'` is a sub-delimiter and stays inside.
    assert_eq!(found("http://a.test/it's/ok"), ["http://a.test/it's/ok"]);
}

#[test]
fn ipv6_literal_hosts() {
    assert_eq!(found("http://[::1]:3000/"), ["http://[::1]:3000/"]);
    assert_eq!(
        found("listening on http://[2001:db8::1]:8080/api and http://[::]:80"),
        ["http://[2001:db8::1]:8080/api", "http://[::]:80"]
    );
    assert_eq!(
        found("(http://[fe80::1%eth0]:3000/x)"),
        ["http://[fe80::1%eth0]:3000/x"]
    );
    assert_eq!(
        normalized("Server: HTTP://[::1]:3000"),
        ["http://[::1]:3000/"]
    );
}

#[test]
fn websocket_schemes() {
    assert_eq!(
        found("[vite] connecting to ws://localhost:24678/?token=abc"),
        ["ws://localhost:24678/?token=abc"]
    );
    assert_eq!(
        found("HMR at wss://dev.example.test:443/_next/webpack-hmr."),
        ["wss://dev.example.test:443/_next/webpack-hmr"]
    );
    assert_eq!(normalized("WSS://Host.Test"), ["wss://host.test/"]);
}

/// The detector strips ANSI before it looks for URLs: colour codes in the middle of a URL
/// (host, port, path) give the whole URL.
#[test]
fn ansi_inside_urls() {
    let d = Detector::new();
    for line in [
        "\x1b[36mhttp://local\x1b[1mhost\x1b[22m:3000/app\x1b[39m",
        "http://localhost:\x1b[1m3000\x1b[22m/app",
        "http://localhost:3000/\x1b[4mapp\x1b[24m",
    ] {
        assert_eq!(
            d.analyze(line.as_bytes()).urls,
            [b"http://localhost:3000/app".to_vec()],
            "{line:?}"
        );
    }
    // An OSC 8 link: its target and its visible URL, in order of position.
    assert_eq!(
        d.analyze(b"\x1b]8;;http://link.test/\x1b\\http://localhost:3000/app\x1b]8;;\x1b\\")
            .urls,
        [
            b"http://link.test/".to_vec(),
            b"http://localhost:3000/app".to_vec()
        ]
    );
}

fn manual_store(capacity: usize) -> lfe::log::LogStore {
    lfe::log::LogStore::new(lfe::log::Config {
        capacity,
        manual: true,
        ..lfe::log::Config::default()
    })
    .unwrap()
}

fn strings(v: Vec<Vec<u8>>) -> Vec<String> {
    v.into_iter()
        .map(|u| String::from_utf8(u).unwrap())
        .collect()
}

/// Each line keeps its own URLs (normalised, in order), readable once it is enriched; the
/// store strips ANSI first, so a colour code inside a URL gives the whole URL.
#[test]
fn store_keeps_each_lines_urls() {
    use lfe::log::{flags, Stream};
    let s = manual_store(4);
    let a = s.append(1, Stream::Stdout, 1, b"  \x1b[32m\xe2\x9e\x9c\x1b[39m  Local:   \x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m");
    let b = s.append(1, Stream::Stdout, 2, b"no url here");
    let c = s.append(
        2,
        Stream::Stderr,
        3,
        b"HMR ws://[::1]:24678 and API HTTP://API.Test/v1?x={y}",
    );
    assert_eq!(s.line_urls(a), None, "not enriched yet");
    s.sync();
    assert_eq!(strings(s.line_urls(a).unwrap()), ["http://localhost:5173/"]);
    assert_eq!(s.line_urls(b), Some(vec![]));
    assert_eq!(
        strings(s.line_urls(c).unwrap()),
        ["ws://[::1]:24678/", "http://api.test/v1?x="]
    );
    let lines = s.read(0, 10).unwrap().lines;
    assert_eq!(lines[0].flags & flags::HAS_URL, flags::HAS_URL);
    assert_eq!(lines[1].flags & flags::HAS_URL, 0);
    assert_eq!(s.line_urls(99), None, "never appended");
    assert_eq!(s.stats().truncated, 0, "room for URLs is not truncation");
    // Evicted lines are gone.
    for i in 0..4 {
        s.append(3, Stream::Stdout, 10 + i, b"http://later.test/");
    }
    s.sync();
    assert_eq!(s.line_urls(a), None);
    assert_eq!(strings(s.line_urls(c + 4).unwrap()), ["http://later.test/"]);
    // Hidden lines too.
    s.clear_process(3);
    assert_eq!(s.line_urls(c + 4), None);
    let d = s.append(4, Stream::Stdout, 20, b"http://x.test/");
    s.sync();
    assert!(s.line_urls(d).is_some());
    s.clear();
    assert_eq!(s.line_urls(d), None);
}

/// A line's URL list stays within the line's length plus 16 bytes: a line of many short URLs
/// keeps the first ones that fit, the store-wide list has them all.
#[test]
fn line_url_list_is_bounded_by_the_line() {
    use lfe::log::Stream;
    let s = manual_store(8);
    let text: String = (0..40).map(|i| format!("http://h{i} ")).collect();
    let seq = s.append(1, Stream::Stdout, 1, text.as_bytes());
    s.sync();
    let urls = s.line_urls(seq).unwrap();
    let encoded: usize = urls.iter().map(|u| u.len() + 1).sum();
    assert!(
        encoded <= text.len() + 16,
        "{encoded} > {}",
        text.len() + 16
    );
    assert!(urls.len() >= 30, "{}", urls.len());
    for (i, u) in urls.iter().enumerate() {
        assert_eq!(u, format!("http://h{i}/").as_bytes());
    }
    assert_eq!(s.urls().len(), 40);
}

/// OSC 8 hyperlinks (`ESC ] 8 ; params ; URI ST`): the strip keeps the target, and `analyze`
/// lists it (normalised, where the link stands among the text's URLs, once).
#[test]
fn osc8_link_targets() {
    let d = Detector::new();
    let urls = |line: &[u8]| -> Vec<String> {
        d.analyze(line)
            .urls
            .into_iter()
            .map(|u| String::from_utf8(u).unwrap())
            .collect()
    };
    // ST = ESC \ and BEL; params before the URI; link text that is not a URL.
    assert_eq!(
        urls(b"see \x1b]8;id=7;HTTP://Docs.Example/x\x1b\\the docs\x1b]8;;\x1b\\ now"),
        ["http://docs.example/x"]
    );
    assert_eq!(
        urls(b"a http://a.b/ \x1b]8;;https://c.d\x07link\x1b]8;;\x07 http://e.f/"),
        ["http://a.b/", "https://c.d/", "http://e.f/"]
    );
    // Link text that is the same URL: listed once.
    assert_eq!(
        urls(b"\x1b]8;;http://localhost:3000/\x1b\\http://localhost:3000\x1b]8;;\x1b\\"),
        ["http://localhost:3000/"]
    );
    // The stripped text is unchanged, and so is every other field.
    let line = b"\x1b]8;;http://x.y/\x07ERROR\x1b]8;;\x07 failed";
    assert_eq!(&*strip_ansi(line), b"ERROR failed");
    let (a, b) = (d.analyze(line), d.analyze_stripped(b"ERROR failed"));
    assert_eq!((a.level, a.tags, a.error), (b.level, b.tags, b.error));
    // Many links, each twice, between text URLs: each listed once, in order.
    let mut line = Vec::new();
    let mut want = Vec::new();
    for i in 0..300 {
        line.extend_from_slice(format!("http://t{i}.x/ ").as_bytes());
        want.push(format!("http://t{i}.x/"));
        for _ in 0..2 {
            line.extend_from_slice(format!("\x1b]8;;http://L{i}.x/\x07l\x1b]8;;\x07 ").as_bytes());
        }
        want.push(format!("http://l{i}.x/"));
    }
    assert_eq!(urls(&line), want);
    // Not links: unterminated, no `://`, spaces, empty, another OSC.
    for line in [
        &b"\x1b]8;;http://x.y/"[..],
        b"\x1b]8;;mailto:a@b\x07m",
        b"\x1b]8;;http://a b/\x07m",
        b"\x1b]8;;\x07m",
        b"\x1b]0;http://x.y/\x07title",
        b"\x1b]8;http://x.y/\x07m",
        b"\x1b]8;;;http://x.y/\x07m",
        b"\x1b]8;;1http://x.y/\x07m",
        b"\x1b]8;;http://\x07m",
    ] {
        assert!(urls(line).is_empty(), "{line:?}");
    }
}

/// `find_urls` (scheme, host and port matched by hand) equals `find_urls_regex` (the same by
/// the `URL_PATTERN` regex) on lines built from URL fragments and random bytes.
#[test]
fn hand_matcher_equals_regex() {
    use lfe::log::urls::find_urls_regex;
    const PARTS: &[&[u8]] = &[
        b"http",
        b"HTTPS",
        b"ws",
        b"wSs",
        b"://",
        b"http://",
        b"Wss://",
        b"https://[",
        b":",
        b"/",
        b"[",
        b"]",
        b"::1",
        b"fe80::1%eth0",
        b"%",
        b".",
        b"..",
        b"-",
        b"_",
        b"a",
        b"Z9",
        b"localhost",
        b"127.0.0.1",
        b":3000",
        b":123456",
        b" ",
        b"x",
        b"'",
        b"(",
        b")",
        b"?q=1",
        b"#f",
        b"\xe2\x82",
        b"\xc3\xa9",
        b"{",
        b"\t",
    ];
    let mut rng = common::Rng(0x9e37_79b9_7f4a_7c15);
    let mut with_urls = 0;
    for _ in 0..200_000 {
        let mut line = Vec::new();
        for _ in 0..rng.below(12) {
            if rng.below(7) == 0 {
                line.push(rng.next() as u8);
            } else {
                line.extend_from_slice(rng.pick::<&[u8]>(PARTS));
            }
        }
        let found = find_urls(&line);
        with_urls += usize::from(!found.is_empty());
        assert_eq!(
            found,
            find_urls_regex(&line),
            "{:?}",
            String::from_utf8_lossy(&line)
        );
    }
    // The lines exercise the matcher, not only its "no `://`" exit.
    assert!(with_urls > 2_000, "{with_urls} lines with URLs");
}
