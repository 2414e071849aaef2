package config

import (
	"bytes"
	_ "embed"
	"time"
)

// The defaults stated in config.go's comments. Parse fills them into each
// value before decoding the file into it, so that an explicit zero in the
// file (weight: 0, max_idle_conns: 0) survives instead of being mistaken
// for "not set".
const (
	defaultListen         = ":8080"
	defaultMaxBodyBytes   = 8 << 20
	defaultLogLevel       = "info"
	defaultOpenAIBaseURL  = "https://api.openai.com/v1"
	defaultConnectTimeout = 2 * time.Second
	defaultMaxIdleConns   = 256
	defaultStrategy       = StrategyOrdered
	defaultWeight         = 1
	defaultAttempts       = 2
	defaultBackoffBase    = 200 * time.Millisecond
	defaultBackoffMax     = 5 * time.Second
	defaultMaxWait        = 2 * time.Second
	defaultFirstToken     = 10 * time.Second
	defaultResponse       = 60 * time.Second
	defaultIdle           = 30 * time.Second
	defaultTotal          = 120 * time.Second
	defaultRetryAfter     = 5 * time.Second
	defaultProbeTimeout   = 5 * time.Second
	defaultProbeJitter    = 0.1
)

// Route strategies.
const (
	StrategyOrdered   = "ordered"
	StrategyWeighted  = "weighted"
	StrategyLatency   = "latency"
	StrategyCost      = "cost"
	StrategyLeastBusy = "least_busy"
)

// Retry conditions other than HTTP status codes, for Retry.On.
const (
	RetryConnect   = "connect"    // the connection could not be made
	RetryTimeout   = "timeout"    // first_token or idle expired
	RetryStreamCut = "stream_cut" // a stream ended without its end marker
	RetryMalformed = "malformed"  // the upstream answered something unparseable
)

// ProviderOpenAI is any server that speaks the OpenAI chat completions
// API.
const ProviderOpenAI = "openai"

// ProviderAzure is Azure OpenAI: the OpenAI dialect, with the target's
// model as the deployment in the URL and an api-key header.
const ProviderAzure = "azure"

// defaultAzureAPIVersion is the api-version sent to Azure OpenAI.
const defaultAzureAPIVersion = "2024-10-21"

// ProviderAnthropic is Anthropic's Messages API.
const ProviderAnthropic = "anthropic"

// ProviderGemini is Google's Gemini API (generateContent), with the key
// in x-goog-api-key.
const ProviderGemini = "gemini"

// ProviderBedrock is AWS Bedrock Runtime, signed with SigV4.
const ProviderBedrock = "bedrock"

// DefaultRetryOn returns the default Retry.On list: every failure that
// another attempt may cure.
func DefaultRetryOn() []string {
	return []string{RetryConnect, RetryTimeout, RetryStreamCut, RetryMalformed,
		"408", "429", "500", "502", "503", "504", "529"}
}

// defaultBaseURLs gives each provider type's base_url default.
var defaultBaseURLs = map[string]string{
	ProviderOpenAI:    defaultOpenAIBaseURL,
	ProviderAnthropic: "https://api.anthropic.com",
	ProviderGemini:    "https://generativelanguage.googleapis.com",
	// Azure has no default endpoint: each resource has its own.
	ProviderAzure: "",
	// Bedrock's endpoint is per region: finish fills it in.
	ProviderBedrock: "",
}

// BedrockBaseURL is the Bedrock Runtime endpoint of region.
func BedrockBaseURL(region string) string {
	return "https://bedrock-runtime." + region + ".amazonaws.com"
}

func (c *Config) setDefaults() {
	c.Listen = defaultListen
	c.MaxBodyBytes = defaultMaxBodyBytes
	c.HealthInterval = Duration(time.Second)
	c.HealthWindow = Duration(30 * time.Second)
	c.Log = Log{Level: defaultLogLevel, Requests: true}
	c.Fleet = defaultFleet()
}

func (p *Provider) setDefaults() {
	p.ConnectTimeout = Duration(defaultConnectTimeout)
	p.MaxIdleConns = defaultMaxIdleConns
}

// finish fills the base_url default, which depends on the type and so can
// only be filled once the type is known. An empty base_url means "the
// type's usual server": it has no meaning of its own to preserve.
func (p *Provider) finish() {
	if p.BaseURL == "" {
		p.BaseURL = defaultBaseURLs[p.Type]
		if p.Type == ProviderBedrock && validRegion(p.Region) {
			p.BaseURL = BedrockBaseURL(p.Region)
		}
	}
	if p.Type == ProviderAzure && p.APIVersion == "" {
		p.APIVersion = defaultAzureAPIVersion
	}
}

func (t *Target) setDefaults() {
	t.Probe = Probe{Timeout: Duration(defaultProbeTimeout), Jitter: defaultProbeJitter}
	t.Capabilities = Capabilities{Tools: true, Vision: true, JSONSchema: true}
}

func (r *Route) setDefaults() {
	r.Strategy = defaultStrategy
	r.Retry = Retry{
		Attempts: defaultAttempts,
		On:       DefaultRetryOn(), // a fresh slice per route: routes never share one
		Backoff:  Backoff{Base: Duration(defaultBackoffBase), Max: Duration(defaultBackoffMax)},
		MaxWait:  Duration(defaultMaxWait),
	}
	r.Timeouts = Timeouts{
		FirstToken: Duration(defaultFirstToken),
		Response:   Duration(defaultResponse),
		Idle:       Duration(defaultIdle),
		Total:      Duration(defaultTotal),
	}
	r.OnExhausted = OnExhausted{RetryAfter: Duration(defaultRetryAfter)}
	r.Breaker = Breaker{
		ConsecutiveFailures: 5,
		ErrorRate:           0.5,
		Window:              Duration(30 * time.Second),
		MinRequests:         10,
		Cooldown:            Duration(30 * time.Second),
		MaxCooldown:         Duration(5 * time.Minute),
		HalfOpenRequests:    1,
	}
	r.Health = Health{MinRequests: 10, MaxStep: 0.2}
	r.Hedge = Hedge{MinAfter: Duration(time.Second), MaxExtra: 0.1}
}

func (t *RouteTarget) setDefaults() {
	t.Weight = defaultWeight
}

// defaultYAML is the config the demo runs with; see default.yaml.
//
//go:embed default.yaml
var defaultYAML []byte

// Default returns the embedded default config file: three local
// OpenAI-compatible providers (the simulator's ports 18101-18103), a
// target on each, and two routes, "smart" and "fast". It is a copy, so the
// caller may modify it.
func Default() []byte {
	return bytes.Clone(defaultYAML)
}
