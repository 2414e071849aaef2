// Package config defines Backstop's YAML configuration, loads it with
// ${ENV} expansion, fills defaults and validates it with errors that name
// the key path and the line.
//
// The types here are the contract between the config file and the rest of
// the gateway. Every field says its default; Load fills defaults before the
// file is decoded, so an explicit zero in the file survives.
package config

// Config is a whole Backstop configuration file.
type Config struct {
	// Listen is the address the gateway serves on. Default ":8080".
	Listen string `yaml:"listen"`

	// MaxBodyBytes caps the size of a client request body; a larger body
	// is refused with 413 in the client's dialect. Default 8 MiB.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`

	// Headers lists extra request header names that are copied from the
	// client's request to every attempt, on every route, in addition to the
	// built-in set (x-request-id, traceparent, tracestate, x-user-id,
	// x-session-id). Default empty.
	Headers []string `yaml:"headers"`

	// HealthInterval is how often the routing table (each target's score
	// and live weight) is recomputed from passive health. Default 1s; 0
	// means 1s.
	HealthInterval Duration `yaml:"health_interval"`

	// HealthWindow is the span of each target's passive health window:
	// the attempts its error rate and latency percentiles are computed
	// over. A shorter window reacts and recovers faster, and judges on
	// fewer attempts. Default 30s; 0 means 30s.
	HealthWindow Duration `yaml:"health_window"`

	// Log configures the structured request log.
	Log Log `yaml:"log"`

	// Providers are the upstream connections, by name. At least one.
	Providers map[string]*Provider `yaml:"providers"`

	// Targets are models on providers, by name. At least one.
	Targets map[string]*Target `yaml:"targets"`

	// Routes are what clients ask for by name in the "model" field. At
	// least one.
	Routes map[string]*Route `yaml:"routes"`

	// Fleet configures replicas that share a routing table and their
	// health (see docs/fleet.md). Default: none, a single binary.
	Fleet Fleet `yaml:"fleet"`
}

// Log configures logging.
type Log struct {
	// Level is one of debug, info, warn, error. Default "info".
	Level string `yaml:"level"`
	// Requests logs one JSON line per client request with its attempt
	// chain. Default true.
	Requests bool `yaml:"requests"`
}

// Provider is one upstream connection.
type Provider struct {
	// Type is the provider's dialect: "openai" (any OpenAI-compatible
	// server), "azure" (Azure OpenAI: deployments in the URL, an api-key
	// header), "anthropic" (the Messages API), "gemini" (Google's Gemini
	// API: the model in the URL, an x-goog-api-key header) or "bedrock"
	// (AWS Bedrock Runtime: InvokeModel for Anthropic models, Converse for
	// the others). Required.
	Type string `yaml:"type"`

	// BaseURL is the API root: for openai it ends before
	// /chat/completions, for anthropic before /v1/messages, for gemini
	// before /v1beta/models, for bedrock before /model/..., e.g.
	// "https://api.openai.com/v1". Default "https://api.openai.com/v1" for
	// type openai, "https://api.anthropic.com" for type anthropic,
	// "https://generativelanguage.googleapis.com" for type gemini and
	// "https://bedrock-runtime.{region}.amazonaws.com" for type bedrock.
	BaseURL string `yaml:"base_url"`

	// Region is the AWS region of a bedrock provider, e.g. "us-east-1":
	// the requests' SigV4 scope, and the default endpoint's. Required for
	// type bedrock; not used by other types.
	Region string `yaml:"region"`

	// AccessKeyID, SecretAccessKey and SessionToken are static AWS
	// credentials for a bedrock provider. Default: none, and the AWS SDK's
	// default credential chain (environment, shared config and
	// credentials files, SSO, web identity, ECS and EC2 roles) is used.
	// The key id and the secret go together; the session token needs
	// both.
	AccessKeyID     Secret `yaml:"access_key_id"`
	SecretAccessKey Secret `yaml:"secret_access_key"`
	SessionToken    Secret `yaml:"session_token"`

	// APIVersion is Azure OpenAI's api-version query parameter. Default
	// "2024-10-21" for type azure; not used by other types.
	APIVersion string `yaml:"api_version"`

	// APIKey is a single key, usually "${OPENAI_API_KEY}". Optional (local
	// servers need none). For bedrock it is a Bedrock API key, sent as
	// "Authorization: Bearer" instead of a SigV4 signature; exclusive with
	// the AWS credentials.
	APIKey Secret `yaml:"api_key"`

	// APIKeys is a pool of keys used in turn; exclusive with APIKey.
	APIKeys []Secret `yaml:"api_keys"`

	// Headers are extra headers sent on every request to this provider
	// (e.g. OpenAI-Organization). Values may use ${ENV}. Default none.
	Headers map[string]Secret `yaml:"headers"`

	// ConnectTimeout bounds the TCP and TLS handshake to this provider
	// when the route sets no connect timeout of its own. Default 2s.
	ConnectTimeout Duration `yaml:"connect_timeout"`

	// MaxIdleConns is the number of idle keep-alive connections kept to
	// this provider. Default 256.
	MaxIdleConns int `yaml:"max_idle_conns"`

	// RPM and TPM are the provider's request and token limits per minute.
	// Recorded for later use by rate-limit buffering; 0 means unknown.
	// Default 0.
	RPM int `yaml:"rpm"`
	TPM int `yaml:"tpm"`
}

