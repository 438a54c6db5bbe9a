//! Regression tests for bugs found by the verification work (fuzz targets, test_hostile.c,
//! sanitizers, soak). Each names what it guards against.

use lfe::event::{BusConfig, EventBus, Filter};
use lfe::Error;

/// A bus whose `max_capacity` is huge let `subscribe(.., usize::MAX)` through to the ring
/// allocation: a capacity-overflow panic (LFE_E_PANIC over the ABI, after an eventfd was already
/// made and leaked) or, for a large non-overflowing capacity, an allocation-failure abort.
/// It is now `TooLarge` beyond 2^30, the queue's limit.
#[test]
fn bus_subscribe_absurd_capacity_is_too_large() {
    let bus = EventBus::new(BusConfig {
        max_capacity: usize::MAX,
        ..Default::default()
    })
    .unwrap();
    assert!(matches!(bus.subscribe(Filter::all(), usize::MAX), Err(Error::TooLarge)));
    assert!(matches!(bus.subscribe(Filter::all(), (1 << 30) + 1), Err(Error::TooLarge)));
    assert!(bus.subscribe(Filter::all(), 4).is_ok());
}
