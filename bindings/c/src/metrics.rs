//! `lfe_metrics_render`: the core's OpenMetrics renderer (`lfe::metrics`) over a list of handles.

use crate::args::{copy_out, live, slice};
use crate::batch::lfe_bytes;
use crate::bus::{lfe_bus, lfe_sub};
use crate::guard::{call, Res, Status};
use crate::lockdep::lfe_lockdep;
use crate::log::lfe_log;
use crate::queue::lfe_queue;
use crate::requests::lfe_requests;
use crate::status::*;
use lfe::metrics::{render, RequestStats, Source, Stats};
use std::ffi::c_void;

/// `lfe_metrics_source.kind`: the handle is an `lfe_log *`.
pub const LFE_METRICS_LOG: u32 = 1;
/// `lfe_metrics_source.kind`: the handle is an `lfe_queue *`.
pub const LFE_METRICS_QUEUE: u32 = 2;
/// `lfe_metrics_source.kind`: the handle is an `lfe_bus *`.
pub const LFE_METRICS_BUS: u32 = 3;
/// `lfe_metrics_source.kind`: the handle is an `lfe_sub *`.
pub const LFE_METRICS_SUB: u32 = 4;
/// `lfe_metrics_source.kind`: the handle is an `lfe_requests *`.
pub const LFE_METRICS_REQUESTS: u32 = 5;
/// `lfe_metrics_source.kind`: the handle is an `lfe_lockdep *`.
pub const LFE_METRICS_LOCKDEP: u32 = 6;

/// One structure to export: what kind of handle `handle` is (`LFE_METRICS_*`), the handle, and
/// its name (the `name` label; any non-empty bytes, shown lossily as UTF-8).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lfe_metrics_source {
    pub kind: u32,
    pub handle: *const c_void,
    pub name: lfe_bytes,
}

fn stats_of(s: &lfe_metrics_source) -> Res<Stats> {
    let h = s.handle;
    Ok(match s.kind {
        LFE_METRICS_LOG => Stats::Log(live(h.cast::<lfe_log>())?.inner.stats()),
        LFE_METRICS_QUEUE => Stats::Queue(live(h.cast::<lfe_queue>())?.inner.stats()),
        LFE_METRICS_BUS => Stats::Bus(live(h.cast::<lfe_bus>())?.inner.stats()),
        LFE_METRICS_SUB => Stats::Sub(live(h.cast::<lfe_sub>())?.inner.stats()),
        LFE_METRICS_REQUESTS => {
            let r = &live(h.cast::<lfe_requests>())?.inner;
            Stats::Requests(RequestStats {
                global: r.global_stats(),
                overflow: r.stats_overflow(),
            })
        }
        LFE_METRICS_LOCKDEP => Stats::Lockdep(live(h.cast::<lfe_lockdep>())?.inner.stats()),
        _ => return Err(Status(LFE_E_INVALID)),
    })
}

/// Writes the counters of `n` structures as one OpenMetrics text exposition into `buf`: every
/// family once (`# TYPE`, `# HELP`), names under `lfe_`, one sample per structure labelled
/// `name="<its name>"`, ending with `# EOF`. Not NUL-terminated; `*len_out` receives its length.
///
/// Ownership: nothing is allocated that outlives the call; the text is copied into `buf`.
/// Errors: `LFE_E_NULL` (sources NULL with n > 0, a handle NULL, len_out NULL, buf NULL with
/// cap > 0 needed), `LFE_E_INVALID` (an unknown kind, an empty name, two structures of one
/// kind with the same name), `LFE_E_BUFFER_TOO_SMALL` (`cap` is less than the text: nothing is
/// copied and `*len_out` receives the length needed — the one out-parameter written on an
/// error; call again with a larger buffer, leaving room as counters may have grown).
/// Thread safety: safe to call concurrently, and with any call on the listed handles except
/// their `_free`.
///
/// # Safety
/// `sources` points to `n` initialised `lfe_metrics_source` whose `handle` is a live handle of
/// the type its `kind` names and whose `name` is readable; `buf` is NULL or `cap` writable
/// bytes; `len_out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_metrics_render(
    sources: *const lfe_metrics_source,
    n: usize,
    buf: *mut u8,
    cap: usize,
    len_out: *mut usize,
) -> i32 {
    call(|| {
        let list = slice(sources, n)?;
        let mut srcs = Vec::with_capacity(list.len());
        for s in list {
            srcs.push(Source {
                name: s.name.input()?,
                stats: stats_of(s)?,
            });
        }
        let mut text = Vec::new();
        render(&srcs, &mut text)?;
        copy_out(&text, buf, cap, len_out)
    })
}
