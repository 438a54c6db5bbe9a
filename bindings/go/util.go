package lfe

import (
	"strconv"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

// enumName is the String of an enum value v: its entry in names, or Type(v) when it has none
// (out of range, or an empty entry).
func enumName(names []string, v uint32, typ string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return typ + "(" + itoa(int(v)) + ")"
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// nsTime converts wall-clock nanoseconds since the Unix epoch (0 = unset) to a time.Time.
func nsTime(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(ns))
}