// Target is a model on a provider.
type Target struct {
	// Provider names an entry of providers. Required.
	Provider string `yaml:"provider"`
	// Model is the model name sent upstream. Required.
	Model string `yaml:"model"`
	// Price is per million tokens, in USD. Default 0 (unknown).
	Price Price `yaml:"price"`
	// Tier is a free label such as "frontier", "fast" or "basic". Default "".
	Tier string `yaml:"tier"`
	// Prefill says the target continues a conversation that ends with an
	// assistant message (Anthropic models do; OpenAI-compatible servers
	// only when set up for it), which continue_on_cut needs. Default
	// false. The same as capabilities.prefill, kept so that older files
	// still load; setting both to different values is an error.
	Prefill bool `yaml:"prefill"`
	// Capabilities say what requests the target can serve; a request
	// that needs what a target lacks skips it.
	Capabilities Capabilities `yaml:"capabilities"`
	// FirstToken, when set, replaces the route's timeouts.first_token for
	// attempts on this target. Default 0 (use the route's).
	FirstToken Duration `yaml:"first_token"`
	// Probe configures active health probes of the target. Default: no
	// probes.
	Probe Probe `yaml:"probe"`
}

// Capabilities are what a target's model can do. Unknown means capable:
// a capability defaults to true (or to no limit), and is set only to
// keep requests away from a target that would refuse them.
type Capabilities struct {
	// Tools: the model accepts tool definitions. Default true.
	Tools bool `yaml:"tools"`
	// Vision: the model accepts images in messages. Default true.
	Vision bool `yaml:"vision"`
	// JSONSchema: the model accepts a JSON-schema response format
	// (OpenAI response_format json_schema, Anthropic output_format).
	// Default true.
	JSONSchema bool `yaml:"json_schema"`
	// Prefill is the target-level prefill key under another name; nil
	// when not set here. Default: the target's prefill.
	Prefill *bool `yaml:"prefill"`
	// Embeddings: the target serves POST /v1/embeddings. nil when not
	// set. Default true for openai, azure and gemini providers, and for
	// bedrock when the model is an embeddings model (amazon.titan-embed*,
	// cohere.embed*); false for anthropic and other bedrock models.
	Embeddings *bool `yaml:"embeddings"`
	// ContextWindow is the model's context window in tokens: a request
	// whose estimated prompt plus requested output exceeds it skips the
	// target. 0 means unknown (no check). Default 0.
	ContextWindow int `yaml:"context_window"`
	// MaxOutputTokens caps the max_tokens (or max_completion_tokens) sent
	// to the target: a request asking for more is clamped. 0 means no
	// cap. Default 0.
	MaxOutputTokens int `yaml:"max_output_tokens"`
}

// HasPrefill reports whether t continues an assistant prefill, from
// either of the two keys that say so.
func (t *Target) HasPrefill() bool {
	return t.Prefill || (t.Capabilities.Prefill != nil && *t.Capabilities.Prefill)
}

// ServesEmbeddings reports whether t serves embeddings, given the type of
// its provider and whether its model is an embeddings model (which only
// the caller, knowing each provider's model ids, can tell): the explicit
// capability, else true for the OpenAI dialect's types and Gemini, and
// for Bedrock's embeddings models.
func (t *Target) ServesEmbeddings(providerType string, embeddingsModel bool) bool {
	if e := t.Capabilities.Embeddings; e != nil {
		return *e
	}
	switch providerType {
	case ProviderOpenAI, ProviderAzure, ProviderGemini:
		return true
	case ProviderBedrock:
		return embeddingsModel
	}
	return false
}

// Probe configures the active health probes of one target: a tiny real
// request (one token, streamed) sent on an interval, whose outcome,
// latency and time to first token feed the target's health window like
// a live attempt, so an idle fallback's health is known before it is
// needed.
type Probe struct {
	// Interval is the time between two probes of the target. Each wait is
	// drawn around it (see Jitter); a probe due while the previous one is
	// still running is skipped. 0 turns probes off. Default 0.
	Interval Duration `yaml:"interval"`
	// Timeout bounds one probe, from sending it to its first content
	// chunk; a probe that takes longer fails as a timeout, which counts
	// against the target. Must be above 0 and at most Interval when
	// Interval is set. Default 5s.
	Timeout Duration `yaml:"timeout"`
	// Jitter spreads probes: each wait is uniform within ± this share of
	// Interval, so that targets and gateway replicas do not probe in
	// lockstep. Default 10%.
	Jitter Percent `yaml:"jitter"`
}

