package config

import (
	"testing"
)

// Each case is a whole file with one class of problem, and the exact
// errors it must produce: no more (no cascades), no fewer.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want []wantErr
	}{
		{"empty file", nil, []wantErr{
			{"providers", 0, "at least one provider is required"},
			{"targets", 0, "at least one target is required"},
			{"routes", 0, "at least one route is required"},
		}},
		{"empty sections", lines(
			"providers: {}",
			"targets: {}",
			"routes:",
		), []wantErr{
			{"providers", 1, "at least one provider is required"},
			{"targets", 2, "at least one target is required"},
			{"routes", 3, "at least one route is required"},
		}},
		{"negative duration", lines(
			"providers:",
			"  p: {type: openai}",
			"targets:",
			"  t:",
			"    provider: p",
			"    model: m",
			"routes:",
			"  smart:",
			"    targets: [t]",
			"    retry:",
			"      attempts: 3",
			"    timeouts:",
			"      first_token: 2s",
			"      total: -5s",
		), []wantErr{{"routes.smart.timeouts.total", 14, "-5s must be >= 0"}}},
		{"bare integer duration", base(
			"    timeouts: {first_token: 5}",
		), []wantErr{{"routes.r.timeouts.first_token", 8, "use a unit, e.g. 5s"}}},
		{"bad duration", base(
			"    retry: {max_wait: soon}",
		), []wantErr{{"routes.r.retry.max_wait", 8, `"soon" is not a duration`}}},
		{"bad byte size", lines(
			"max_body_bytes: 8 lightyears",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"max_body_bytes", 1, "is not a size"}}},
		{"negative byte size", lines(
			"max_body_bytes: -1MiB",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"max_body_bytes", 1, "-1MiB must be >= 0"}}},
		{"zero byte size", lines(
			"max_body_bytes: 0",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"max_body_bytes", 1, "0 must be > 0"}}},
		{"string for int", lines(
			"providers:",
			"  p: {type: openai, rpm: lots}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.rpm", 2, `expected an integer, got "lots"`}}},
		{"float for int", base(
			"    retry: {attempts: 1.5}",
		), []wantErr{{"routes.r.retry.attempts", 8, `expected an integer, got "1.5"`}}},
		{"int out of range", base(
			"    retry: {attempts: 99999999999999999999999}",
		), []wantErr{{"routes.r.retry.attempts", 8, "expected an integer"}}},
		{"string for bool", lines(
			"log: {requests: sometimes}",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"log.requests", 1, `expected true or false, got "sometimes"`}}},
		{"scalar for mapping", lines(
			"log: debug",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"log", 1, `expected a mapping (key: value), got "debug"`}}},
		{"list for map of entries", lines(
			"providers: [p]",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{
			{"providers", 1, "expected a mapping of names to entries, got a list"},
			{"targets.t.provider", 2, `unknown provider "p" (providers are: )`},
		}},
		{"scalar for list", base(
			"    fallbacks: t",
		), []wantErr{{"routes.r.fallbacks", 8, `expected a list, got "t" (for one entry write [t])`}}},
		{"mapping for string", base(
			"    strategy: {ordered: true}",
		), []wantErr{{"routes.r.strategy", 8, "expected a string, got a mapping"}}},
		{"breaker cooldown over its cap", base(
			"    breaker: {cooldown: 10m, max_cooldown: 5m}",
		), []wantErr{{"routes.r.breaker.cooldown", 8, "cooldown (10m0s) must be <= max_cooldown (5m0s)"}}},
		{"hedge delay that is neither a duration nor a percentile", base(
			"    hedge: {after: p90}",
		), []wantErr{{"routes.r.hedge.after", 8, `"p90" is not a delay: write a duration such as 800ms, or p50, p95 or p99`}}},
		{"error rate over 100%", base(
			"    health: {error_rate: 120%}",
		), []wantErr{{"routes.r.health.error_rate", 8, "120% is not between 0% and 100%"}}},
		{"azure without its endpoint", lines(
			"providers: {az: {type: azure}}",
			"targets: {t: {provider: az, model: gpt-4o}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.az.base_url", 1, "base_url is required for azure: your resource's endpoint, e.g. https://RESOURCE.openai.azure.com"}}},
		{"capabilities with negative and contradicting values", lines(
			"providers: {p: {type: openai}, a: {type: anthropic}}",
			"targets:",
			"  t: {provider: p, model: m, prefill: true, capabilities: {prefill: false, context_window: -1}}",
			"  u: {provider: p, model: m, capabilities: {context_window: 1000, max_output_tokens: 4000}}",
			"  c: {provider: a, model: m, capabilities: {embeddings: true}}",
			"routes: {r: {targets: [t], context_fallback: nope}}",
		), []wantErr{
			{"targets.t.capabilities.context_window", 3, "-1 must be >= 0"},
			{"targets.t.capabilities.prefill", 3, "false contradicts prefill: true on the target"},
			{"targets.u.capabilities.max_output_tokens", 4, "4000 is over context_window (1000)"},
			{"targets.c.capabilities.embeddings", 5, "anthropic has no embeddings API"},
			{"routes.r.context_fallback", 6, `unknown target "nope"`},
		}},
		{"capability of the wrong type", lines(
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m, capabilities: {vision: sometimes}}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"targets.t.capabilities.vision", 2, "true or false"}}},
		{"unknown key with suggestion", base(
			"    tiemouts: {total: 5s}",
		), []wantErr{{"routes.r.tiemouts", 8, `unknown key "tiemouts" (did you mean "timeouts"?)`}}},
		{"unknown key without suggestion", base(
			"    sticky: {cooldown: 30s}",
		), []wantErr{{"routes.r.sticky", 8, `unknown key "sticky" (keys here are: breaker, context_fallback, continue_on_cut, drill, fallbacks, headers,`}}},
		{"unknown top-level key", lines(
			"listn: :9090",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"listn", 1, `unknown key "listn" (did you mean "listen"?)`}}},
		{"duplicate field", base(
			"    strategy: ordered",
			"    strategy: weighted",
		), []wantErr{{"routes.r.strategy", 9, `duplicate key "strategy"`}}},
		{"duplicate entry", lines(
			"providers:",
			"  p: {type: openai}",
			"  p: {type: openai}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p", 3, `duplicate key "p"`}}},
		{"missing provider type", lines(
			"providers:",
			"  p: {base_url: http://localhost:1/v1}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.type", 2, "type is required (supported types: anthropic, azure, bedrock, gemini, openai)"}}},
		{"unsupported provider type", lines(
			"providers:",
			"  p:",
			"    type: cohere",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.type", 3, `unsupported type "cohere" (supported types: anthropic, azure, bedrock, gemini, openai)`}}},
		{"bedrock without a region", lines(
			"providers:",
			"  p:",
			"    type: bedrock",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.region", 2, "region is required for bedrock"}}},
		{"bedrock with a bad region and half a key pair", lines(
			"providers:",
			"  p:",
			"    type: bedrock",
			"    region: US East",
			"    access_key_id: test-access-key",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.region", 4, `"US East" is not an AWS region`}, {"providers.p.access_key_id", 5, "go together"}}},
		{"bedrock with an API key and access keys", lines(
			"providers:",
			"  p:",
			"    type: bedrock",
			"    region: us-west-2",
			"    api_key: test-key",
			"    access_key_id: test-access-key",
			"    secret_access_key: test-secret-key",
			"    session_token: test-token",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.api_key", 5, "exclusive"}}},
		{"region on an openai provider", lines(
			"providers:",
			"  p:",
			"    type: openai",
			"    region: us-west-2",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.region", 4, "region is only for type bedrock"}}},
		{"relative base_url", lines(
			"providers:",
			"  p:",
			"    type: openai",
			"    base_url: localhost:8000/v1",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.base_url", 4, `"localhost:8000/v1" is not an absolute http(s) URL`}}},
		{"ftp base_url", lines(
			"providers:",
			"  p: {type: openai, base_url: 'ftp://example.com/v1'}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.base_url", 2, "is not an absolute http(s) URL"}}},
		{"api_key and api_keys", lines(
			"providers:",
			"  p:",
			"    type: openai",
			"    api_key: a",
			"    api_keys: [b, c]",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.api_keys", 5, "api_key and api_keys are exclusive"}}},
		{"empty key in pool", lines(
			"providers:",
			"  p:",
			"    type: openai",
			"    api_keys:",
			"      - a",
			"      - ''",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.api_keys[1]", 6, "key is empty"}}},
		{"bad provider header", lines(
			"providers:",
			"  p:",
			"    type: openai",
			"    headers:",
			"      OpenAI-Organization: org",
			"      'Bad Header': x",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{`providers.p.headers["Bad Header"]`, 6, `"Bad Header" is not a valid header name`}}},
		{"negative max_idle_conns", lines(
			"providers:",
			"  p: {type: openai, max_idle_conns: -1}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"providers.p.max_idle_conns", 2, "-1 must be >= 0"}}},
		{"unknown provider", lines(
			"providers: {p: {type: openai}, q: {type: openai}}",
			"targets:",
			"  t:",
			"    provider: x",
			"    model: m",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"targets.t.provider", 4, `unknown provider "x" (providers are: p, q)`}}},
		{"target without provider and model", lines(
			"providers: {p: {type: openai}}",
			"targets:",
			"  t:",
			"    tier: fast",
			"routes: {r: {targets: [t]}}",
		), []wantErr{
			{"targets.t.provider", 3, "provider is required"},
			{"targets.t.model", 3, "model is required"},
		}},
		{"null target", lines(
			"providers: {p: {type: openai}}",
			"targets:",
			"  t:",
			"routes: {r: {targets: [t]}}",
		), []wantErr{
			{"targets.t.provider", 3, "provider is required"},
			{"targets.t.model", 3, "model is required"},
		}},
		{"negative price", lines(
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m, price: {input: -1}}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"targets.t.price.input", 2, "-1 must be a finite number >= 0"}}},
		{"route without targets", base(
			"  s:",
			"    fallbacks: [t]",
		), []wantErr{{"routes.s.targets", 8, "at least one target is required"}}},
		{"route with empty targets", base(
			"  s: {targets: []}",
		), []wantErr{{"routes.s.targets", 8, "at least one target is required"}}},
		{"unknown route target", lines(
			"providers: {p: {type: openai}}",
			"targets:",
			"  a: {provider: p, model: m}",
			"  b: {provider: p, model: m}",
			"  c: {provider: p, model: m}",
			"routes:",
			"  claude-sonnet:",
			"    targets:",
			"      - a",
			"      - target: x",
			"        weight: 2",
		), []wantErr{{"routes.claude-sonnet.targets[1].target", 10, `unknown target "x" (targets are: a, b, c)`}}},
		{"unknown route target, short form", base(
			"  s:",
			"    targets:",
			"      - t",
			"      - nope",
		), []wantErr{{"routes.s.targets[1].target", 11, `unknown target "nope" (targets are: t)`}}},
		{"route target without name", base(
			"  s:",
			"    targets:",
			"      - weight: 3",
		), []wantErr{{"routes.s.targets[0].target", 10, "target is required"}}},
		{"unknown fallback", base(
			"    fallbacks:",
			"      - nope",
		), []wantErr{{"routes.r.fallbacks[0]", 9, `unknown target "nope" (targets are: t)`}}},
		{"target twice in a chain", lines(
			"providers: {p: {type: openai}}",
			"targets: {a: {provider: p, model: m}, b: {provider: p, model: m}}",
			"routes:",
			"  r:",
			"    targets: [a, b]",
			"    fallbacks: [b]",
		), []wantErr{{"routes.r.fallbacks[0]", 6, `target "b" appears twice in this route (first at targets[1])`}}},
		{"unknown strategy", base(
			"    strategy: fastest",
		), []wantErr{{"routes.r.strategy", 8, `unknown strategy "fastest" (use one of ordered, weighted, latency, cost, least_busy)`}}},
		{"negative weight", base(
			"  s:",
			"    strategy: weighted",
			"    targets: [{target: t, weight: -1}]",
		), []wantErr{{"routes.s.targets[0].weight", 10, "-1 must be between 0 and 1000000"}}},
		{"weights sum to 0", lines(
			"providers: {p: {type: openai}}",
			"targets: {a: {provider: p, model: m}, b: {provider: p, model: m}}",
			"routes:",
			"  r:",
			"    strategy: weighted",
			"    targets:",
			"      - {target: a, weight: 0}",
			"      - {target: b, weight: 0}",
		), []wantErr{{"routes.r.targets", 6, "weights sum to 0"}}},
		{"zero attempts", base(
			"    retry:",
			"      attempts: 0",
		), []wantErr{{"routes.r.retry.attempts", 9, "0 must be >= 1"}}},
		{"bad retry conditions", base(
			"    retry:",
			"      on:",
			"        - connect",
			"        - 429",
			"        - 399",
			"        - 600",
			"        - 5xx",
			"        - Timeout",
		), []wantErr{
			{"routes.r.retry.on[2]", 12, `unknown retry condition "399"`},
			{"routes.r.retry.on[3]", 13, `unknown retry condition "600"`},
			{"routes.r.retry.on[4]", 14, `unknown retry condition "5xx"`},
			{"routes.r.retry.on[5]", 15, `unknown retry condition "Timeout" (use connect, timeout, stream_cut, malformed or an HTTP status from 400 to 599)`},
		}},
		{"backoff base over max", base(
			"    retry:",
			"      backoff: {base: 10s}",
		), []wantErr{{"routes.r.retry.backoff.base", 9, "base (10s) must be <= max (5s)"}}},
		{"total shorter than first_token", base(
			"    timeouts:",
			"      total: 5s",
		), []wantErr{{"routes.r.timeouts.total", 9, "total (5s) is shorter than first_token (10s)"}}},
		{"bad log level", lines(
			"log:",
			"  level: verbose",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"log.level", 2, `unknown level "verbose" (use one of debug, info, warn, error)`}}},
		{"bad header names", lines(
			"headers: [x-tenant, 'x tenant', '']",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes:",
			"  r:",
			"    targets: [t]",
			"    headers: ['x-a:b']",
		), []wantErr{
			{"headers[1]", 1, `"x tenant" is not a valid header name`},
			{"headers[2]", 1, `"" is not a valid header name`},
			{"routes.r.headers[0]", 7, `"x-a:b" is not a valid header name`},
		}},
		{"bad listen", lines(
			"listen: 8080",
			"providers: {p: {type: openai}}",
			"targets: {t: {provider: p, model: m}}",
			"routes: {r: {targets: [t]}}",
		), []wantErr{{"listen", 1, `"8080" is not host:port`}}},
		{"empty route name", base(
			`  "": {targets: [t]}`,
		), []wantErr{{`routes[""]`, 8, "route names must not be empty"}}},
		{"syntax error", lines(
			"providers:",
			"  p: {type: openai",
			"targets: {}",
		), []wantErr{{"", 2, `invalid YAML: did not find expected ',' or '}'`}}},
		{"unclosed list at the end", lines(
			"providers: [",
		), []wantErr{{"", 2, "invalid YAML: did not find expected node content"}}},
		{"syntax error on line 1", lines("listen: !x!y :8080"), []wantErr{
			{"", 1, "invalid YAML: found undefined tag handle"},
		}},
		{"list item in a mapping", lines(
			"providers: {p: {type: openai}}",
			"- targets",
		), []wantErr{{"", 2, "invalid YAML: did not find expected key"}}},
		{"scanner error", lines(
			"providers:",
			"  p: {type: openai}",
			"targets: @t",
		), []wantErr{{"", 3, "invalid YAML: found character that cannot start any token"}}},
		{"tab indentation", lines(
			"providers:",
			"\tp: {type: openai}",
		), []wantErr{{"", 2, "invalid YAML"}}},
		{"two documents", append(base(), lines("---", "listen: :1")...), []wantErr{
			{"", 8, "a second YAML document"},
		}},
		{"not a mapping", lines("- a", "- b"), []wantErr{{"", 1, "expected a mapping (key: value), got a list"}}},
		{"non-scalar key", base(
			"  [a, b]: {targets: [t]}",
		), []wantErr{{"routes", 8, "a key must be a plain name, not a list"}}},
		{"alias that contains itself", base(
			"  s: &loop",
			"    targets: [t]",
			"    fallbacks: *loop",
		), []wantErr{{"routes.s.fallbacks", 10, "expected a list, got a mapping"}}},
		{"merge of itself", base(
			"  s: &loop",
			"    targets: [t]",
			"    <<: *loop",
		), []wantErr{{"routes.s", 10, "alias *loop refers to itself"}}},
		{"many problems in line order", lines(
			"providers:",
			"  p: {type: openai, base_url: 'nope'}",
			"targets:",
			"  t: {provider: q, model: m}",
			"routes:",
			"  r:",
			"    strategy: sideways",
			"    targets: [t, u]",
		), []wantErr{
			{"providers.p.base_url", 2, "is not an absolute"},
			{"targets.t.provider", 4, `unknown provider "q"`},
			{"routes.r.strategy", 7, "unknown strategy"},
			{"routes.r.targets[1].target", 8, `unknown target "u"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parseFails(t, tt.file, tt.want)
		})
	}
}

// base returns a valid file whose last line (7) is "    targets: [t]",
// inside route r, followed by extra; extra's first line is line 8.
func base(extra ...string) []byte {
	return lines(append([]string{
		"providers:",
		"  p: {type: openai}",
		"targets:",
		"  t: {provider: p, model: m}",
		"routes:",
		"  r:",
		"    targets: [t]",
	}, extra...)...)
}

func TestValidateConfigBuiltInCode(t *testing.T) {
	cfg := &Config{
		Listen:       ":8080",
		MaxBodyBytes: 1 << 20,
		Log:          Log{Level: "info"},
		Providers:    map[string]*Provider{"p": {Type: "openai", BaseURL: "http://x/v1"}, "nil": nil},
		Targets:      map[string]*Target{"t": {Provider: "p", Model: "m"}},
		Routes: map[string]*Route{"r": {
			Strategy: StrategyOrdered,
			Targets:  []RouteTarget{{Target: "t", Weight: 1}},
			Retry:    Retry{Attempts: 1, Backoff: Backoff{Base: -1}},
		}},
	}
	checkErrors(t, cfg.Validate(), []wantErr{
		{"providers.nil", 0, "provider is nil"},
		{"routes.r.retry.backoff.base", 0, "-1ns must be >= 0"},
	})
	delete(cfg.Providers, "nil")
	cfg.Routes["r"].Retry.Backoff.Base = 0
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}

// parseFails checks that file is refused with exactly the errors want,
// and without a Config.
func parseFails(t *testing.T, file []byte, want []wantErr) {
	t.Helper()
	cfg, err := Parse(file, noEnv)
	if err == nil {
		t.Fatalf("Parse succeeded, want errors; file:\n%s", file)
	}
	if cfg != nil {
		t.Errorf("Parse returned a Config with errors")
	}
	checkErrors(t, err, want)
}
