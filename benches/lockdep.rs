//! Criterion benches for lockdep: the cost an acquire/release pair adds to a real lock, in one
//! run: a raw `std::sync::Mutex` lock/unlock with no validator; the same with a disabled
//! validator reporting around it; with an enabled validator where the token already holds an
//! outer lock and the edge outer -> inner is known (the lock-free fast path); enabled with no
//! other lock held; and enabled with a held stack of three locks.
use criterion::{criterion_group, criterion_main, Criterion};
use lfe::lockdep::{Config, Validator};
use std::hint::black_box;
use std::sync::Mutex;

fn bench(c: &mut Criterion) {
    let m = Mutex::new(0u64);
    let mut g = c.benchmark_group("lockdep_pair");

    g.bench_function("raw_std_mutex", |b| {
        b.iter(|| {
            *m.lock().unwrap() += 1;
        })
    });

    let off = Validator::new(Config {
        enabled: false,
        ..Config::default()
    })
    .unwrap();
    let x = off.register(b"inner").unwrap();
    g.bench_function("disabled", |b| {
        b.iter(|| {
            let _ = black_box(off.acquire(1, x));
            *m.lock().unwrap() += 1;
            let _ = black_box(off.release(1, x));
        })
    });

    let on = Validator::new(Config::default()).unwrap();
    let outer = on.register(b"outer").unwrap();
    let inner = on.register(b"inner").unwrap();
    on.acquire(1, outer).unwrap();
    on.acquire(1, inner).unwrap();
    on.release(1, inner).unwrap();
    g.bench_function("enabled_known_edge", |b| {
        b.iter(|| {
            on.acquire(1, inner).unwrap();
            *m.lock().unwrap() += 1;
            on.release(1, inner).unwrap();
        })
    });

    let single = Validator::new(Config::default()).unwrap();
    let only = single.register(b"only").unwrap();
    g.bench_function("enabled_single_lock", |b| {
        b.iter(|| {
            single.acquire(1, only).unwrap();
            *m.lock().unwrap() += 1;
            single.release(1, only).unwrap();
        })
    });

    let deep = Validator::new(Config::default()).unwrap();
    let ids: Vec<u32> = (0..4)
        .map(|i| deep.register(format!("l{i}").as_bytes()).unwrap())
        .collect();
    for &id in &ids {
        deep.acquire(1, id).unwrap();
    }
    deep.release(1, ids[3]).unwrap();
    g.bench_function("enabled_known_edges_depth3", |b| {
        b.iter(|| {
            deep.acquire(1, ids[3]).unwrap();
            *m.lock().unwrap() += 1;
            deep.release(1, ids[3]).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
