//! URL finding, trimming, normalisation and the bounded URL list.

use lfe::log::enrich::{strip_ansi, Detector};
use lfe::log::urls::{find_urls, normalize, UrlList};

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

#[test]
fn trimming() {
    assert_eq!(found("(http://localhost:3000)"), ["http://localhost:3000"]);
    assert_eq!(
        found("see http://localhost:3000."),
        ["http://localhost:3000"]
    );
    assert_eq!(found("<http://x/>"), ["http://x/"]);
    assert_eq!(
        found(r#"  "http://[::1]:8080/path?q=1","#),
        ["http://[::1]:8080/path?q=1"]
    );
    assert_eq!(
        found("go to https://example.com/a_(b)!"),
        ["https://example.com/a_(b)"]
    );
    assert_eq!(found("[http://example.com/x]"), ["http://example.com/x"]);
    assert_eq!(
        found("{url: 'ws://localhost:24678/'}"),
        ["ws://localhost:24678/"]
    );
    assert_eq!(found("Is it http://example.com?"), ["http://example.com"]);
    assert_eq!(
        found("done: https://Example.COM/Path;"),
        ["https://Example.COM/Path"]
    );
    assert_eq!(
        found("`wss://0.0.0.0:8443/socket`"),
        ["wss://0.0.0.0:8443/socket"]
    );
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
    let urls: Vec<_> = l.list().into_iter().map(|e| e.url).collect();
    assert_eq!(
        urls,
        [
            b"http://d/".to_vec(),
            b"http://a/".to_vec(),
            b"http://c/".to_vec()
        ]
    );
    l.record(b"http://e/", 1, 6); // evicts c
    l.record(b"http://b/", 2, 7); // evicts a; b comes back as new
    let v = l.list();
    assert_eq!(v.len(), 3);
    let urls: Vec<_> = v.iter().map(|e| e.url.clone()).collect();
    assert_eq!(
        urls,
        [
            b"http://b/".to_vec(),
            b"http://e/".to_vec(),
            b"http://d/".to_vec()
        ]
    );
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
    let urls: Vec<_> = l.list().into_iter().map(|e| e.url).collect();
    assert_eq!(urls, [b"http://b/".to_vec()]);
    l.record(b"http://d/", 3, 5);
    l.record(b"http://e/", 3, 6);
    l.record(b"http://f/", 3, 7);
    l.record(b"http://g/", 3, 8); // evicts b
    let urls: Vec<_> = l.list().into_iter().map(|e| e.url).collect();
    assert_eq!(
        urls,
        [
            b"http://g/".to_vec(),
            b"http://f/".to_vec(),
            b"http://e/".to_vec(),
            b"http://d/".to_vec()
        ]
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
