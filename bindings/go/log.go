package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_log_append
#cgo noescape lfe_log_append
#cgo nocallback lfe_log_append_batch
#cgo noescape lfe_log_append_batch
#cgo nocallback lfe_log_clear
#cgo noescape lfe_log_clear
#cgo nocallback lfe_log_clear_process
#cgo noescape lfe_log_clear_process
#cgo nocallback lfe_log_enrich
#cgo noescape lfe_log_enrich
#cgo nocallback lfe_log_errors
#cgo noescape lfe_log_errors
#cgo nocallback lfe_log_free
#cgo noescape lfe_log_free
#cgo nocallback lfe_log_new
#cgo noescape lfe_log_new
#cgo nocallback lfe_log_read_process
#cgo noescape lfe_log_read_process
#cgo nocallback lfe_log_read
#cgo noescape lfe_log_read
#cgo nocallback lfe_log_search
#cgo noescape lfe_log_search
#cgo nocallback lfe_log_stats
#cgo noescape lfe_log_stats
#cgo nocallback lfe_log_sync
#cgo noescape lfe_log_sync
#cgo nocallback lfe_log_tail
#cgo noescape lfe_log_tail
#cgo nocallback lfe_log_urls
#cgo noescape lfe_log_urls
#include <lfe.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"time"
	"unsafe"
)

// Stream says where a log line came from (LFE_LOG_STDOUT/STDERR/SYSTEM).
type Stream uint32

const (
	Stdout Stream = C.LFE_LOG_STDOUT
	Stderr Stream = C.LFE_LOG_STDERR
	System Stream = C.LFE_LOG_SYSTEM // lines written by the host itself
)

// Level is the log level detected in a line (LFE_LOG_LEVEL_*).
type Level uint32

const (
	LevelUnknown  Level = C.LFE_LOG_LEVEL_UNKNOWN
	LevelDebug    Level = C.LFE_LOG_LEVEL_DEBUG
	LevelInfo     Level = C.LFE_LOG_LEVEL_INFO
	LevelWarn     Level = C.LFE_LOG_LEVEL_WARN
	LevelError    Level = C.LFE_LOG_LEVEL_ERROR
	LevelCritical Level = C.LFE_LOG_LEVEL_CRITICAL
)

var levelNames = [...]string{"unknown", "debug", "info", "warn", "error", "critical"}

func (l Level) String() string { return enumName(levelNames[:], uint32(l), "Level") }

// LineFlags are per-line flag bits (LFE_LOG_FLAG_*).
type LineFlags uint32

const (
	FlagTruncated    LineFlags = C.LFE_LOG_FLAG_TRUNCATED    // cut at MaxLineLen
	FlagEnriched     LineFlags = C.LFE_LOG_FLAG_ENRICHED     // analysed: Level and Tags are final
	FlagErrorStart   LineFlags = C.LFE_LOG_FLAG_ERROR_START  // starts an error group
	FlagContinuation LineFlags = C.LFE_LOG_FLAG_CONTINUATION // continues an error
	FlagHasURL       LineFlags = C.LFE_LOG_FLAG_HAS_URL      // contains a URL
)

// Tags are the detected tag bits of a line (LFE_LOG_TAG_*).
type Tags uint32

const (
	TagBuild   Tags = C.LFE_LOG_TAG_BUILD
	TagTest    Tags = C.LFE_LOG_TAG_TEST
	TagLint    Tags = C.LFE_LOG_TAG_LINT
	TagCompile Tags = C.LFE_LOG_TAG_COMPILE
	TagWarning Tags = C.LFE_LOG_TAG_WARNING
	TagError   Tags = C.LFE_LOG_TAG_ERROR
)

// LogLine is a copy of one stored line. Level, Tags and the detection flags are final once
// Flags has FlagEnriched (enrichment runs off the append path).
type LogLine struct {
	Seq       uint64
	Time      time.Time
	ProcessID uint64
	Stream    Stream
	Level     Level
	Flags     LineFlags
	Tags      Tags
	Text      string // any bytes, as printed (not necessarily UTF-8)
}

