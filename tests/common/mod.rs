//! Shared test helpers (`mod common;` in a test file).
#![allow(dead_code)]

use lfe::lockdep::{observer, Config, Validator};
use std::sync::{Arc, OnceLock};

/// The validator every baseline lock in this test binary reports to (installed on first use).
pub fn validator() -> Arc<Validator> {
    static V: OnceLock<Arc<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let v = Arc::new(Validator::new(Config::default()).expect("validator"));
        observer::install(v.clone());
        v
    })
    .clone()
}

/// Turns the lock-order validator on for the baseline locks; when the returned guard drops at
/// the end of the test, the test fails if any violation (order inversion, cycle, recursion,
/// unheld release) was reported by any baseline lock in this binary.
#[must_use]
pub fn lockdep_on() -> LockdepCheck {
    validator();
    LockdepCheck
}

pub struct LockdepCheck;

impl Drop for LockdepCheck {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            observer::assert_clean(&validator());
        }
    }
}

/// Runs `f(shared.clone(), i)` for each `i` in `0..n`, each on its own thread.
pub fn spawn_n<S, R, F>(n: u64, shared: &S, f: F) -> Vec<std::thread::JoinHandle<R>>
where
    S: Clone + Send + 'static,
    R: Send + 'static,
    F: Fn(S, u64) -> R + Clone + Send + 'static,
{
    (0..n)
        .map(|i| {
            let (s, f) = (shared.clone(), f.clone());
            std::thread::spawn(move || f(s, i))
        })
        .collect()
}

/// A deterministic xorshift generator for test inputs (seeded; never 0).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An element of `xs`.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// The two tests of each test body generic over the structure: `<body>::lfe` runs it on lfe's
/// structure, `<body>::baseline` on the mutex baseline with the lock-order validator on.
#[macro_export]
macro_rules! lfe_and_baseline {
    ($($body:ident),+ : $lfe:ty, $base:ty) => {$(
        mod $body {
            // The structure types are named in the test file's scope.
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn lfe() {
                super::$body::<$lfe>();
            }

            #[test]
            fn baseline() {
                let _lockdep = $crate::common::lockdep_on();
                super::$body::<$base>();
            }
        }
    )+};
}
