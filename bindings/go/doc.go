// Package lfe binds lfe, the lock-free engine, to Go through cgo.
//
// lfe is a Rust library of non-blocking shared structures for developer-tool hosts (a log
// store, RCU tables, an event queue and bus, a lock-order validator) exported through a stable
// C ABI (include/lfe.h). This package is a thin, idiomatic layer over that ABI:
//
//   - Every handle (LogStore, Queue, ...) has Close, which is safe to call twice and safe
//     against concurrent use: Close waits for calls already inside the C library, and later
//     calls return ErrClosed. A cleanup frees handles that are dropped without Close, but
//     programs should Close them.
//   - Every C status code is an error value (ErrFull, ErrTimeout, ErrClosed, ...) that works
//     with errors.Is.
//   - Blocking calls take a context.Context; they wait in short bounded slices inside C and
//     check the context between them, so cancellation is honoured promptly.
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