// LogInput is one line for AppendBatch.
type LogInput struct {
	ProcessID uint64
	Stream    Stream
	Time      time.Time // zero: now
	Text      []byte
}

// URL is a URL seen in the log.
type URL struct {
	URL       string // normalised
	ProcessID uint64 // the process that printed it first
	FirstSeen time.Time
	LastSeen  time.Time
	Count     uint64
}

// ErrorGroup is a detected error with its continuation lines.
type ErrorGroup struct {
	ID        uint64
	ProcessID uint64
	Kind      uint32 // 1 JavaScript, 2 Go panic, 3 Python, 4 Rust panic, 5 Java, 6 compiler, 7 generic
	Closed    bool   // takes no more lines
	First     time.Time
	Last      time.Time
	FirstLine string   // text of the first line (ANSI stripped)
	Seqs      []uint64 // the group's lines; Seqs[0] is the starting line
}

// LogStats are a store's counters.
type LogStats struct {
	Appended, Bytes, Evicted, Truncated, Enriched, EnrichLag, InlineEnriched, Capacity uint64
}

// Query is a search of the retained lines.
type Query struct {
	Pattern         string // a regular expression (regex-automata syntax), or a literal
	Literal         bool
	CaseInsensitive bool
	HasProcess      bool // only lines of ProcessID
	ProcessID       uint64
	MinLevel        Level     // only lines of at least this level
	Since, Until    time.Time // zero: unbounded
	Limit           int       // the newest Limit matches (0: no limit)
}

// PatternError is returned by Search for a pattern that does not compile; it matches
// ErrBadPattern with errors.Is.
type PatternError struct {
	Msg string
}

func (e *PatternError) Error() string { return "lfe: bad pattern: " + e.Msg }

// Unwrap returns ErrBadPattern.
func (e *PatternError) Unwrap() error { return ErrBadPattern }

// GapError is yielded by Follow when lines were evicted before they could be read; the
// iteration continues after it.
type GapError struct {
	Missed uint64
}

func (e *GapError) Error() string {
	return fmt.Sprintf("lfe: %d log lines evicted before they were read", e.Missed)
}

// LogStoreOptions configures a LogStore; zero fields take the library defaults.
type LogStoreOptions struct {
	Capacity           int           // lines kept (default 10000)
	MaxLineLen         int           // longer lines are cut and flagged (default 16384)
	Manual             bool          // no background enrichment: call Enrich yourself
	URLCapacity        int           // distinct URLs kept (default 256)
	ErrorGroupCapacity int           // error groups kept (default 256)
	ErrorGroupMaxLines int           // lines per error group (default 64)
	ErrorGroupMaxGap   time.Duration // an error group closes after this gap (default 2s)
	MaxPatternLen      int           // longest search pattern (default 4096)
}

// LogStore is a bounded lock-free ring of log lines with enrichment (level, tags, URLs, error
// groups) done off the append path. Append never blocks and never reorders a producer's lines.
// All methods are safe for concurrent use. Close stops the enrichment worker after it enriched
// what was appended.
type LogStore struct {
	owned
}

// NewLogStore creates a log store (lfe_log_new) and, unless Manual, its enrichment worker.
func NewLogStore(opts LogStoreOptions) (*LogStore, error) {
	cfg := C.lfe_log_config{
		size:                   C.size_t(unsafe.Sizeof(C.lfe_log_config{})),
		capacity:               C.uint64_t(max(opts.Capacity, 0)),
		max_line_len:           C.uint64_t(max(opts.MaxLineLen, 0)),
		url_capacity:           C.uint64_t(max(opts.URLCapacity, 0)),
		error_group_capacity:   C.uint64_t(max(opts.ErrorGroupCapacity, 0)),
		error_group_max_lines:  C.uint64_t(max(opts.ErrorGroupMaxLines, 0)),
		error_group_max_gap_ns: C.uint64_t(max(opts.ErrorGroupMaxGap, 0)),
		max_pattern_len:        C.uint64_t(max(opts.MaxPatternLen, 0)),
	}
	if opts.Manual {
		cfg.manual = 1
	}
	s := &LogStore{}
	return create(s, &s.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_log_new(&cfg, (**C.lfe_log)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_log_close_handle((*C.lfe_log)(p)) },
		func(p unsafe.Pointer) { C.lfe_log_free((*C.lfe_log)(p)) })
}

