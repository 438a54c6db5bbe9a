//! The RCU tables against sequential models, single-threaded:
//! * process table vs a `HashMap` (ids, unique names, `max_procs`, the state machine's CAS
//!   transitions, exit codes, restarts, pid);
//! * route table vs a linear scan (case-insensitive host, longest matching prefix then lowest
//!   id, wildcard fallback, `Exists` on duplicate host+prefix, `max_routes`);
//! * request log vs a `VecDeque` of the last `capacity` records (cursor reads: order, `missed`).
//!
//! Generations must rise on every successful write and stay put on a failed one.
#![no_main]

mod common;
use common::Bytes;
use lfe::table::process::{ProcConfig, ProcState, ProcTable, ProcessSpec};
use lfe::table::requests::{Request, RequestLog, RequestsConfig};
use lfe::table::route::{prefix_matches, RouteConfig, RouteSpec, RouteTable};
use lfe::Error;
use lfe_baselines::model::ProcModel;
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, VecDeque};

const NAMES: [&[u8]; 5] = [b"web", b"api", b"db", b"", b"worker-with-a-long-name"];
const HOSTS: [&[u8]; 5] = [b"app", b"APP", b"*", b"app:3000", b""];
const PREFIXES: [&[u8]; 6] = [b"/", b"/api", b"/api/", b"/api/v1", b"x", b"/a"];
const PATHS: [&[u8]; 7] = [
    b"/",
    b"/api",
    b"/api/v1/x",
    b"/apix",
    b"/api?q",
    b"/a#f",
    b"",
];

#[derive(Clone)]
struct MRoute {
    id: u64,
    host: Vec<u8>,
    prefix: Vec<u8>,
}

