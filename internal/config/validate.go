package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxWeight bounds a route target's weight. Weights are relative shares,
// so no real config needs more, and the bound keeps a route's sum from
// overflowing in the weighted picker.
const maxWeight = 1_000_000

// Validate checks a decoded Config: names that refer to each other, values
// in range, and combinations that make no sense. It returns Errors, with
// lines only when the Config came from Parse (which runs it already); a
// Config built in code gets Line 0. It does not fill defaults.
func (c *Config) Validate() error {
	if errs := validate(c, nil); len(errs) > 0 {
		errs.sortByLine()
		return errs
	}
	return nil
}

// validator collects validation errors, finding lines in pos.
type validator struct {
	errs Errors
	pos  positions
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, Error{Path: path, Line: v.pos.line(path), Msg: fmt.Sprintf(format, args...)})
}

// validate checks c; pos, which may be nil, gives lines.
func validate(c *Config, pos positions) Errors {
	v := &validator{pos: pos}
	v.top(c)
	for _, name := range sortedKeys(c.Providers) {
		v.provider(keyPath("providers", name), name, c.Providers[name])
	}
	for _, name := range sortedKeys(c.Targets) {
		v.target(keyPath("targets", name), name, c.Targets[name], c)
	}
	for _, name := range sortedKeys(c.Routes) {
		v.route(keyPath("routes", name), name, c.Routes[name], c)
	}
	v.fleet(&c.Fleet)
	return v.errs
}

// top checks the top-level keys.
func (v *validator) top(c *Config) {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		v.add("listen", "%q is not host:port; write e.g. :8080 or 127.0.0.1:8080", c.Listen)
	}
	if c.MaxBodyBytes <= 0 {
		v.add("max_body_bytes", "%d must be > 0", c.MaxBodyBytes)
	}
	v.nonNegative("health_interval", c.HealthInterval)
	if c.HealthWindow != 0 && c.HealthWindow < Duration(time.Second) {
		v.add("health_window", "%s must be at least 1s (or 0 for the default)", c.HealthWindow)
	}
	v.headerNames("headers", c.Headers)
	if !slices.Contains(logLevels, c.Log.Level) {
		v.add("log.level", "unknown level %q (use one of %s)", c.Log.Level, strings.Join(logLevels, ", "))
	}
	for _, s := range []struct {
		key, what string
		count     int
	}{{"providers", "provider", len(c.Providers)}, {"targets", "target", len(c.Targets)}, {"routes", "route", len(c.Routes)}} {
		if s.count == 0 {
			v.add(s.key, "at least one %s is required", s.what)
		}
	}
}

var logLevels = []string{"debug", "info", "warn", "error"}

// provider checks one provider.
func (v *validator) provider(path, name string, p *Provider) {
	if name == "" {
		v.add(path, "provider names must not be empty")
	}
	if p == nil {
		v.add(path, "provider is nil")
		return
	}
	supported := strings.Join(sortedKeys(defaultBaseURLs), ", ")
	switch _, ok := defaultBaseURLs[p.Type]; {
	case p.Type == "":
		v.add(path+".type", "type is required (supported types: %s)", supported)
	case !ok:
		v.add(path+".type", "unsupported type %q (supported types: %s)", p.Type, supported)
	case p.BaseURL == "" && p.Type == ProviderAzure:
		v.add(path+".base_url", "base_url is required for azure: your resource's endpoint, e.g. https://RESOURCE.openai.azure.com")
	case p.Type == ProviderBedrock:
		v.bedrock(path, p)
	case p.BaseURL == "":
		v.add(path+".base_url", "base_url is required")
	}
	if p.BaseURL != "" {
		if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add(path+".base_url", "%q is not an absolute http(s) URL; write e.g. https://api.openai.com/v1", p.BaseURL)
		}
	}
	if p.Type != ProviderBedrock {
		for _, k := range []struct {
			key string
			set bool
		}{{"region", p.Region != ""}, {"access_key_id", p.AccessKeyID != ""}, {"secret_access_key", p.SecretAccessKey != ""}, {"session_token", p.SessionToken != ""}} {
			if k.set {
				v.add(path+"."+k.key, "%s is only for type bedrock", k.key)
			}
		}
	}
	if p.APIKey != "" && len(p.APIKeys) > 0 {
		v.add(path+".api_keys", "api_key and api_keys are exclusive; use one")
	}
	for i, k := range p.APIKeys {
		if k == "" {
			v.add(indexPath(path+".api_keys", i), "key is empty")
		}
	}
	for _, h := range sortedKeys(p.Headers) {
		if !validHeaderName(h) {
			v.add(keyPath(path+".headers", h), "%q is not a valid header name", h)
		}
	}
	v.nonNegative(path+".connect_timeout", p.ConnectTimeout)
	v.atLeast(path+".max_idle_conns", p.MaxIdleConns, 0)
	v.atLeast(path+".rpm", p.RPM, 0)
	v.atLeast(path+".tpm", p.TPM, 0)
}