// Append appends one line and returns its sequence number. Lines longer than MaxLineLen are
// cut and flagged FlagTruncated. Errors: ErrInvalid (stream out of range).
func (s *LogStore) Append(processID uint64, stream Stream, text []byte) (uint64, error) {
	tp, tl := cBytesPtr(text)
	var seq C.uint64_t
	err := s.h.call(s, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_log_append((*C.lfe_log)(p), C.uint64_t(processID), C.uint32_t(stream), 0, tp, tl, &seq)
	})
	runtime.KeepAlive(text)
	return uint64(seq), err
}

// AppendString is Append for a string.
func (s *LogStore) AppendString(processID uint64, stream Stream, text string) (uint64, error) {
	tp, tl := cStrPtr(text)
	var seq C.uint64_t
	err := s.h.call(s, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_log_append((*C.lfe_log)(p), C.uint64_t(processID), C.uint32_t(stream), 0, tp, tl, &seq)
	})
	runtime.KeepAlive(text)
	return uint64(seq), err
}

// AppendBatch appends lines in order with consecutive sequence numbers, crossing cgo once, and
// returns the first. Nothing is appended on error (ErrInvalid: a stream out of range).
func (s *LogStore) AppendBatch(lines []LogInput) (uint64, error) {
	var tl uintptr
	for i := range lines {
		tl += uintptr(len(lines[i].Text))
	}
	sz := uintptr(len(lines)) * unsafe.Sizeof(C.lfe_log_input{})
	a := newCArena(arenaSize(sz, tl, 1))
	defer a.free()
	var arr *C.lfe_log_input
	if len(lines) > 0 {
		ins := unsafe.Slice((*C.lfe_log_input)(a.alloc(sz)), len(lines))
		for i := range lines {
			l := &lines[i]
			ins[i].process_id = C.uint64_t(l.ProcessID)
			ins[i].stream = C.uint32_t(l.Stream)
			ins[i].ts_ns = tsOf(l.Time)
			ins[i].text = a.bytes(unsafe.String(unsafe.SliceData(l.Text), len(l.Text)))
		}
		arr = &ins[0]
	}
	first, err := get(s.h, s, C.uint64_t(0), func(p unsafe.Pointer, first *C.uint64_t) C.int32_t {
		return C.lfe_log_append_batch((*C.lfe_log)(p), arr, C.size_t(len(lines)), first)
	})
	return uint64(first), err
}

// AppendStrings appends texts of one process and stream in order, crossing cgo once.
func (s *LogStore) AppendStrings(processID uint64, stream Stream, texts []string) (uint64, error) {
	var tl uintptr
	for _, t := range texts {
		tl += uintptr(len(t))
	}
	sz := uintptr(len(texts)) * unsafe.Sizeof(C.lfe_log_input{})
	a := newCArena(arenaSize(sz, tl, 1))
	defer a.free()
	var arr *C.lfe_log_input
	if len(texts) > 0 {
		ins := unsafe.Slice((*C.lfe_log_input)(a.alloc(sz)), len(texts))
		for i, t := range texts {
			ins[i].process_id = C.uint64_t(processID)
			ins[i].stream = C.uint32_t(stream)
			ins[i].text = a.bytes(t)
		}
		arr = &ins[0]
	}
	first, err := get(s.h, s, C.uint64_t(0), func(p unsafe.Pointer, first *C.uint64_t) C.int32_t {
		return C.lfe_log_append_batch((*C.lfe_log)(p), arr, C.size_t(len(texts)), first)
	})
	return uint64(first), err
}

