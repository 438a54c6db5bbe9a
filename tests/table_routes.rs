//! Route table: behaviour and exact errors (lfe and baseline), a differential test of lookup
//! against a naive linear scan on random tables, and URL attribution.

mod common;
use common::Rng;

use lfe::table::route::{prefix_matches, Route, RouteConfig, RouteSnap, RouteSpec, RouteTableIn};
use lfe::table::{Rcu, Store};
use lfe::Error;
use lfe_baselines::table::Locked;

fn basics<S: Store<RouteSnap>>() {
    let t = RouteTableIn::<S>::new(RouteConfig {
        max_routes: 3,
        max_field: 64,
    });
    let mut s = RouteSpec::new("App.local", "/api", "http://localhost:3000");
    s.process_id = 7;
    s.label = b"api".to_vec();
    s.proxy_port = 8080;
    let a = t.add(s.clone()).unwrap();
    assert_eq!(t.add(s.clone()), Err(Error::Exists));
    let mut up = s.clone();
    up.host = b"APP.LOCAL".to_vec();
    assert_eq!(
        t.add(up),
        Err(Error::Exists),
        "hosts compare case-insensitively"
    );
    assert!(matches!(
        t.add(RouteSpec::new("", "/", "x")),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        t.add(RouteSpec::new("h", "api", "x")),
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        t.add(RouteSpec::new("h", vec![b'/'; 65], "x")),
        Err(Error::TooLarge)
    );
    let b = t
        .add(RouteSpec::new("app.local", "/", "http://localhost:3001"))
        .unwrap();
    let w = t
        .add(RouteSpec::new("*", "/", "http://localhost:9000"))
        .unwrap();
    assert_eq!(t.add(RouteSpec::new("x", "/", "y")), Err(Error::Full));

    let r = t.lookup(b"app.local", b"/api/users").unwrap();
    assert_eq!((r.id, r.process_id, r.proxy_port), (a, 7, 8080));
    assert_eq!(&r.host, b"app.local");
    assert_eq!(t.lookup(b"APP.local", b"/apix").unwrap().id, b);
    assert_eq!(t.lookup(b"other", b"/api").unwrap().id, w);
    t.remove(w).unwrap();
    assert_eq!(t.lookup(b"other", b"/api"), Err(Error::NotFound));
    assert_eq!(t.remove(w), Err(Error::NotFound));

    // Replace keeps the id; collisions are EXISTS; missing ids NOT_FOUND.
    t.replace(
        a,
        RouteSpec::new("app.local", "/v2", "http://localhost:3000/v2"),
    )
    .unwrap();
    assert_eq!(t.get(a).unwrap().path_prefix, b"/v2");
    assert_eq!(t.lookup(b"app.local", b"/api").unwrap().id, b);
    assert_eq!(
        t.replace(a, RouteSpec::new("app.local", "/", "x")),
        Err(Error::Exists)
    );
    assert_eq!(
        t.replace(99, RouteSpec::new("h", "/", "x")),
        Err(Error::NotFound)
    );
    assert_eq!(t.get(99), Err(Error::NotFound));
    let l = t.list();
    assert_eq!(
        l.routes.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![a, b]
    );
    assert_eq!(l.generation, t.generation());
    assert_eq!(t.count(), 2);
}

#[test]
fn attribution() {
    let t = lfe::table::route::RouteTable::default();
    let mut s = RouteSpec::new("a", "/", "http://localhost:3000/app/");
    s.process_id = 1;
    let a = t.add(s).unwrap();
    let mut s = RouteSpec::new("b", "/", "http://LOCALHOST:3000");
    s.process_id = 2;
    let b = t.add(s).unwrap();
    let mut s = RouteSpec::new("c", "/", "https://api.dev");
    s.process_id = 3;
    let c = t.add(s).unwrap();
    assert_eq!(t.attribute(b"http://localhost:3000/app").unwrap().id, a);
    assert_eq!(t.attribute(b"http://localhost:3000/").unwrap().id, b);
    assert_eq!(
        t.attribute(b"http://localhost:3000/x/y").unwrap().id,
        a,
        "lowest id"
    );
    assert_eq!(
        t.attribute(b"https://API.dev:443/x#f").unwrap().process_id,
        3
    );
    assert_eq!(t.attribute(b"http://api.dev/x"), Err(Error::NotFound));
    let _ = c;
}

fn naive(routes: &[Route], host: &[u8], path: &[u8]) -> Option<u64> {
    let host = host.to_ascii_lowercase();
    for h in [&host[..], b"*"] {
        let best = routes
            .iter()
            .filter(|r| r.host == h && prefix_matches(&r.path_prefix, path))
            .max_by(|x, y| {
                x.path_prefix
                    .len()
                    .cmp(&y.path_prefix.len())
                    .then(y.id.cmp(&x.id))
            });
        if let Some(r) = best {
            return Some(r.id);
        }
    }
    None
}

fn differential<S: Store<RouteSnap>>(seed: u64) {
    // Host lengths around the read index's 8-byte words, mixed case, a non-ASCII byte (compared
    // as is); lookups also ask for hosts no route has, of the same lengths.
    let hosts: [&[u8]; 9] = [
        b"a",
        b"B",
        b"c:8080",
        b"*",
        b"b",
        b"abcdefgh",
        b"App1.LocalHost:8080",
        b"abcdefghijklmnop",
        b"\xc3\x89T\xc3\xa9",
    ];
    let queries: [&[u8]; 14] = [
        b"a",
        b"A",
        b"B",
        b"c:8080",
        b"*",
        b"ABCDEFGH",
        b"abcdefgi",
        b"app1.localhost:8080",
        b"app2.localhost:8080",
        b"abcdefghijklmnop",
        b"abcdefghijklmnoP",
        b"\xc3\x89t\xc3\xa9",
        b"\xe3\x89t\xc3\xa9",
        b"",
    ];
    let prefixes: [&[u8]; 8] = [
        b"/",
        b"/api",
        b"/api/",
        b"/api/v1",
        b"/ap",
        b"/x",
        b"/x/y",
        b"/api/v1/z",
    ];
    let paths: [&[u8]; 10] = [
        b"/",
        b"/api",
        b"/api/",
        b"/api/v1",
        b"/api/v1/z/q",
        b"/apix",
        b"/ap",
        b"/x/y?z",
        b"/xy",
        b"/q",
    ];
    let mut rng = Rng(seed);
    let t = RouteTableIn::<S>::new(RouteConfig::default());
    let mut live: Vec<Route> = Vec::new();
    for _ in 0..400 {
        match rng.next() % 4 {
            0 | 1 => {
                let spec = RouteSpec::new(*rng.pick(&hosts), *rng.pick(&prefixes), "http://t");
                let dup = live.iter().any(|r| {
                    r.host == spec.host.to_ascii_lowercase() && r.path_prefix == spec.path_prefix
                });
                match t.add(spec) {
                    Ok(id) => {
                        assert!(!dup);
                        live.push(t.get(id).unwrap());
                    }
                    Err(e) => {
                        assert!(dup);
                        assert_eq!(e, Error::Exists);
                    }
                }
            }
            2 if !live.is_empty() => {
                let i = (rng.next() % live.len() as u64) as usize;
                t.remove(live[i].id).unwrap();
                live.remove(i);
            }
            _ if !live.is_empty() => {
                let i = (rng.next() % live.len() as u64) as usize;
                let spec = RouteSpec::new(*rng.pick(&hosts), *rng.pick(&prefixes), "http://u");
                let dup = live.iter().any(|r| {
                    r.id != live[i].id
                        && r.host == spec.host.to_ascii_lowercase()
                        && r.path_prefix == spec.path_prefix
                });
                match t.replace(live[i].id, spec) {
                    Ok(_) => {
                        assert!(!dup);
                        live[i] = t.get(live[i].id).unwrap();
                    }
                    Err(e) => {
                        assert!(dup);
                        assert_eq!(e, Error::Exists);
                    }
                }
            }
            _ => {}
        }
        for h in queries {
            for p in paths {
                let got = t.lookup(h, p).ok().map(|r| r.id);
                assert_eq!(got, naive(&live, h, p), "host {h:?} path {p:?}");
            }
        }
    }
    assert_eq!(t.count(), live.len());
}

#[test]
fn differential_lfe() {
    for seed in 1..=8 {
        differential::<Rcu<RouteSnap>>(seed * 0x9e37_79b9);
    }
}

#[test]
fn differential_baseline() {
    let _lockdep = common::lockdep_on();
    differential::<Locked<RouteSnap>>(0x1234_5678);
}

/// Config limits: zero bounds are `Invalid`; each maximum is accepted exactly and one over is
/// `TooLarge` (lfe and baseline share `with_config`).
fn config_limits<S: Store<RouteSnap>>() {
    use lfe::table::route::{MAX_FIELD, MAX_ROUTES};
    let make = |routes: usize, field: usize| {
        RouteTableIn::<S>::with_config(RouteConfig {
            max_routes: routes,
            max_field: field,
        })
        .map(|_| ())
    };
    assert!(matches!(make(0, 8), Err(Error::Invalid(_))));
    assert!(matches!(make(8, 0), Err(Error::Invalid(_))));
    assert_eq!(make(MAX_ROUTES, MAX_FIELD), Ok(()));
    assert_eq!(make(MAX_ROUTES + 1, 8), Err(Error::TooLarge));
    assert_eq!(make(8, MAX_FIELD + 1), Err(Error::TooLarge));
    assert_eq!(make(usize::MAX, usize::MAX), Err(Error::TooLarge));
}

lfe_and_baseline!(basics, config_limits: Rcu<RouteSnap>, Locked<RouteSnap>);