fn model_lookup(rs: &[MRoute], host: &[u8], path: &[u8]) -> Option<u64> {
    let host = host.to_ascii_lowercase();
    let best = |h: &[u8]| {
        rs.iter()
            .filter(|r| r.host == h && prefix_matches(&r.prefix, path))
            .max_by(|a, b| a.prefix.len().cmp(&b.prefix.len()).then(b.id.cmp(&a.id)))
            .map(|r| r.id)
    };
    best(&host).or_else(|| best(b"*"))
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let procs = ProcTable::with_config(ProcConfig {
        max_procs: 3,
        max_labels: 1,
        max_field: 12,
    })
    .unwrap();
    let routes = RouteTable::with_config(RouteConfig {
        max_routes: 4,
        max_field: 8,
    })
    .unwrap();
    let cap = 3usize;
    let log = RequestLog::new(RequestsConfig {
        capacity: cap,
        max_routes: 2,
        max_field: 8,
        ..Default::default()
    })
    .unwrap();
    // Models.
    let mut mp: HashMap<u64, (Vec<u8>, ProcModel)> = HashMap::new(); // name, record
    let mut ids: Vec<u64> = vec![0, u64::MAX]; // never handed out
    let mut mr: Vec<MRoute> = Vec::new();
    let mut rids: Vec<u64> = vec![0, u64::MAX];
    let mut ml: VecDeque<(u64, u64)> = VecDeque::new(); // (seq, bytes)
    let mut head = 0u64;
    let mut cursor = 0u64;

    while let Some(op) = b.u8() {
        let pg = procs.generation();
        let rg = routes.generation();
        match op % 10 {
            0 => {
                let name = b.word(&NAMES).unwrap_or(b"x");
                let nlabels = b.u8().unwrap_or(0) as usize % 3;
                let mut spec = ProcessSpec::new(name, &b"cmd"[..]);
                spec.labels = vec![(b"k".to_vec(), b"v".to_vec()); nlabels];
                let r = procs.insert(spec);
                match r {
                    Ok(id) => {
                        assert!(!name.is_empty() && name.len() <= 12 && nlabels <= 1);
                        assert!(!mp.values().any(|p| p.0 == name) && mp.len() < 3);
                        assert!(!ids.contains(&id), "id reused");
                        ids.push(id);
                        mp.insert(id, (name.to_vec(), ProcModel::NEW));
                    }
                    Err(Error::Invalid(_)) => assert!(name.is_empty()),
                    Err(Error::TooLarge) => assert!(name.len() > 12 || nlabels > 1),
                    Err(Error::Exists) => assert!(mp.values().any(|p| p.0 == name)),
                    Err(Error::Full) => assert!(mp.len() == 3),
                    Err(e) => panic!("undocumented insert error {e:?}"),
                }
            }
            1 => {
                let id = ids[b.u8().unwrap_or(0) as usize % ids.len()];
                let exp = ProcState::from_u32(u32::from(b.u8().unwrap_or(0) % 7)).unwrap();
                let to = ProcState::from_u32(u32::from(b.u8().unwrap_or(0) % 7)).unwrap();
                let code = i32::from(b.u8().unwrap_or(0) % 3);
                let r = procs.transition(id, exp, to, code);
                let bad_code = (to == ProcState::Exited && code != 0)
                    || (to == ProcState::Failed && code == 0);
                match r {
                    Ok(_) => {
                        let p = &mut mp.get_mut(&id).expect("transition of a live id").1;
                        assert!(exp.can_go_to(to) && !bad_code && p.state == exp);
                        p.transition(to, code);
                    }
                    Err(Error::Invalid(_)) => assert!(!exp.can_go_to(to) || bad_code),
                    Err(Error::NotFound) => assert!(!mp.contains_key(&id)),
                    Err(Error::Conflict) => assert_ne!(mp[&id].1.state, exp),
                    Err(e) => panic!("undocumented transition error {e:?}"),
                }
            }
            2 => {
                let id = ids[b.u8().unwrap_or(0) as usize % ids.len()];
                let pid = u32::from(b.u16().unwrap_or(0));
                match procs.set_pid(id, pid) {
                    Ok(_) => mp.get_mut(&id).expect("live").1.pid = pid,
                    Err(Error::NotFound) => assert!(!mp.contains_key(&id)),
                    Err(e) => panic!("undocumented set_pid error {e:?}"),
                }
            }
            3 => {
                let id = ids[b.u8().unwrap_or(0) as usize % ids.len()];
                match procs.remove(id) {
                    Ok(_) => assert!(mp.remove(&id).is_some()),
                    Err(Error::NotFound) => assert!(!mp.contains_key(&id)),
                    Err(e) => panic!("undocumented remove error {e:?}"),
                }
            }
            4 => {
                let host = b.word(&HOSTS).unwrap_or(b"app");
                let prefix = b.word(&PREFIXES).unwrap_or(b"/");
                let replace = b.u8().unwrap_or(0) % 3 == 0;
                let spec = RouteSpec::new(host, prefix, &b"http://t"[..]);
                let lhost = host.to_ascii_lowercase();
                let valid = !host.is_empty() && prefix.first() == Some(&b'/');
                let taken = |except: u64| {
                    mr.iter()
                        .any(|r| r.id != except && r.host == lhost && r.prefix == prefix)
                };
                if replace {
                    let id = rids[b.u8().unwrap_or(0) as usize % rids.len()];
                    match routes.replace(id, spec) {
                        Ok(_) => {
                            let r = mr.iter_mut().find(|r| r.id == id).expect("live route");
                            r.host = lhost;
                            r.prefix = prefix.to_vec();
                        }
                        Err(Error::Invalid(_)) => assert!(!valid),
                        Err(Error::NotFound) => {
                            assert!(valid && !mr.iter().any(|r| r.id == id))
                        }
                        Err(Error::Exists) => assert!(taken(id)),
                        Err(e) => panic!("undocumented replace error {e:?}"),
                    }
                } else {
                    match routes.add(spec) {
                        Ok(id) => {
                            assert!(valid && !taken(0) && mr.len() < 4);
                            assert!(!rids.contains(&id), "route id reused");
                            rids.push(id);
                            mr.push(MRoute {
                                id,
                                host: lhost,
                                prefix: prefix.to_vec(),
                            });
                        }
                        Err(Error::Invalid(_)) => assert!(!valid),
                        Err(Error::Exists) => assert!(valid && taken(0)),
                        Err(Error::Full) => assert!(valid && mr.len() == 4),
                        Err(e) => panic!("undocumented add error {e:?}"),
                    }
                }
            }
            5 => {
                let id = rids[b.u8().unwrap_or(0) as usize % rids.len()];
                match routes.remove(id) {
                    Ok(_) => mr.retain(|r| r.id != id),
                    Err(Error::NotFound) => assert!(!mr.iter().any(|r| r.id == id)),
                    Err(e) => panic!("undocumented route remove error {e:?}"),
                }
            }
            6 => {
                let host = b.word(&HOSTS).unwrap_or(b"app");
                let path = b.word(&PATHS).unwrap_or(b"/");
                let got = routes.lookup(host, path).map(|r| r.id).ok();
                assert_eq!(
                    got,
                    model_lookup(&mr, host, path),
                    "lookup {host:?} {path:?}"
                );
            }
            7 | 8 => {
                let n = b.u8().unwrap_or(0) as usize % 4;
                let bad = b.u8().unwrap_or(0) % 8 == 0;
                let rs: Vec<Request> = (0..n)
                    .map(|i| Request {
                        bytes: head + i as u64,
                        flags: if bad && i == 0 { 64 } else { 0 },
                        route_id: i as u64,
                        ..Default::default()
                    })
                    .collect();
                match log.record_batch(rs) {
                    Ok(first) => {
                        assert!(!(bad && n > 0));
                        assert_eq!(first, head);
                        for i in 0..n as u64 {
                            ml.push_back((head, head));
                            head += 1;
                            let _ = i;
                            if ml.len() > cap {
                                ml.pop_front();
                            }
                        }
                    }
                    Err(Error::Invalid(_)) => assert!(bad && n > 0),
                    Err(e) => panic!("undocumented record error {e:?}"),
                }
            }
            _ => {
                let max = b.u8().unwrap_or(0) as usize % 4;
                let r = log.read(cursor, max);
                let avail: Vec<&(u64, u64)> = ml.iter().filter(|(s, _)| *s >= cursor).collect();
                let oldest = head.saturating_sub(cap as u64);
                assert_eq!(r.missed, oldest.saturating_sub(cursor), "missed");
                assert_eq!(r.requests.len(), avail.len().min(max));
                for (q, (s, by)) in r.requests.iter().zip(avail) {
                    assert_eq!((q.seq, q.bytes), (*s, *by));
                }
                assert_eq!(r.next, cursor.max(oldest) + r.requests.len() as u64);
                cursor = r.next;
                assert_eq!(log.head(), head);
            }
        }
        // Cross-checks after every op.
        let list = procs.list();
        assert_eq!(list.procs.len(), mp.len());
        for p in &list.procs {
            let m = &mp[&p.id];
            assert_eq!((&p.name, ProcModel::of(p)), (&m.0, m.1));
            assert_eq!(procs.find(&p.name).map(|q| q.id), Ok(p.id));
        }
        assert!(list.procs.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(routes.count(), mr.len());
        let changed_p = procs.generation() != pg;
        let changed_r = routes.generation() != rg;
        assert!(procs.generation() >= pg && routes.generation() >= rg);
        let _ = (changed_p, changed_r);
    }
});