// Read returns up to limit lines with Seq >= cursor (start with 0), oldest first, the cursor
// for the next call, and how many lines were evicted before they could be read.
func (s *LogStore) Read(cursor uint64, limit int) (lines []LogLine, next, missed uint64, err error) {
	return readPage(s.h, s, cursor, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_log_read((*C.lfe_log)(p), C.uint64_t(cursor), C.size_t(max(limit, 0)), out)
	}, linesOf)
}

// Tail returns the newest n lines, oldest first.
func (s *LogStore) Tail(n int) ([]LogLine, error) { return s.tail(n, 0, 0) }

// TailProcess returns the newest n lines of one process, oldest first.
func (s *LogStore) TailProcess(processID uint64, n int) ([]LogLine, error) {
	return s.tail(n, 1, processID)
}

func (s *LogStore) tail(n int, has uint32, pid uint64) ([]LogLine, error) {
	lines, _, err := fetch(s.h, s, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_log_tail((*C.lfe_log)(p), C.size_t(max(n, 0)), C.uint32_t(has), C.uint64_t(pid), out)
	}, linesOf)
	return lines, err
}

// Search returns the newest matches of q among the retained lines, oldest first. A pattern that
// does not compile gives a *PatternError (errors.Is(err, ErrBadPattern)); a pattern longer than
// MaxPatternLen gives ErrTooLarge.
func (s *LogStore) Search(q Query) ([]LogLine, error) {
	a := newCArena(arenaSize(unsafe.Sizeof(C.lfe_log_query{}), uintptr(len(q.Pattern)), 1))
	defer a.free()
	cq := (*C.lfe_log_query)(a.alloc(unsafe.Sizeof(C.lfe_log_query{})))
	cq.size = C.size_t(unsafe.Sizeof(C.lfe_log_query{}))
	cq.pattern = a.bytes(q.Pattern)
	var fl C.uint32_t
	if q.Literal {
		fl |= C.LFE_LOG_SEARCH_LITERAL
	}
	if q.CaseInsensitive {
		fl |= C.LFE_LOG_SEARCH_CASE_INSENSITIVE
	}
	if q.HasProcess {
		fl |= C.LFE_LOG_SEARCH_HAS_PROCESS
	}
	cq.flags = fl
	cq.min_level = C.uint32_t(q.MinLevel)
	cq.process_id = C.uint64_t(q.ProcessID)
	cq.since_ns = tsOf(q.Since)
	cq.until_ns = tsOf(q.Until)
	cq.limit = C.uint64_t(max(q.Limit, 0))
	var b, eb *C.lfe_batch
	err := s.h.call(s, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_log_search((*C.lfe_log)(p), cq, &b, &eb)
	})
	if errors.Is(err, ErrBadPattern) {
		msg := "pattern does not compile"
		if eb != nil {
			if texts, err := textsOf(eb); err == nil && len(texts) == 1 {
				msg = texts[0]
			}
			C.lfe_batch_free(eb)
		}
		return nil, &PatternError{Msg: msg}
	}
	if err != nil {
		return nil, err
	}
	defer C.lfe_batch_free(b)
	return linesOf(b)
}

// Follow yields the lines from cursor on, oldest first, and then new lines as they are
// appended, until ctx is done, the store is closed or the loop breaks. When it is caught up it
// blocks in Wait (no polling). If lines were evicted before Follow read them it yields a
// *GapError (and continues if the loop does). An error other than the end (ctx done, Close)
// is yielded once, then the iteration stops.
func (s *LogStore) Follow(ctx context.Context, cursor uint64) iter.Seq2[LogLine, error] {
	return func(yield func(LogLine, error) bool) {
		for {
			lines, next, missed, err := s.Read(cursor, 1024)
			if err == nil && missed > 0 && !yield(LogLine{}, &GapError{Missed: missed}) {
				return
			}
			if err == nil && len(lines) == 0 {
				err = s.Wait(ctx, next)
			}
			if err != nil {
				if !errors.Is(err, ErrClosed) && ctx.Err() == nil {
					yield(LogLine{}, err)
				}
				return
			}
			cursor = next
			for _, l := range lines {
				if !yield(l, nil) {
					return
				}
			}
		}
	}
}