// bedrock checks what only a bedrock provider has: a region, and one way
// to authenticate.
func (v *validator) bedrock(path string, p *Provider) {
	switch {
	case p.Region == "":
		v.add(path+".region", "region is required for bedrock, e.g. us-east-1")
	case !validRegion(p.Region):
		v.add(path+".region", "%q is not an AWS region; write e.g. us-east-1 or eu-west-3", p.Region)
	}
	if (p.AccessKeyID == "") != (p.SecretAccessKey == "") {
		key := ".secret_access_key"
		if p.AccessKeyID != "" {
			key = ".access_key_id"
		}
		v.add(path+key, "access_key_id and secret_access_key go together; set both, or neither to use the AWS default credential chain")
	}
	if p.SessionToken != "" && p.AccessKeyID == "" {
		v.add(path+".session_token", "session_token needs access_key_id and secret_access_key")
	}
	if (p.APIKey != "" || len(p.APIKeys) > 0) && p.AccessKeyID != "" {
		v.add(path+".api_key", "a Bedrock API key and AWS access keys are exclusive; use one")
	}
}

// validRegion reports whether s looks like an AWS region name:
// "us-east-1", "us-gov-west-1", "ap-southeast-2".
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for i, part := range parts {
		if part == "" {
			return false
		}
		for _, r := range part {
			letter, digit := r >= 'a' && r <= 'z', r >= '0' && r <= '9'
			if i == len(parts)-1 && !digit || i < len(parts)-1 && !letter {
				return false
			}
		}
	}
	return true
}

// target checks one target.
func (v *validator) target(path, name string, t *Target, c *Config) {
	if name == "" {
		v.add(path, "target names must not be empty")
	}
	if t == nil {
		v.add(path, "target is nil")
		return
	}
	switch _, ok := c.Providers[t.Provider]; {
	case t.Provider == "":
		v.add(path+".provider", "provider is required")
	case !ok:
		v.add(path+".provider", "unknown provider %q (providers are: %s)", t.Provider, strings.Join(sortedKeys(c.Providers), ", "))
	}
	if t.Model == "" {
		v.add(path+".model", "model is required")
	}
	for _, p := range []struct {
		key   string
		value float64
	}{{"input", t.Price.Input}, {"output", t.Price.Output}} {
		if !(p.value >= 0) || math.IsInf(p.value, 0) {
			v.add(path+".price."+p.key, "%v must be a finite number >= 0", p.value)
		}
	}
	v.nonNegative(path+".first_token", t.FirstToken)
	v.probe(path+".probe", &t.Probe)
	v.capabilities(path, t, c)
}

// capabilities checks a target's capabilities: limits are counts, prefill
// said twice must agree, and an anthropic target cannot serve embeddings.
func (v *validator) capabilities(path string, t *Target, c *Config) {
	cp := &t.Capabilities
	v.atLeast(path+".capabilities.context_window", cp.ContextWindow, 0)
	v.atLeast(path+".capabilities.max_output_tokens", cp.MaxOutputTokens, 0)
	if cp.ContextWindow > 0 && cp.MaxOutputTokens > cp.ContextWindow {
		v.add(path+".capabilities.max_output_tokens", "%d is over context_window (%d)", cp.MaxOutputTokens, cp.ContextWindow)
	}
	if cp.Prefill != nil && *cp.Prefill != t.Prefill && t.Prefill {
		v.add(path+".capabilities.prefill", "false contradicts prefill: true on the target; set one of the two")
	}
	if p, ok := c.Providers[t.Provider]; ok && p != nil && p.Type == ProviderAnthropic && cp.Embeddings != nil && *cp.Embeddings {
		v.add(path+".capabilities.embeddings", "anthropic has no embeddings API; a target of provider %q cannot serve them", t.Provider)
	}
}

