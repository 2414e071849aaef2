package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/backstophq/backstop/bench/load"
)

// The peer: the Portkey AI gateway, as shared/reference/peers.md says to
// run it. The @hono/node-server override is needed because with the newer
// version npm picks every streamed request answers 500
// (Portkey-AI/gateway#1389).
const (
	portkeyPackage = "@portkey-ai/gateway"
	portkeyVersion = "1.15.2"
	honoServer     = "@hono/node-server"
	honoVersion    = "1.13.5"
)

var portkeyPackageJSON = `{
  "name": "backstop-bench-portkey",
  "private": true,
  "description": "The Portkey AI gateway, installed by Backstop's benchmark harness as a peer to compare against.",
  "dependencies": {"` + portkeyPackage + `": "` + portkeyVersion + `"},
  "overrides": {"` + honoServer + `": "` + honoVersion + `"}
}
`

// loopbackPreload keeps Portkey on loopback: it has no host option and
// would listen on every interface.
const loopbackPreload = `// Preloaded with --require: every net.Server listens on 127.0.0.1 only.
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  } else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
`

// portkey is an installed Portkey gateway that the harness can start.
type portkey struct {
	dir  string // the scratch folder it is installed in
	node string // path of node
	// Version is "node vX / @portkey-ai/gateway Y / @hono/node-server Z".
	Version string
}

// installPortkey installs Portkey into dir unless the exact versions are
// there already. It fails, saying why, when node or npm is missing or npm
// cannot install.
func installPortkey(ctx context.Context, dir string) (*portkey, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errors.New("node is not installed")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, errors.New("npm is not installed")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(portkeyPackageJSON), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "loopback.cjs"), []byte(loopbackPreload), 0o644); err != nil {
		return nil, err
	}
	if installedVersion(dir, portkeyPackage) != portkeyVersion || installedVersion(dir, honoServer) != honoVersion {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("npm install %s@%s: %w\n%s", portkeyPackage, portkeyVersion, err, out)
		}
	}
	if v := installedVersion(dir, honoServer); v != honoVersion {
		return nil, fmt.Errorf("%s is %q after install, want %s", honoServer, v, honoVersion)
	}
	out, _ := exec.Command(node, "--version").Output()
	return &portkey{
		dir:  dir,
		node: node,
		Version: fmt.Sprintf("node %s / %s %s / %s %s", strings.TrimSpace(string(out)),
			portkeyPackage, installedVersion(dir, portkeyPackage), honoServer, installedVersion(dir, honoServer)),
	}, nil
}

// installedVersion is the version of pkg in dir's node_modules, or "".
func installedVersion(dir, pkg string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", pkg, "package.json"))
	if err != nil {
		return ""
	}
	var v struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(b, &v)
	return v.Version
}

// start runs a fresh Portkey process on a free loopback port, its output
// (a spinner that redraws the screen) to logPath, and checks that it
// listens on loopback only.
func (pk *portkey) start(logPath string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(pk.node, "--require", filepath.Join(pk.dir, "loopback.cjs"),
		filepath.Join(pk.dir, "node_modules", portkeyPackage, "build", "start-server.js"),
		"--port="+strconv.Itoa(port), "--headless")
	cmd.Dir = pk.dir
	p, err := startListener("portkey", cmd, logPath, port, 30*time.Second)
	if err != nil {
		return nil, err
	}
	if err := loopbackOnly(port); err != nil {
		p.Stop(5 * time.Second)
		return nil, fmt.Errorf("portkey: %w", err)
	}
	return p, nil
}

// portkeyEndpoint routes requests through Portkey at addr to the
// OpenAI-compatible upstream at baseURL (ending in /v1).
func portkeyEndpoint(addr, baseURL string) load.Endpoint {
	h := http.Header{}
	h.Set("X-Portkey-Provider", "openai")
	h.Set("X-Portkey-Custom-Host", baseURL)
	return load.Endpoint{Name: "portkey", URL: "http://" + addr + "/v1/chat/completions", Model: upstreamModel, Header: h}
}
