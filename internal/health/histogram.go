package health

import (
	"math"
	"time"
)

// Latencies are counted in a fixed log-scale histogram: three bins per
// doubling from histMin up to histMax (1 ms · 2^(55/3) ≈ 5.5 min), plus an
// underflow and an overflow bin. A bin spans a factor of 2^(1/3) and reads
// as its geometric middle, so a percentile in [histMin, histMax) is within
// percentileError of the exact one (the nearest-rank sample). Below
// histMin a sample reads as histMin; from histMax on, as histMax.
const (
	binsPerDoubling = 3
	logBins         = 55
	numBins         = logBins + 2 // underflow, logBins, overflow
	histMin         = time.Millisecond
)

// percentileError is the largest relative error of a percentile within
// [histMin, histMax): 2^(1/6) − 1.
var percentileError = math.Pow(2, 1.0/(2*binsPerDoubling)) - 1

var (
	// binBounds[k] is the upper bound of bin k and the lower bound of bin
	// k+1: histMin · 2^(k/3).
	binBounds [logBins + 1]time.Duration
	// binValues[k] is what a sample in bin k reads as.
	binValues [numBins]time.Duration
	histMax   time.Duration
)

func init() {
	bound := func(k float64) time.Duration {
		return time.Duration(math.Round(float64(histMin) * math.Pow(2, k/binsPerDoubling)))
	}
	for k := range binBounds {
		binBounds[k] = bound(float64(k))
	}
	histMax = binBounds[logBins]
	binValues[0] = histMin
	for k := 1; k <= logBins; k++ {
		binValues[k] = bound(float64(k) - 0.5)
	}
	binValues[numBins-1] = histMax
}

// binOf returns the bin of d: the first k with d < binBounds[k], or the
// overflow bin.
func binOf(d time.Duration) int {
	lo, hi := 0, len(binBounds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if d < binBounds[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// Percentiles are latency percentiles over a window, read from the
// histogram (see the error bound above). All are zero when Count is 0.
type Percentiles struct {
	P50, P95, P99 time.Duration
	// Count is the number of samples the percentiles are read from.
	Count int64
}

// percentiles reads P50, P95 and P99 from bin counts by nearest rank: Pq
// is the value of the ⌈q·n⌉-th smallest sample.
func percentiles(bins *[numBins]uint64) Percentiles {
	var n uint64
	for _, c := range bins {
		n += c
	}
	if n == 0 {
		return Percentiles{}
	}
	return Percentiles{
		P50:   quantile(bins, rank(n, 500)),
		P95:   quantile(bins, rank(n, 950)),
		P99:   quantile(bins, rank(n, 990)),
		Count: int64(n),
	}
}

// rank returns ⌈permille·n/1000⌉, at least 1.
func rank(n, permille uint64) uint64 {
	r := (n*permille + 999) / 1000
	if r == 0 {
		r = 1
	}
	return r
}

// quantile returns the value of the bin that holds the r-th smallest
// sample (1-based).
func quantile(bins *[numBins]uint64, r uint64) time.Duration {
	var seen uint64
	for k, c := range bins {
		seen += c
		if seen >= r {
			return binValues[k]
		}
	}
	return binValues[numBins-1]
}
