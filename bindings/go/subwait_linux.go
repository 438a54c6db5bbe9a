//go:build linux

package lfe

import (
	"context"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// waitReadable waits until the subscription's eventfd is readable, ctx is done, or max has
// passed, without holding the handle (so Close is never delayed). It waits on a duplicate of the
// fd through Go's netpoller: the goroutine parks instead of blocking an OS thread in C, and
// cancellation is immediate (context.AfterFunc moves the read deadline). It never reads the fd
// (the library owns its counter). nil means the fd became readable (look again; it may be
// spurious), errFDWaitMax that max passed, errFDWait that the caller should wait in C instead.
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
	// The runtime resets the fd's readiness before calling the function, so readiness reported
	// before this point (e.g. while the duplicate was registered) would be lost: check the level
	// with ppoll first, and park only if it is not readable. An edge after the reset is kept.
	first := true
	err = rc.Read(func(fd uintptr) bool {
		if first {
			first = false
			return readable(fd) // false: park until the netpoller reports the fd readable
		}
		return true
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if os.IsTimeout(err) {
		return errFDWaitMax
	}
	if err != nil {
		return errFDWait
	}
	return nil
}

// readable reports whether fd is readable now (ppoll with a zero timeout; never reads it).
func readable(fd uintptr) bool {
	const pollin = 0x1
	p := struct {
		fd      int32
		events  int16
		revents int16
	}{fd: int32(fd), events: pollin}
	var ts syscall.Timespec
	n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1,
		uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return errno == 0 && n == 1 && p.revents&pollin != 0
}
