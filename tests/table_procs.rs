//! Process table: API behaviour and exact errors (lfe and baseline), and a stress test whose
//! readers check every snapshot against a sequential replay of the writers' history.

mod common;
use common::Rng;

use lfe::table::process::{ProcConfig, ProcSnap, ProcState, ProcTableIn, ProcessSpec};
use lfe::table::{Rcu, Store};
use lfe::Error;
use lfe_baselines::model::ProcModel;
use lfe_baselines::table::Locked;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use ProcState::*;

fn basics<S: Store<ProcSnap>>() {
    let t = ProcTableIn::<S>::new(ProcConfig {
        max_procs: 3,
        max_labels: 2,
        max_field: 16,
    });
    assert_eq!(t.generation(), 1);
    let mut spec = ProcessSpec::new("web", "npm run dev");
    spec.cwd = b"/srv".to_vec();
    spec.labels = vec![(b"k".to_vec(), b"v".to_vec())];
    let a = t.insert(spec.clone()).unwrap();
    assert_eq!(a, 1);
    assert_eq!(t.generation(), 2);
    assert_eq!(t.insert(spec.clone()), Err(Error::Exists));
    assert!(matches!(
        t.insert(ProcessSpec::new("", "x")),
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        t.insert(ProcessSpec::new(vec![b'n'; 17], "x")),
        Err(Error::TooLarge)
    );
    let mut many = ProcessSpec::new("l", "x");
    many.labels = vec![(vec![], vec![]); 3];
    assert_eq!(t.insert(many), Err(Error::TooLarge));
    let b = t.insert(ProcessSpec::new("api", "go run .")).unwrap();
    assert!(b > a, "ids grow and burnt ids are not reused");
    let _c = t.insert(ProcessSpec::new("db", "pg")).unwrap();
    assert_eq!(t.insert(ProcessSpec::new("more", "x")), Err(Error::Full));
    assert_eq!(t.count(), 3);

    let p = t.get(a).unwrap();
    assert_eq!((p.state, p.restarts, p.pid), (Pending, 0, 0));
    assert_eq!(p.labels, spec.labels);
    assert_eq!(&p.cwd, b"/srv");
    assert_eq!(t.find(b"api").unwrap().id, b);
    assert_eq!(t.find(b"nope"), Err(Error::NotFound));
    assert_eq!(t.get(999), Err(Error::NotFound));

    // Transitions: CAS semantics and the graph.
    // Not an edge of the graph (or an exit code that contradicts the target state).
    let invalid =
        |from, to, code| matches!(t.transition(a, from, to, code), Err(Error::Invalid(_)));
    let g0 = t.generation();
    let g = t.transition(a, Pending, Starting, 0).unwrap();
    assert_eq!(g, g0 + 1);
    assert_eq!(t.transition(a, Pending, Starting, 0), Err(Error::Conflict));
    assert!(invalid(Starting, Pending, 0));
    assert!(invalid(Running, Running, 0));
    assert_eq!(
        t.transition(999, Pending, Starting, 0),
        Err(Error::NotFound)
    );
    t.set_pid(a, 4242).unwrap();
    t.transition(a, Starting, Running, 0).unwrap();
    assert!(t.get(a).unwrap().start_ns > 0);
    assert!(invalid(Running, Exited, 1));
    assert!(invalid(Running, Failed, 0));
    t.transition(a, Running, Stopping, 0).unwrap();
    t.transition(a, Stopping, Stopped, 143).unwrap();
    // A late exit handler cannot flip stopped into failed.
    assert_eq!(t.transition(a, Running, Failed, 1), Err(Error::Conflict));
    let p = t.get(a).unwrap();
    assert_eq!((p.state, p.exit_code, p.pid), (Stopped, 143, 4242));
    assert!(p.end_ns >= p.start_ns);
    // Restart.
    t.transition(a, Stopped, Starting, 0).unwrap();
    let p = t.get(a).unwrap();
    assert_eq!(
        (p.state, p.restarts, p.end_ns, p.exit_code),
        (Starting, 1, 0, 0)
    );
    t.transition(a, Starting, Failed, 2).unwrap();
    assert_eq!(t.get(a).unwrap().exit_code, 2);

    let l = t.list();
    assert_eq!(l.generation, t.generation());
    assert_eq!(
        l.procs.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![1, b, _c]
    );
    t.remove(b).unwrap();
    assert_eq!(t.remove(b), Err(Error::NotFound));
    assert_eq!(t.find(b"api"), Err(Error::NotFound));
    let d = t.insert(ProcessSpec::new("api", "again")).unwrap();
    assert!(d > _c, "ids are never reused");
}

#[test]
fn zero_config_is_invalid() {
    let cfg = ProcConfig {
        max_procs: 0,
        ..Default::default()
    };
    assert!(matches!(
        lfe::table::process::ProcTable::with_config(cfg),
        Err(Error::Invalid(_))
    ));
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Trans(u64, ProcState, ProcState, i32),
    Pid(u64, u32),
}

fn stress<S: Store<ProcSnap> + 'static>() {
    const PROCS: u64 = 8;
    let writes: u64 = if cfg!(debug_assertions) { 1500 } else { 5000 };
    let t = Arc::new(ProcTableIn::<S>::default());
    for i in 0..PROCS {
        t.insert(ProcessSpec::new(format!("p{i}"), "cmd")).unwrap();
    }
    let base_gen = t.generation();
    let history = Arc::new(Mutex::new(Vec::<(u64, Op)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..2u64 {
        let (t, history) = (t.clone(), history.clone());
        writers.push(std::thread::spawn(move || {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (w + 1));
            let mut done = 0;
            while done < writes {
                let id = 1 + rng.below(PROCS);
                if rng.below(5) == 0 {
                    let pid = rng.below(100_000) as u32;
                    let g = t.set_pid(id, pid).unwrap();
                    history.lock().unwrap().push((g, Op::Pid(id, pid)));
                    done += 1;
                    continue;
                }
                let from = t.get(id).unwrap().state;
                let to = ProcState::all()[rng.below(7) as usize];
                let code = match to {
                    Failed => 1 + rng.below(3) as i32,
                    Stopped => rng.below(2) as i32,
                    _ => 0,
                };
                match t.transition(id, from, to, code) {
                    Ok(g) => {
                        history
                            .lock()
                            .unwrap()
                            .push((g, Op::Trans(id, from, to, code)));
                        done += 1;
                    }
                    Err(Error::Conflict) => {}
                    Err(Error::Invalid(_)) => assert!(!from.can_go_to(to)),
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (t, stop) = (t.clone(), stop.clone());
        readers.push(std::thread::spawn(move || {
            let mut seen: Vec<(u64, Vec<ProcModel>)> = Vec::new();
            let (mut last_g, mut last_snap) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                let g = t.generation();
                assert!(g >= last_g, "generation went backwards");
                last_g = g;
                let l = t.list();
                // The atomic may lag the slot for an instant, never lead it.
                assert!(
                    l.generation >= g,
                    "snapshot older than a generation seen before"
                );
                assert!(l.generation >= last_snap, "snapshots went backwards");
                last_snap = l.generation;
                assert_eq!(l.procs.len() as u64, PROCS);
                if seen.len() < 20_000 {
                    let v = l.procs.iter().map(|p| ProcModel::of(p)).collect();
                    seen.push((l.generation, v));
                }
            }
            seen
        }));
    }
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<(u64, Vec<ProcModel>)> = readers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();

    // Replay the history in generation order: it must be dense, and each transition's
    // `expected` must be the state the model holds at that point (a true CAS).
    let mut h = history.lock().unwrap().clone();
    h.sort_by_key(|(g, _)| *g);
    let mut model: Vec<ProcModel> = vec![ProcModel::NEW; PROCS as usize];
    let mut states: HashMap<u64, Vec<ProcModel>> = HashMap::new();
    states.insert(base_gen, model.clone());
    for (i, (g, op)) in h.iter().enumerate() {
        assert_eq!(
            *g,
            base_gen + 1 + i as u64,
            "generations are dense and unique"
        );
        match *op {
            Op::Pid(id, pid) => model[id as usize - 1].pid = pid,
            Op::Trans(id, from, to, code) => {
                let r = &mut model[id as usize - 1];
                assert_eq!(r.state, from, "a CAS succeeded from a stale state");
                assert!(from.can_go_to(to));
                r.transition(to, code);
            }
        }
        states.insert(*g, model.clone());
    }
    for (g, v) in &seen {
        assert_eq!(
            states.get(g),
            Some(v),
            "snapshot {g} is not one a writer published"
        );
    }
    let last = t.list();
    assert_eq!(states.get(&last.generation).unwrap().len(), PROCS as usize);
}

/// Config limits: zero `max_procs`/`max_field` are `Invalid`; zero `max_labels` is accepted
/// and means "no labels" (any label is `TooLarge`); each maximum is accepted exactly and one
/// over is `TooLarge` (lfe and baseline share `with_config`).
fn config_limits<S: Store<ProcSnap>>() {
    use lfe::table::process::{MAX_FIELD, MAX_LABELS, MAX_PROCS};
    let make = |f: &dyn Fn(&mut ProcConfig)| {
        let mut c = ProcConfig::default();
        f(&mut c);
        ProcTableIn::<S>::with_config(c).map(|_| ())
    };
    assert!(matches!(make(&|c| c.max_procs = 0), Err(Error::Invalid(_))));
    assert!(matches!(make(&|c| c.max_field = 0), Err(Error::Invalid(_))));
    for (ok, over) in [
        (
            &(|c: &mut ProcConfig| c.max_procs = MAX_PROCS) as &dyn Fn(&mut ProcConfig),
            &(|c: &mut ProcConfig| c.max_procs = MAX_PROCS + 1) as &dyn Fn(&mut ProcConfig),
        ),
        (&|c| c.max_labels = MAX_LABELS, &|c| {
            c.max_labels = MAX_LABELS + 1
        }),
        (&|c| c.max_field = MAX_FIELD, &|c| {
            c.max_field = MAX_FIELD + 1
        }),
        (&|c| c.max_field = MAX_FIELD, &|c| c.max_field = usize::MAX),
    ] {
        assert_eq!(make(ok), Ok(()));
        assert_eq!(make(over), Err(Error::TooLarge));
    }
    let t = ProcTableIn::<S>::with_config(ProcConfig {
        max_labels: 0,
        ..Default::default()
    })
    .unwrap();
    let mut spec = ProcessSpec::new(&b"a"[..], &b"run"[..]);
    spec.labels.push((b"k".to_vec(), b"v".to_vec()));
    assert_eq!(t.insert(spec), Err(Error::TooLarge));
    assert_eq!(t.count(), 0);
    assert_eq!(t.insert(ProcessSpec::new(&b"a"[..], &b"run"[..])), Ok(1));
}

lfe_and_baseline!(basics, stress, config_limits: Rcu<ProcSnap>, Locked<ProcSnap>);