// probe checks a target's active health probes. Timeout bounds a probe
// only when there are probes, and a probe longer than the interval would
// only be followed by skipped ones.
func (v *validator) probe(path string, p *Probe) {
	v.nonNegative(path+".interval", p.Interval)
	v.nonNegative(path+".timeout", p.Timeout)
	if !(p.Jitter >= 0 && p.Jitter <= 1) {
		v.add(path+".jitter", "%v is not between 0%% and 100%%", p.Jitter)
	}
	switch {
	case p.Interval <= 0 || p.Timeout < 0:
	case p.Timeout == 0:
		v.add(path+".timeout", "must be above 0 when interval is set")
	case p.Timeout > p.Interval:
		v.add(path+".timeout", "timeout (%s) must be <= interval (%s)", p.Timeout, p.Interval)
	}
}

// route checks one route.
func (v *validator) route(path, name string, r *Route, c *Config) {
	if name == "" {
		v.add(path, "route names must not be empty: clients send the route name as \"model\"")
	}
	if r == nil {
		v.add(path, "route is nil")
		return
	}
	if !slices.Contains(strategies, r.Strategy) {
		v.add(path+".strategy", "unknown strategy %q (use one of %s)", r.Strategy, strings.Join(strategies, ", "))
	}
	v.chain(path, r, c)
	if r.ContextFallback != "" {
		if _, ok := c.Targets[r.ContextFallback]; !ok {
			v.add(path+".context_fallback", "unknown target %q (targets are: %s)", r.ContextFallback, strings.Join(sortedKeys(c.Targets), ", "))
		}
	}
	v.retry(path+".retry", &r.Retry)
	v.timeouts(path+".timeouts", &r.Timeouts)
	v.hedge(path+".hedge", &r.Hedge)
	v.breaker(path+".breaker", &r.Breaker)
	v.health(path+".health", &r.Health)
	v.headerNames(path+".headers", r.Headers)
	v.nonNegative(path+".on_exhausted.retry_after", r.OnExhausted.RetryAfter)
}

// chain checks a route's targets, weights and fallbacks: every name must be
// a target, and no target may appear twice in the chain.
func (v *validator) chain(path string, r *Route, c *Config) {
	if len(r.Targets) == 0 {
		v.add(path+".targets", "at least one target is required")
	}
	seen := map[string]string{} // target name -> where it first appears
	sum, negative := 0, false
	for i, t := range r.Targets {
		at := indexPath(path+".targets", i)
		v.targetRef(at+".target", t.Target, indexPath("targets", i), seen, c)
		if t.Weight < 0 || t.Weight > maxWeight {
			v.add(at+".weight", "%d must be between 0 and %d", t.Weight, maxWeight)
			negative = true
		}
		sum += t.Weight
	}
	if len(r.Targets) > 0 && !negative && sum == 0 {
		v.add(path+".targets", "weights sum to 0; give at least one target a weight above 0")
	}
	for i, name := range r.Fallbacks {
		v.targetRef(indexPath(path+".fallbacks", i), name, indexPath("fallbacks", i), seen, c)
	}
}

// targetRef checks one reference to a target at path; where is its short
// name within the route ("targets[1]"), for the duplicate message.
func (v *validator) targetRef(path, name, where string, seen map[string]string, c *Config) {
	if name == "" {
		v.add(path, "target is required")
		return
	}
	if _, ok := c.Targets[name]; !ok {
		v.add(path, "unknown target %q (targets are: %s)", name, strings.Join(sortedKeys(c.Targets), ", "))
	}
	if first, dup := seen[name]; dup {
		v.add(path, "target %q appears twice in this route (first at %s)", name, first)
		return
	}
	seen[name] = where
}