// Price is a target's price per million tokens, in USD.
type Price struct {
	Input  float64 `yaml:"input"`
	Output float64 `yaml:"output"`
}

// Route turns a model name into attempts on targets.
type Route struct {
	// Strategy picks the order of the route's targets: "ordered" (as
	// listed), "weighted" (the first by live weight, the rest by weight
	// among those left), "latency" (lowest recent time to first token
	// first), "cost" (cheapest by price first) or "least_busy" (fewest
	// attempts in flight first). Under every strategy, targets whose
	// health has fallen to 0 or whose breaker is open go last. Default
	// "ordered".
	Strategy string `yaml:"strategy"`

	// Targets are the route's primary targets. A list entry is either a
	// target name or {target: NAME, weight: N}. At least one.
	Targets []RouteTarget `yaml:"targets"`

	// Fallbacks are tried in order after the primary targets. Default none.
	Fallbacks []string `yaml:"fallbacks"`

	// Retry says which failures are retried and how.
	Retry Retry `yaml:"retry"`

	// Timeouts bound each attempt and the whole request.
	Timeouts Timeouts `yaml:"timeouts"`

	// Headers lists extra request header names copied to every attempt of
	// this route, on top of the top-level list. Default none.
	Headers []string `yaml:"headers"`

	// OnExhausted says what the client gets when every attempt failed.
	OnExhausted OnExhausted `yaml:"on_exhausted"`

	// Drill is the share of requests that start on a fallback target
	// (each fallback in turn) while the first primary target is healthy,
	// so that a broken fallback is found before it is needed. A drilled
	// request that fails on its fallback goes on to the primary targets,
	// so clients do not pay for it. Default 0 (no drills).
	Drill Percent `yaml:"drill"`

	// ContinueOnCut, when a stream breaks after it has begun, continues
	// the answer on the next target of the chain that can take an
	// assistant prefill (a target with prefill: true), sending it the
	// conversation and the partial answer, so the client sees one
	// uninterrupted stream. Streams that were calling a tool are not
	// continued. Default false.
	ContinueOnCut bool `yaml:"continue_on_cut"`

	// ContextFallback names a target for requests too long for the
	// route's targets: a request whose estimated prompt (plus requested
	// output) is over the context_window of every target it would
	// otherwise use, or that a provider refuses as over its context
	// length, goes to it. Default "" (none: such a request fails with a
	// 400).
	ContextFallback string `yaml:"context_fallback"`

	// Hedge, when its after is set, starts the next target of the chain
	// when the current one has produced no first token after a delay;
	// the first to answer wins and the other is cancelled.
	Hedge Hedge `yaml:"hedge"`

	// Breaker configures the circuit breaker of each of the route's
	// targets.
	Breaker Breaker `yaml:"breaker"`

	// Health is the SLA the route's targets are scored against.
	Health Health `yaml:"health"`
}

// Hedge configures hedged requests. At most one hedge is started per
// request, and only on its first attempt.
type Hedge struct {
	// After is the delay before the hedge: a duration ("800ms"), or
	// "p50", "p95" or "p99" for that percentile of the target's recent
	// time to first token. Default "" (no hedging).
	After string `yaml:"after"`
	// MinAfter is the shortest delay a percentile may give, and the delay
	// used while the target has no TTFT measured yet. Default 1s.
	MinAfter Duration `yaml:"min_after"`
	// MaxExtra caps hedges at this share of the route's requests, since
	// both attempts are billed. Default 10%.
	MaxExtra Percent `yaml:"max_extra"`
}

// Breaker configures a circuit breaker. Each target of a route has its
// own. An open breaker takes its target out of the route (to the end of
// the chain) until its cooldown passes; a route never ejects all of its
// targets: when every breaker is open, the targets are still tried.
type Breaker struct {
	// ConsecutiveFailures trips the breaker after this many failures in a
	// row that count against the target (5xx, connect errors, timeouts,
	// cut streams; not 4xx or client cancellations). 0 turns it off.
	// Default 5.
	ConsecutiveFailures int `yaml:"consecutive_failures"`
	// ErrorRate trips the breaker when the share of failed attempts over
	// Window reaches it, with at least MinRequests attempts. 0 turns it
	// off. Default 50%.
	ErrorRate Percent `yaml:"error_rate"`
	// Window is the span the error rate is measured over. Default 30s.
	Window Duration `yaml:"window"`
	// MinRequests is the fewest attempts in Window for the error rate to
	// be judged. Default 10.
	MinRequests int `yaml:"min_requests"`
	// Cooldown is how long a tripped breaker stays open before it lets a
	// probe through. It doubles on each trip in a row. Default 30s.
	Cooldown Duration `yaml:"cooldown"`
	// MaxCooldown caps the doubled cooldown. Default 5m.
	MaxCooldown Duration `yaml:"max_cooldown"`
	// HalfOpenRequests is how many probe attempts a half-open breaker
	// lets through at once. Default 1; 0 means 1.
	HalfOpenRequests int `yaml:"half_open_requests"`
}