// Wait blocks until a line at or after cursor is there to read (nil; a read from cursor may
// also report lines evicted meanwhile), ctx is done (ctx.Err()) or the store is closed
// (ErrClosed), in one C call (lfe_log_wait): the goroutine's thread sleeps in C and an append
// wakes it. Cancelling ctx interrupts the wait (lfe_log_interrupt, which also makes other
// waits of the store look again). Errors: ErrInvalid (cursor beyond the end).
func (s *LogStore) Wait(ctx context.Context, cursor uint64) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := waitInC(ctx, func(t C.uint64_t) error {
			return s.h.call(s, func(p unsafe.Pointer) C.int32_t {
				return C.lfe_log_wait((*C.lfe_log)(p), C.uint64_t(cursor), t)
			})
		}, s.interrupt)
		if e := ctx.Err(); e != nil {
			return e
		}
		if errors.Is(err, ErrTimeout) {
			continue // ctx's deadline passed: ctx.Err() says so once its timer has run
		}
		if err != nil || s.ready(cursor) {
			return err
		}
		// Interrupted for another waiter of the store: wait again.
	}
}

// ready reports whether a line at or after cursor is published (a wait that returns nil may
// have been interrupted for another waiter).
func (s *LogStore) ready(cursor uint64) bool {
	err := s.h.call(s, func(p unsafe.Pointer) C.int32_t { return C.lfe_log_wait((*C.lfe_log)(p), C.uint64_t(cursor), 0) })
	return err == nil
}

// interrupt wakes the waits blocked on the store (lfe_log_interrupt).
func (s *LogStore) interrupt() {
	_ = s.h.call(s, func(p unsafe.Pointer) C.int32_t { return C.lfe_log_interrupt((*C.lfe_log)(p)) })
}

// waitInC runs wait, one blocking C call given its C timeout (ctx's deadline, or forever),
// so that cancelling ctx interrupts it: the wait being cancelled may not have entered C yet
// when ctx is done (an interrupt before its entry would be lost), so interrupt is repeated
// until wait has returned.
func waitInC(ctx context.Context, wait func(timeout C.uint64_t) error, interrupt func()) error {
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			interrupt()
			t.Reset(100 * time.Microsecond)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	err := wait(timeoutOf(ctx))
	close(done)
	stop()
	return err
}

// timeoutOf is the C timeout of a wait bounded by ctx's deadline (LFE_TIMEOUT_INFINITE
// without one; the deadline's cancellation interrupts it anyway, this only saves the wake-up).
func timeoutOf(ctx context.Context) C.uint64_t {
	if dl, ok := ctx.Deadline(); ok {
		return C.uint64_t(max(time.Until(dl), 0).Nanoseconds())
	}
	return C.LFE_TIMEOUT_INFINITE
}

// ReadProcess returns every retained line of one process, oldest first, with one cgo call
// (lfe_log_read_process: each text is copied once inside the library, into the result's
// byte block, and that block once into Go memory, which every line's Text shares).
func (s *LogStore) ReadProcess(processID uint64) ([]LogLine, error) {
	lines, _, err := fetch(s.h, s, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_log_read_process((*C.lfe_log)(p), C.uint64_t(processID), out)
	}, linesOf)
	return lines, err
}

// URLs returns the URLs seen so far, most recently seen first.
func (s *LogStore) URLs() ([]URL, error) {
	urls, _, err := fetch(s.h, s, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_log_urls((*C.lfe_log)(p), out)
	}, func(b *C.lfe_batch) ([]URL, error) {
		return decode(b, C.LFE_REC_LOG_URL, func(v *batchView, r *C.lfe_log_url) URL {
			return URL{URL: v.str(r.url), ProcessID: uint64(r.process_id), FirstSeen: nsTime(uint64(r.first_seen_ns)),
				LastSeen: nsTime(uint64(r.last_seen_ns)), Count: uint64(r.count)}
		})
	})
	return urls, err
}