// retry checks a route's retry policy.
func (v *validator) retry(path string, r *Retry) {
	v.atLeast(path+".attempts", r.Attempts, 1)
	for i, cond := range r.On {
		if !validRetryCondition(cond) {
			v.add(indexPath(path+".on", i), "unknown retry condition %q (use %s, %s, %s, %s or an HTTP status from 400 to 599)",
				cond, RetryConnect, RetryTimeout, RetryStreamCut, RetryMalformed)
		}
	}
	v.nonNegative(path+".backoff.base", r.Backoff.Base)
	v.nonNegative(path+".backoff.max", r.Backoff.Max)
	if r.Backoff.Base > r.Backoff.Max {
		v.add(path+".backoff.base", "base (%s) must be <= max (%s)", r.Backoff.Base, r.Backoff.Max)
	}
	v.nonNegative(path+".max_wait", r.MaxWait)
}

// strategies are the values of a route's strategy.
var strategies = []string{StrategyOrdered, StrategyWeighted, StrategyLatency, StrategyCost, StrategyLeastBusy}

// hedge checks a route's hedging.
func (v *validator) hedge(path string, h *Hedge) {
	v.nonNegative(path+".min_after", h.MinAfter)
	if _, _, err := h.Delay(); err != nil {
		v.add(path+".after", "%v", err)
	}
}

// breaker checks a route's circuit breaker.
func (v *validator) breaker(path string, b *Breaker) {
	v.atLeast(path+".consecutive_failures", b.ConsecutiveFailures, 0)
	v.atLeast(path+".min_requests", b.MinRequests, 0)
	v.atLeast(path+".half_open_requests", b.HalfOpenRequests, 0)
	v.nonNegative(path+".window", b.Window)
	v.nonNegative(path+".cooldown", b.Cooldown)
	v.nonNegative(path+".max_cooldown", b.MaxCooldown)
	if b.ErrorRate > 0 && b.Window == 0 {
		v.add(path+".window", "must be above 0 when error_rate is set")
	}
	if b.Cooldown > b.MaxCooldown {
		v.add(path+".cooldown", "cooldown (%s) must be <= max_cooldown (%s)", b.Cooldown, b.MaxCooldown)
	}
}

// health checks a route's SLA.
func (v *validator) health(path string, h *Health) {
	v.nonNegative(path+".p99_latency", h.P99Latency)
	v.atLeast(path+".consecutive_failures", h.ConsecutiveFailures, 0)
	v.atLeast(path+".min_requests", h.MinRequests, 0)
}

// validRetryCondition reports whether cond is a failure word or an HTTP
// error status.
func validRetryCondition(cond string) bool {
	switch cond {
	case RetryConnect, RetryTimeout, RetryStreamCut, RetryMalformed:
		return true
	}
	code, err := strconv.Atoi(cond)
	return err == nil && code >= 400 && code <= 599 && strconv.Itoa(code) == cond
}

// timeouts checks a route's timeouts.
func (v *validator) timeouts(path string, t *Timeouts) {
	v.nonNegative(path+".connect", t.Connect)
	v.nonNegative(path+".first_token", t.FirstToken)
	v.nonNegative(path+".response", t.Response)
	v.nonNegative(path+".idle", t.Idle)
	v.nonNegative(path+".total", t.Total)
	if t.Total > 0 && t.FirstToken > 0 && t.Total < t.FirstToken {
		v.add(path+".total", "total (%s) is shorter than first_token (%s); no attempt could finish", t.Total, t.FirstToken)
	}
}

// headerNames checks a list of header names.
func (v *validator) headerNames(path string, names []string) {
	for i, h := range names {
		if !validHeaderName(h) {
			v.add(indexPath(path, i), "%q is not a valid header name", h)
		}
	}
}

func (v *validator) nonNegative(path string, d Duration) {
	if d < 0 {
		v.add(path, "%s must be >= 0", time.Duration(d))
	}
}

func (v *validator) atLeast(path string, n, low int) {
	if n < low {
		v.add(path, "%d must be >= %d", n, low)
	}
}

// validHeaderName reports whether name is an HTTP field name: a non-empty
// token of RFC 9110 section 5.6.2.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// sortedKeys returns m's keys in order, so that errors come out the same
// on every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