// Health is the SLA a route's targets are scored against: a target that
// meets it scores 1, one that misses it scores less, gradually.
type Health struct {
	// P99Latency is the highest acceptable 99th percentile of time to
	// first token (of total latency, for targets that only serve
	// non-streamed requests). 0 means not checked. Default 0.
	P99Latency Duration `yaml:"p99_latency"`
	// ErrorRate is the highest acceptable share of failed attempts.
	// 0 means not checked. Default 0.
	ErrorRate Percent `yaml:"error_rate"`
	// ConsecutiveFailures scores a target 0 after this many failures in a
	// row. 0 means not checked. Default 0.
	ConsecutiveFailures int `yaml:"consecutive_failures"`
	// MinRequests is the fewest attempts in the window for latency and
	// error rate to be judged. Default 10.
	MinRequests int `yaml:"min_requests"`
	// MaxStep bounds how far a target's live weight moves in one
	// health_interval, as a share of its base weight, down on degradation
	// and back up on recovery, so traffic shifts gradually (70/30 →
	// 50/50 → 30/70 …) instead of flapping. Default 20%.
	MaxStep Percent `yaml:"max_step"`
}

// RouteTarget is a weighted reference to a target.
type RouteTarget struct {
	// Target names an entry of targets. Required.
	Target string `yaml:"target"`
	// Weight is the target's share under the weighted strategy. Default 1.
	// Must be >= 0; the weights of a route must not sum to 0.
	Weight int `yaml:"weight"`
}

// Retry is a route's retry policy.
type Retry struct {
	// Attempts is how many times one target may be tried for one request
	// before the route moves on. Failures that mean "go elsewhere now"
	// (connect errors, 5xx, timeouts, cut streams) move on at once when
	// another target is left; failures that mean "slow down" (429, 408)
	// wait and retry the same target while attempts remain and the wait
	// fits max_wait. Default 2.
	Attempts int `yaml:"attempts"`

	// On lists the retryable failures: "connect", "timeout", "stream_cut",
	// "malformed", and HTTP status codes (408, 429, 500…599). A failure
	// not listed is returned to the client at once. Default [connect,
	// timeout, stream_cut, malformed, 408, 429, 500, 502, 503, 504, 529].
	On []string `yaml:"on"`

	// Backoff is the wait before a retry on the same target.
	Backoff Backoff `yaml:"backoff"`

	// MaxWait is the longest the gateway waits before retrying the same
	// target (a Retry-After or a backoff). A longer wait moves to the next
	// target instead. Default 2s.
	MaxWait Duration `yaml:"max_wait"`
}

// Backoff is an exponential backoff with full jitter: retry n waits a
// uniform random time in [0, min(max, base·2^n)).
type Backoff struct {
	// Base is the first backoff step. Default 200ms.
	Base Duration `yaml:"base"`
	// Max caps a backoff step. Default 5s.
	Max Duration `yaml:"max"`
}

// Timeouts bound attempts and requests.
type Timeouts struct {
	// Connect bounds the TCP and TLS handshake of an attempt. Default 0:
	// use the provider's connect_timeout.
	Connect Duration `yaml:"connect"`
	// FirstToken bounds a streamed attempt from sending it to its first
	// content chunk (text, a tool call or a finish reason; the role-only
	// preamble does not count). Default 10s.
	FirstToken Duration `yaml:"first_token"`
	// Response bounds a non-streamed attempt from sending it to its
	// response headers, which providers send once the whole answer is
	// generated; keep it above the longest answer you expect. Default 60s.
	Response Duration `yaml:"response"`
	// Idle bounds the time between two streamed chunks, and between
	// response headers and the end of a non-streamed body. Default 30s.
	Idle Duration `yaml:"idle"`
	// Total bounds the whole request, all attempts and waits together.
	// Default 120s.
	Total Duration `yaml:"total"`
}

// OnExhausted is what the client gets when every attempt failed.
type OnExhausted struct {
	// Message, when set, is returned as a normal assistant answer (stream
	// or not) instead of an error. Default "" (return an error).
	Message string `yaml:"message"`
	// RetryAfter is the Retry-After the error form advertises. Default 5s.
	RetryAfter Duration `yaml:"retry_after"`
}
