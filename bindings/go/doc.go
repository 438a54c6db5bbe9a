// Package lfe binds lfe, the lock-free engine, to Go through cgo.
//
// lfe is a Rust library of non-blocking shared structures for developer-tool hosts (a log
// store, RCU tables, an event queue and bus, a lock-order validator) exported through a stable
// C ABI (include/lfe.h). This package is a thin, idiomatic layer over that ABI:
//
//   - Every handle (LogStore, Queue, ...) has Close, which is safe to call twice and safe
//     against concurrent use, and takes no Go lock: it closes the C handle
//     (lfe_*_close_handle), so that calls racing it and every later call return ErrClosed and
//     blocked calls wake with ErrClosed, without waiting for calls in flight. A call writes
//     nothing shared to enter the handle. The memory is freed by a cleanup
//     (runtime.AddCleanup) once the wrapper is unreachable, i.e. when no call can be in flight:
//     closed handles hold their memory until the garbage collector runs.
//   - Every C status code is an error value (ErrFull, ErrTimeout, ErrClosed, ...) that works
//     with errors.Is.
//   - Blocking calls take a context.Context. LogStore.Wait/Follow and Subscription.Pop/PopBatch
//     block in one C call (the goroutine's OS thread sleeps in C; a write wakes it), and
//     cancelling the context interrupts that call (lfe_log_interrupt, lfe_sub_interrupt); the
//     Queue's waits still run in short bounded C slices between which the context is checked.
//   - Queries cross cgo once and copy the whole result (one lfe_batch) into Go values; batch
//     writes (AppendBatch, PushBatch) cross cgo once per batch, from C memory.
//
// Linking: by default the package links an installed lfe through pkg-config (`make install`,
// then PKG_CONFIG_PATH=<prefix>/lib/pkgconfig when the prefix is not a standard one); no build
// tag is needed. `make go-dist` writes a self-contained copy of this module (build/go/) that
// carries the static library for its platform and links it by default, for machines without a
// Rust toolchain. Inside the repository, `make go-test` builds with -tags lfe_repo, which links
// the freshly built build/lib/liblfe.a. The package needs cgo: with CGO_ENABLED=0 the build
// stops with an error that says so.
//
// A cgo call costs tens of nanoseconds; see the package benchmarks (bench_test.go) for when lfe
// pays off against pure-Go structures: typically when calls are batched, or when the work done
// per call (e.g. detection) would otherwise run under a Go lock.
package lfe
