package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func control(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: %d %q is not a JSON object", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

func TestControlAPI(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	start(t, sim, "backup")
	srv := httptest.NewServer(sim.ControlHandler())
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()

	status, v := control(t, srv, "PUT", "/providers/primary/fault", `{"status":429,"retry_after":"3s","share":0.5}`)
	if status != 200 || v["name"] != "primary" {
		t.Fatalf("put: %d %v", status, v)
	}
	if f := p.Fault(); f.Status != 429 || f.RetryAfter.D().Seconds() != 3 || f.Share != 0.5 {
		t.Errorf("fault not applied: %+v", f)
	}
	status, v = control(t, srv, "GET", "/providers/primary/fault", "")
	if status != 200 || v["status"] != float64(429) || v["retry_after"] != "3s" {
		t.Errorf("get fault: %d %v", status, v)
	}

	post(t, httpClient(t), p, "/v1/chat/completions", helloBody)
	if err := p.WaitIdle(testContext(t)); err != nil {
		t.Fatal(err)
	}
	status, v = control(t, srv, "GET", "/providers", "")
	list, _ := v["providers"].([]any)
	if status != 200 || len(list) != 2 {
		t.Fatalf("list: %d %v", status, v)
	}
	first := list[0].(map[string]any)
	stats := first["stats"].(map[string]any)
	if first["name"] != "primary" || first["url"] != p.URL() || stats["requests"] != float64(1) || stats["recent"] != nil {
		t.Errorf("first provider %v", first)
	}

	status, v = control(t, srv, "GET", "/providers/primary/requests", "")
	reqs, _ := v["requests"].([]any)
	if status != 200 || len(reqs) != 1 {
		t.Fatalf("requests: %d %v", status, v)
	}
	r := reqs[0].(map[string]any)
	if r["body"] != helloBody || r["path"] != "/v1/chat/completions" || r["model"] != "gpt-4o-mini" || r["header"] == nil {
		t.Errorf("request %v", r)
	}

	if status, v = control(t, srv, "DELETE", "/providers/primary/fault", ""); status != 200 || !p.Fault().IsZero() {
		t.Errorf("delete: %d %v", status, v)
	}
	if status, v = control(t, srv, "POST", "/reset", ""); status != 200 || p.Stats().Requests != 0 {
		t.Errorf("reset: %d %v", status, v)
	}
}

func TestControlAPIErrors(t *testing.T) {
	sim := newSim(t, Options{})
	p := start(t, sim, "primary")
	srv := httptest.NewServer(sim.ControlHandler())
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	for _, tc := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/providers/nope", "", 404, `no provider named "nope"`},
		{"PUT", "/providers/nope/fault", `{}`, 404, "no provider"},
		{"PUT", "/providers/primary/fault", `{"status":`, 400, "fault: "},
		{"PUT", "/providers/primary/fault", `{"stauts":503}`, 400, `unknown field "stauts"`},
		{"PUT", "/providers/primary/fault", `{"latency":"soon"}`, 400, "invalid duration"},
		{"PUT", "/providers/primary/fault", `{"share":3}`, 400, "share = 3"},
		{"PUT", "/providers/primary/fault", `{"status":503}{}`, 400, "trailing data"},
		{"POST", "/providers/primary/fault", `{}`, 405, "method POST is not allowed"},
		{"GET", "/reset", "", 405, "not allowed"},
		{"GET", "/nothing", "", 404, "no such endpoint"},
	} {
		status, v := control(t, srv, tc.method, tc.path, tc.body)
		msg, _ := v["error"].(string)
		if status != tc.status || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s %s %s: %d %q, want %d %q", tc.method, tc.path, tc.body, status, msg, tc.status, tc.msg)
		}
	}
	if !p.Fault().IsZero() {
		t.Errorf("a refused fault was applied: %+v", p.Fault())
	}
}