// LineURLs returns the URLs of line seq, normalised as in URLs, in order of appearance (empty
// when the line has none), with one cgo call (lfe_log_line_urls). Errors: ErrNotFound when the
// line is not retained (evicted, not appended yet, or hidden by Clear/ClearProcess) or not
// enriched yet (see Sync).
func (s *LogStore) LineURLs(seq uint64) ([]string, error) {
	urls, _, err := fetch(s.h, s, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_log_line_urls((*C.lfe_log)(p), C.uint64_t(seq), out)
	}, textsOf)
	return urls, err
}

// Errors returns the recent error groups, oldest first.
func (s *LogStore) Errors() ([]ErrorGroup, error) {
	groups, _, err := fetch(s.h, s, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_log_errors((*C.lfe_log)(p), out)
	}, func(b *C.lfe_batch) ([]ErrorGroup, error) {
		return decode(b, C.LFE_REC_LOG_ERROR_GROUP, func(v *batchView, r *C.lfe_log_error_group) ErrorGroup {
			return ErrorGroup{ID: uint64(r.id), ProcessID: uint64(r.process_id), Kind: uint32(r.kind), Closed: r.closed != 0,
				First: nsTime(uint64(r.first_ns)), Last: nsTime(uint64(r.last_ns)), FirstLine: v.str(r.first_line),
				Seqs: uint64s(v.str(r.seqs), int(r.line_count))}
		})
	})
	return groups, err
}

// Enrich enriches up to maxLines appended lines now (for Manual stores; allowed with a worker
// too) and returns how many it did.
func (s *LogStore) Enrich(maxLines int) (int, error) {
	n, err := get(s.h, s, C.size_t(0), func(p unsafe.Pointer, n *C.size_t) C.int32_t {
		return C.lfe_log_enrich((*C.lfe_log)(p), C.size_t(max(maxLines, 0)), n)
	})
	return int(n), err
}

// Sync enriches every line appended before the call, so URLs, error groups and levels reflect
// them.
func (s *LogStore) Sync() error {
	return s.h.call(s, func(p unsafe.Pointer) C.int32_t { return C.lfe_log_sync((*C.lfe_log)(p)) })
}

// Clear hides every line appended before the call and forgets URLs and error groups.
// Sequence numbers keep increasing.
func (s *LogStore) Clear() error {
	return s.h.call(s, func(p unsafe.Pointer) C.int32_t { return C.lfe_log_clear((*C.lfe_log)(p)) })
}

// ClearProcess hides the retained lines of one process and forgets its URLs and error groups.
func (s *LogStore) ClearProcess(processID uint64) error {
	return s.h.call(s, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_log_clear_process((*C.lfe_log)(p), C.uint64_t(processID))
	})
}

// Stats reads the store's counters.
func (s *LogStore) Stats() (LogStats, error) {
	st, err := get(s.h, s, versioned[C.lfe_log_counters](), func(p unsafe.Pointer, st *C.lfe_log_counters) C.int32_t {
		return C.lfe_log_stats((*C.lfe_log)(p), st)
	})
	return LogStats{Appended: uint64(st.appended), Bytes: uint64(st.bytes), Evicted: uint64(st.evicted),
		Truncated: uint64(st.truncated), Enriched: uint64(st.enriched), EnrichLag: uint64(st.enrich_lag),
		InlineEnriched: uint64(st.inline_enriched), Capacity: uint64(st.capacity)}, err
}

func linesOf(b *C.lfe_batch) ([]LogLine, error) {
	return decode(b, C.LFE_REC_LOG_LINE, func(v *batchView, r *C.lfe_log_line) LogLine {
		return LogLine{Seq: uint64(r.seq), Time: nsTime(uint64(r.ts_ns)), ProcessID: uint64(r.process_id),
			Stream: Stream(r.stream), Level: Level(r.level), Flags: LineFlags(r.flags), Tags: Tags(r.tags),
			Text: v.str(r.text)}
	})
}

// textsOf reads a batch of lfe_rec_text records.
func textsOf(b *C.lfe_batch) ([]string, error) {
	return decode(b, C.LFE_REC_TEXT, func(v *batchView, r *C.lfe_rec_text) string { return v.str(r.text) })
}
