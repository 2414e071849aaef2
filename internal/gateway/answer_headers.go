package gateway

// The headers the gateway sets on every answer are set through setHeader
// rather than http.Header.Set, which allocates a one-element slice per
// value: a handful of allocations on every request. Each value is instead
// a slice of the call's own array, one slot per header. This is safe
// because net/http copies the handler's headers when it writes them, and
// nothing writes into a header's value slice (Add on a full slice
// appends to a copy).
const (
	slotRequestID = iota
	slotRoute
	slotContentType
	slotTarget
	slotAttempts
	slotFallback
	slotContentLength
	slotCacheControl
	slotAccelBuffering
	numSlots
)

// headerValue is the value slice of slot, as setHeader stored it.
func (c *call) headerValue(slot int) []string {
	return c.headerValues[slot : slot+1 : slot+1]
}

// setHeader sets the answer's header key, which must be in canonical
// form, to value, stored in slot.
func (c *call) setHeader(slot int, key, value string) {
	c.headerValues[slot] = value
	c.w.Header()[key] = c.headerValue(slot)
}
