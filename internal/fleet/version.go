package fleet

import "time"

// NextVersion returns the version of the next table: the highest of the
// stored version + 1, the publisher's own last version + 1, and the
// current Unix time in milliseconds.
//
// Each term covers a loss of the others. The stored version is what
// every publisher sees, so leaders in turn continue one sequence. The
// publisher's last version survives a Redis that restarted empty (no
// persistence) while the same leader goes on. The time floor survives
// both at once, a new leader facing an empty Redis, as long as clocks
// are roughly in step (NTP) and the previous leader did not publish more
// than one table per millisecond ahead of the clock, which at one table
// per interval it cannot. Gateways keep the highest version they applied
// and refuse anything not above it, so without the floor a restarted
// store would start at 1 and no gateway would apply a table again.
func NextVersion(stored, last uint64, now time.Time) uint64 {
	v := uint64(max(now.UnixMilli(), 0))
	return max(v, stored+1, last+1)
}
