package mock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
	"unicode/utf8"
)

// maxFaultBody bounds a PUT /providers/{name}/fault body.
const maxFaultBody = 1 << 20

// ControlHandler is the control API, JSON in and out:
//
//	GET    /providers                  every provider with its fault and counts
//	GET    /providers/{name}           one provider
//	GET    /providers/{name}/fault     its fault
//	PUT    /providers/{name}/fault     replace its fault; body: a Fault as JSON
//	DELETE /providers/{name}/fault     clear its fault
//	GET    /providers/{name}/requests  its recent requests, headers and bodies
//	POST   /reset                      clear every provider's stats
//
// Errors are {"error": "<message>"} with a 4xx or 5xx status.
func (s *Simulator) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /providers", s.listProviders)
	mux.HandleFunc("GET /providers/{name}", s.withProvider(func(w http.ResponseWriter, _ *http.Request, p *Provider) {
		writeJSON(w, http.StatusOK, viewOf(p))
	}))
	mux.HandleFunc("GET /providers/{name}/fault", s.withProvider(func(w http.ResponseWriter, _ *http.Request, p *Provider) {
		writeJSON(w, http.StatusOK, p.Fault())
	}))
	mux.HandleFunc("PUT /providers/{name}/fault", s.withProvider(putFault))
	mux.HandleFunc("DELETE /providers/{name}/fault", s.withProvider(func(w http.ResponseWriter, _ *http.Request, p *Provider) {
		if err := p.ClearFault(); err != nil {
			writeControlError(w, http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, viewOf(p))
	}))
	mux.HandleFunc("GET /providers/{name}/requests", s.withProvider(func(w http.ResponseWriter, _ *http.Request, p *Provider) {
		writeJSON(w, http.StatusOK, requestsOf(p))
	}))
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		ps := s.Providers()
		for _, p := range ps {
			p.ResetStats()
		}
		writeJSON(w, http.StatusOK, map[string]int{"reset": len(ps)})
	})
	// Patterns without a method catch what the ones above refuse, so that
	// every error is JSON.
	for _, path := range []string{"/providers", "/providers/{name}", "/providers/{name}/fault", "/providers/{name}/requests", "/reset"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			writeControlError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeControlError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	return mux
}

func (s *Simulator) withProvider(h func(http.ResponseWriter, *http.Request, *Provider)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		p := s.Provider(name)
		if p == nil {
			writeControlError(w, http.StatusNotFound, fmt.Sprintf("no provider named %q", name))
			return
		}
		h(w, r, p)
	}
}

func putFault(w http.ResponseWriter, r *http.Request, p *Provider) {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxFaultBody))
	dec.DisallowUnknownFields()
	var f Fault
	if err := dec.Decode(&f); err != nil {
		writeControlError(w, http.StatusBadRequest, "fault: "+err.Error())
		return
	}
	if dec.More() {
		writeControlError(w, http.StatusBadRequest, "fault: trailing data after the JSON object")
		return
	}
	if err := f.Validate(); err != nil {
		writeControlError(w, http.StatusBadRequest, "fault: "+err.Error())
		return
	}
	if err := p.SetFault(f); err != nil {
		writeControlError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, viewOf(p))
}

func (s *Simulator) listProviders(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Providers []providerView `json:"providers"`
	}{Providers: []providerView{}}
	for _, p := range s.Providers() {
		out.Providers = append(out.Providers, viewOf(p))
	}
	writeJSON(w, http.StatusOK, out)
}

// providerView is a provider as the control API shows it.
type providerView struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Fault Fault  `json:"fault"`
	Stats Stats  `json:"stats"`
}

func viewOf(p *Provider) providerView {
	st := p.Stats()
	st.Recent = nil // see /providers/{name}/requests
	return providerView{Name: p.Name(), URL: p.URL(), Fault: p.Fault(), Stats: st}
}

// requestView is a recorded request with its body as text when it is
// UTF-8, else as base64.
type requestView struct {
	Time       time.Time   `json:"time"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Model      string      `json:"model,omitempty"`
	Stream     bool        `json:"stream"`
	Status     int         `json:"status"`
	Faulted    bool        `json:"faulted"`
	Header     http.Header `json:"header"`
	BodySize   int         `json:"body_size"`
	Body       *string     `json:"body,omitempty"`
	BodyBase64 *string     `json:"body_base64,omitempty"`
}

func requestsOf(p *Provider) any {
	recent := p.Stats().Recent
	out := struct {
		Requests []requestView `json:"requests"`
	}{Requests: make([]requestView, 0, len(recent))}
	for _, r := range recent {
		v := requestView{Time: r.Time, Method: r.Method, Path: r.Path, Model: r.Model, Stream: r.Stream,
			Status: r.Status, Faulted: r.Faulted, Header: r.Header, BodySize: r.BodySize}
		if utf8.Valid(r.Body) {
			v.Body = str(string(r.Body))
		} else {
			v.BodyBase64 = str(base64.StdEncoding.EncodeToString(r.Body))
		}
		out.Requests = append(out.Requests, v)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeControlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
