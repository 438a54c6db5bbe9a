//! "lfe and its baseline have the same API", said once: one trait per structure, implemented
//! for the lock-free type and for its mutex baseline by forwarding to their inherent methods.
//! Tests write one generic body and run it on both; benches put both behind one trait object.
//! (The tables need no trait: the baseline tables are the same generic type over another store,
//! `lfe::table::process::ProcTableIn<Locked<_>>`, see [`crate::table`].)

use lfe::event::{Event, EventInput, QueueConfig, QueueStats};
use lfe::log::errors::ErrorGroup;
use lfe::log::urls::UrlEntry;
use lfe::log::{Config, Input, LogLine, Query, ReadBatch, Stats, Stream};
use lfe::table::requests::{ReadResult, Request, RequestsConfig, StatsView};
use lfe::Result;
use std::ops::Range;
use std::time::Duration;

/// Declares a trait with `create` (from a config) and the listed methods, and implements it for
/// each listed type by forwarding to its inherent `new` and methods of the same signatures.
macro_rules! same_api {
    ($(#[$doc:meta])* pub trait $tr:ident($cfg:ty) for $($t:ty),+ { $($body:tt)* }) => {
        same_api!(@trait $(#[$doc])* $tr($cfg) { $($body)* });
        same_api!(@impls $tr($cfg) { $($body)* } $($t),+);
    };
    (@trait $(#[$doc:meta])* $tr:ident($cfg:ty) {
        $(fn $m:ident(&self $(, $a:ident: $at:ty)*) $(-> $r:ty)?;)*
    }) => {
        $(#[$doc])*
        pub trait $tr: Send + Sync + 'static {
            fn create(cfg: $cfg) -> Result<Self>
            where
                Self: Sized;
            $(fn $m(&self $(, $a: $at)*) $(-> $r)?;)*
        }
    };
    (@impls $tr:ident($cfg:ty) { $($body:tt)* } $t:ty $(, $more:ty)*) => {
        same_api!(@impl $tr($cfg) for $t { $($body)* });
        same_api!(@impls $tr($cfg) { $($body)* } $($more),*);
    };
    (@impls $tr:ident($cfg:ty) { $($body:tt)* }) => {};
    (@impl $tr:ident($cfg:ty) for $t:ty {
        $(fn $m:ident(&self $(, $a:ident: $at:ty)*) $(-> $r:ty)?;)*
    }) => {
        impl $tr for $t {
            fn create(cfg: $cfg) -> Result<Self> {
                <$t>::new(cfg)
            }
            $(
                #[inline]
                fn $m(&self $(, $a: $at)*) $(-> $r)? {
                    <$t>::$m(self $(, $a)*)
                }
            )*
        }
    };
}

same_api! {
    /// The log store: `lfe::log::LogStore` and [`crate::log::LogStore`].
    pub trait LogStoreApi(Config) for lfe::log::LogStore, crate::log::LogStore {
        fn append(&self, process_id: u64, stream: Stream, ts_ns: u64, text: &[u8]) -> u64;
        fn append_batch(&self, lines: &[Input<'_>]) -> Range<u64>;
        fn enrich(&self, max_lines: usize) -> usize;
        fn sync(&self);
        fn read(&self, cursor: u64, max: usize) -> Result<ReadBatch>;
        fn tail(&self, n: usize, process_id: Option<u64>) -> Vec<LogLine>;
        fn search(&self, q: &Query<'_>) -> Result<Vec<LogLine>>;
        fn urls(&self) -> Vec<UrlEntry>;
        fn error_groups(&self) -> Vec<ErrorGroup>;
        fn stats(&self) -> Stats;
        fn clear(&self);
        fn clear_process(&self, process_id: u64);
    }
}

same_api! {
    /// The event queue: `lfe::event::EventQueue` and [`crate::event::EventQueue`].
    pub trait EventQueueApi(QueueConfig) for lfe::event::EventQueue, crate::event::EventQueue {
        fn try_push(&self, input: &EventInput<'_>) -> Result<u64>;
        fn push_timeout(&self, input: &EventInput<'_>, timeout: Duration) -> Result<u64>;
        fn try_push_batch(&self, inputs: &[EventInput<'_>]) -> Result<usize>;
        fn try_pop(&self) -> Result<Event>;
        fn pop_timeout(&self, timeout: Duration) -> Result<Event>;
        fn try_pop_batch(&self, out: &mut Vec<Event>, max: usize) -> Result<usize>;
        fn pop_batch_timeout(&self, out: &mut Vec<Event>, max: usize, t: Duration)
            -> Result<usize>;
        fn close(&self);
        fn closed(&self) -> bool;
        fn stats(&self) -> QueueStats;
    }
}

same_api! {
    /// The request log: `lfe::table::requests::RequestLog` and [`crate::table::RequestLog`].
    pub trait RequestLogApi(RequestsConfig)
        for lfe::table::requests::RequestLog, crate::table::RequestLog
    {
        fn record(&self, r: Request) -> Result<u64>;
        fn record_batch(&self, rs: Vec<Request>) -> Result<u64>;
        fn read(&self, cursor: u64, max: usize) -> ReadResult;
        fn recent(&self, n: usize) -> Vec<Request>;
        fn route_stats(&self, route_id: u64) -> Result<StatsView>;
        fn global_stats(&self) -> StatsView;
        fn stats_overflow(&self) -> u64;
    }
}
