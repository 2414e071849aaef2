package kubernetes

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"

	"github.com/backstophq/backstop/internal/config"
)

// backstopYAML is the part of backstop.yaml the manifests must agree
// with, read without internal/config so that these checks do not depend
// on which config keys this build knows.
type backstopYAML struct {
	Listen string `yaml:"listen"`
	Fleet  struct {
		Redis struct {
			URL string `yaml:"url"`
		} `yaml:"redis"`
		Checker struct {
			Publish   []string `yaml:"publish"`
			ConfigMap struct {
				Namespace string `yaml:"namespace"`
				Name      string `yaml:"name"`
				Key       string `yaml:"key"`
			} `yaml:"configmap"`
		} `yaml:"checker"`
	} `yaml:"fleet"`
}

// configFile is backstop.yaml as the kustomization puts it in the config
// ConfigMap.
func configFile(t *testing.T) []byte {
	t.Helper()
	cm := one[*corev1.ConfigMap](t, build(t), "backstop-config")
	data, ok := cm.Data["backstop.yaml"]
	if !ok {
		t.Fatal("ConfigMap backstop-config has no backstop.yaml")
	}
	return []byte(data)
}

func readBackstopYAML(t *testing.T) backstopYAML {
	t.Helper()
	var c backstopYAML
	if err := yaml.Unmarshal(configFile(t), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)

// configEnvVars lists the ${VARS} backstop.yaml needs (those without a
// default).
func configEnvVars(t *testing.T) []string {
	var names []string
	for _, m := range envRef.FindAllSubmatch(configFile(t), -1) {
		if len(m[2]) == 0 && !slices.Contains(names, string(m[1])) {
			names = append(names, string(m[1]))
		}
	}
	if len(names) == 0 {
		t.Fatal("backstop.yaml refers to no environment variable: where do the provider keys come from?")
	}
	return names
}

// secretEnv resolves ${VARS} as the pods would, from the Secret.
func secretEnv(t *testing.T) func(string) (string, bool) {
	s := one[*corev1.Secret](t, build(t), "backstop-provider-keys")
	return func(name string) (string, bool) {
		v, ok := s.StringData[name]
		return v, ok
	}
}

// serveShutdownGrace reads shutdownGrace from cmd/backstop/serve.go, in
// seconds, so that the gateway's terminationGracePeriodSeconds follows it.
func serveShutdownGrace(t *testing.T) int64 {
	t.Helper()
	const file = "../../cmd/backstop/serve.go"
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]int64{"Second": 1, "Minute": 60}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name != "shutdownGrace" || i >= len(vs.Values) {
					continue
				}
				// Expected form: N * time.Second (or time.Minute).
				if be, ok := vs.Values[i].(*ast.BinaryExpr); ok && be.Op == token.MUL {
					lit, _ := be.X.(*ast.BasicLit)
					sel, _ := be.Y.(*ast.SelectorExpr)
					if lit != nil && sel != nil && units[sel.Sel.Name] > 0 {
						n, err := strconv.ParseInt(lit.Value, 10, 32)
						if err == nil {
							return n * units[sel.Sel.Name]
						}
					}
				}
				t.Fatalf("%s: shutdownGrace is no longer N * time.Second; update this test and gateway.yaml's terminationGracePeriodSeconds", file)
			}
		}
	}
	t.Fatalf("%s: no const shutdownGrace; update this test and gateway.yaml's terminationGracePeriodSeconds", file)
	return 0
}

// The ConfigMap's backstop.yaml, minus its fleet block, loads with the
// Secret's values: providers, targets and routes are valid on any build.
func TestConfigMapBackstopYAMLWithoutFleet(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(configFile(t), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	for i := 0; i < len(root.Content); i += 2 {
		if root.Content[i].Value == "fleet" {
			root.Content = slices.Delete(root.Content, i, i+2)
			break
		}
	}
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(&doc); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Parse(buf.Bytes(), secretEnv(t)); err != nil {
		t.Fatalf("backstop.yaml without its fleet block:\n%v", err)
	}
}

// The whole ConfigMap's backstop.yaml loads with internal/config, fleet
// block included. The fleet keys come with the fleet branch: before it is
// merged, config.Config has no Fleet field and this test skips.
func TestConfigMapBackstopYAML(t *testing.T) {
	if _, ok := reflect.TypeFor[config.Config]().FieldByName("Fleet"); !ok {
		t.Skip("internal/config has no fleet block yet; this test runs once the fleet branch is merged")
	}
	if _, err := config.Parse(configFile(t), secretEnv(t)); err != nil {
		t.Fatalf("backstop.yaml in ConfigMap backstop-config:\n%v", err)
	}
}
