package lfe

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLockdepInversionAndRecursion(t *testing.T) {
	v := mustNew(t, NewLockdep, LockdepOptions{})
	a, _ := v.Register("procs.mu")
	b, _ := v.Register("logs.mu")
	if a2, _ := v.Register("procs.mu"); a2 != a || a == b {
		t.Fatalf("ids %d %d %d", a, a2, b)
	}
	// Token 1: A then B. Token 2: B then A -> inversion.
	for _, step := range []struct {
		tok uint64
		id  LockID
		acq bool
	}{{1, a, true}, {1, b, true}, {1, b, false}, {1, a, false}, {2, b, true}} {
		var err error
		if step.acq {
			err = v.Acquire(step.tok, step.id)
		} else {
			err = v.Release(step.tok, step.id)
		}
		if err != nil {
			t.Fatalf("step %+v: %v", step, err)
		}
	}
	if err := v.Acquire(2, a); !errors.Is(err, ErrConflict) {
		t.Fatalf("inversion not reported: %v", err)
	}
	_ = v.Release(2, a)
	_ = v.Release(2, b)
	if err := v.AcquireShared(3, a); err != nil {
		t.Fatal(err)
	}
	if err := v.AcquireShared(3, a); !errors.Is(err, ErrConflict) {
		t.Fatalf("recursive read not reported: %v", err)
	}
	if err := v.Release(4, b); !errors.Is(err, ErrConflict) {
		t.Fatalf("release unheld: %v", err)
	}
	if err := v.Acquire(1, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	vs, next, dropped, err := v.Violations(0)
	if err != nil || len(vs) != 3 || dropped != 0 || next != 3 {
		t.Fatalf("violations: %+v %d %d %v", vs, next, dropped, err)
	}
	inv := vs[0]
	if inv.Kind != OrderInversion || inv.Token != 2 || !strings.Contains(inv.Path, "procs.mu") ||
		!strings.Contains(inv.Path, "logs.mu") || len(inv.PathIDs) < 2 || len(inv.Tokens) == 0 {
		t.Fatalf("inversion: %+v", inv)
	}
	if vs[1].Kind != RecursiveRead || vs[1].LockName != "procs.mu" || vs[2].Kind != ReleaseUnheld {
		t.Fatalf("kinds: %v %v", vs[1].Kind, vs[2].Kind)
	}
	if more, _, _, _ := v.Violations(next); len(more) != 0 {
		t.Fatal("since did not filter")
	}
	st, _ := v.Stats()
	if st.Locks != 2 || st.Violations != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLockdepLongHoldAndDisable(t *testing.T) {
	v, _ := NewLockdep(LockdepOptions{LongHold: time.Millisecond, StartDisabled: true})
	defer v.Close()
	a, _ := v.Register("a")
	if err := v.Acquire(1, a); err != nil {
		t.Fatal(err)
	}
	if err := v.Acquire(1, a); err != nil {
		t.Fatalf("disabled validator reported: %v", err)
	}
	_ = v.Release(1, a)
	_ = v.Release(1, a)
	_ = v.Enable()
	_ = v.Acquire(1, a)
	time.Sleep(5 * time.Millisecond)
	if n, err := v.Scan(); err != nil || n != 1 {
		t.Fatalf("scan: %d %v", n, err)
	}
	vs, _, _, _ := v.Violations(0)
	if len(vs) == 0 || vs[len(vs)-1].Kind != LongHold || vs[len(vs)-1].Held < time.Millisecond {
		t.Fatalf("long hold: %+v", vs)
	}
}

// Many goroutines, each with its own token, lock in one global order: no report.
func TestLockdepConcurrentConsistentOrder(t *testing.T) {
	v, _ := NewLockdep(LockdepOptions{})
	ids := make([]LockID, 4)
	for i := range ids {
		ids[i], _ = v.Register(string(rune('a' + i)))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := uint64(g + 1)
			for i := range 200 {
				x, y := ids[i%4], ids[(i+1+g)%4]
				if x > y {
					x, y = y, x
				}
				if x == y {
					continue
				}
				for _, id := range []LockID{x, y} {
					if err := v.Acquire(tok, id); err != nil {
						t.Error(err)
						return
					}
				}
				_ = v.Release(tok, y)
				_ = v.Release(tok, x)
			}
		}()
	}
	wg.Wait()
	if st, _ := v.Stats(); st.Violations != 0 || st.HoldingTokens != 0 {
		t.Fatalf("stats %+v", st)
	}
	closeRace(t, v, func() error { return v.Acquire(99, ids[0]) })
}
