//go:build !linux

package lfe

import (
	"context"
	"time"
)

func (s *Subscription) waitReadable(ctx context.Context, max time.Duration) error {
	return errFDWait
}
