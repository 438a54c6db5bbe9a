//go:build linux

package lfe

import (
	"context"
	"os"
	"syscall"
	"time"
)

// waitReadable waits until the subscription's eventfd is readable, ctx is done, or max has
// passed, without holding the handle (so Close is never delayed). It waits on a duplicate of the
// fd through Go's netpoller: the goroutine parks instead of blocking an OS thread in C, and
// cancellation is immediate (context.AfterFunc moves the read deadline). It never reads the fd
// (the library owns its counter). A nil error means "look again" (readable, spurious or max
// reached); errFDWait means the caller should fall back to waiting in C.
func (s *Subscription) waitReadable(ctx context.Context, max time.Duration) error {
	fd, err := s.FD()
	if err != nil {
		return err
	}
	// The duplicate keeps the eventfd alive even if the subscription is freed meanwhile.
	nfd, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return errFDWait
	}
	f := os.NewFile(nfd, "lfe-subscription-eventfd")
	defer f.Close()
	dl := time.Now().Add(max)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if err := f.SetReadDeadline(dl); err != nil {
		return errFDWait // not pollable: wait in C instead
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return errFDWait
	}
	first := true
	err = rc.Read(func(uintptr) bool {
		if first {
			first = false
			return false // not done: park until the netpoller reports the fd readable
		}
		return true
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !os.IsTimeout(err) {
		return errFDWait
	}
	return nil
}
