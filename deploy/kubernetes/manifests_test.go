// Package kubernetes tests the kustomization in this directory: it is
// built in-process with kustomize, every object is decoded strictly into
// its Kubernetes API type, and the objects are checked against each other
// and against backstop.yaml, so that a typo, a renamed port or a config
// that disagrees with its manifests fails here rather than in a cluster.
package kubernetes

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// namespace is the kustomization's namespace.
const namespace = "backstop"

// kinds maps each apiVersion and kind the manifests may use to its typed
// struct. Anything else is an error: a new kind must be added here, so
// that it is decoded strictly too.
var kinds = map[string]func() any{
	"v1/Namespace":                             func() any { return &corev1.Namespace{} },
	"v1/ConfigMap":                             func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                                func() any { return &corev1.Secret{} },
	"v1/Service":                               func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                        func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                       func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget":            func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler":   func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"rbac.authorization.k8s.io/v1/Role":        func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1/RoleBinding": func() any { return &rbacv1.RoleBinding{} },
	"networking.k8s.io/v1/NetworkPolicy":       func() any { return &networkingv1.NetworkPolicy{} },
}

// decodeStrict decodes one object's YAML into the type its apiVersion and
// kind name, refusing unknown kinds, unknown fields and duplicate keys.
func decodeStrict(apiVersion, kind string, doc []byte) (any, error) {
	newObj, ok := kinds[apiVersion+"/"+kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %s %s: add it to kinds so it is checked", apiVersion, kind)
	}
	// The API server's own strict decoding: case-sensitive field names,
	// and errors that give each unknown field's full path.
	js, err := yaml.YAMLToJSONStrict(doc) // refuses duplicate keys
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", apiVersion, kind, err)
	}
	obj := newObj()
	strict, err := kjson.UnmarshalStrict(js, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err == nil {
		err = errors.Join(strict...)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", apiVersion, kind, err)
	}
	return obj, nil
}

// built is the kustomization's output, typed.
type built struct {
	objects []any
	names   []string // "Kind/name", parallel to objects
}

var (
	buildOnce   sync.Once
	buildResult built
	buildErr    error
)

// build runs kustomize on this directory (once per test binary) and
// decodes every object strictly.
func build(t *testing.T) built {
	t.Helper()
	buildOnce.Do(func() {
		k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
		m, err := k.Run(filesys.MakeFsOnDisk(), ".")
		if err != nil {
			buildErr = fmt.Errorf("kustomize build: %w", err)
			return
		}
		var errs []string
		for _, r := range m.Resources() {
			doc, err := r.AsYAML()
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			obj, err := decodeStrict(r.GetApiVersion(), r.GetKind(), doc)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s/%s: %v", r.GetKind(), r.GetName(), err))
				continue
			}
			buildResult.objects = append(buildResult.objects, obj)
			buildResult.names = append(buildResult.names, r.GetKind()+"/"+r.GetName())
		}
		if len(errs) > 0 {
			buildErr = fmt.Errorf("objects that do not decode strictly:\n%s", strings.Join(errs, "\n"))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildResult
}

// all returns the built objects of type T.
func all[T any](b built) []T {
	var out []T
	for _, o := range b.objects {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// one returns the built object of type T named name, or fails.
func one[T interface{ GetName() string }](t *testing.T, b built, name string) T {
	t.Helper()
	for _, o := range all[T](b) {
		if o.GetName() == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T named %q in the kustomization (have %v)", zero, name, b.names)
	return zero
}

func TestManifestsDecodeStrictly(t *testing.T) {
	b := build(t)
	want := []string{
		"Namespace/backstop", "Secret/backstop-provider-keys", "ConfigMap/backstop-config", "ConfigMap/backstop-table",
		"ServiceAccount/backstop-gateway", "Deployment/backstop-gateway", "Service/backstop",
		"PodDisruptionBudget/backstop-gateway", "HorizontalPodAutoscaler/backstop-gateway",
		"ServiceAccount/backstop-checker", "Role/backstop-checker", "RoleBinding/backstop-checker",
		"Deployment/backstop-checker", "PodDisruptionBudget/backstop-checker",
		"Deployment/backstop-redis", "Service/backstop-redis", "NetworkPolicy/backstop-redis",
	}
	for _, w := range want {
		if !slices.Contains(b.names, w) {
			t.Errorf("kustomization lacks %s", w)
		}
	}
	for i, o := range b.objects {
		m := o.(metav1.Object)
		if _, isNS := o.(*corev1.Namespace); !isNS && m.GetNamespace() != namespace {
			t.Errorf("%s is in namespace %q, want %q", b.names[i], m.GetNamespace(), namespace)
		}
		if m.GetLabels()["app.kubernetes.io/part-of"] != "backstop" {
			t.Errorf("%s lacks the app.kubernetes.io/part-of label", b.names[i])
		}
	}
}

// The strict decoding above must be able to fail: a misspelt field, a
// field at the wrong level, a duplicate key and an unknown kind are
// refused.
func TestDecodeStrictRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, apiVersion, kind, doc, want string
	}{
		{"misspelt field", "apps/v1", "Deployment", `
metadata: {name: x}
spec:
  template:
    spec:
      containers:
        - name: c
          readinessProbe: {httpGet: {paht: /readyz, port: 8080}}
`, `unknown field "spec.template.spec.containers[0].readinessProbe.httpGet.paht"`},
		{"field at the wrong level", "v1", "Service", `
metadata: {name: x}
ports: [{port: 80}]
`, `unknown field "ports"`},
		{"duplicate key", "v1", "ConfigMap", `
metadata: {name: x}
data: {a: "1"}
data: {b: "2"}
`, `key "data" already set`},
		{"unknown kind", "apps/v1", "DaemonSet", `metadata: {name: x}`, "unknown kind apps/v1 DaemonSet"},
		{"wrong version", "autoscaling/v1", "HorizontalPodAutoscaler", `metadata: {name: x}`, "unknown kind autoscaling/v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeStrict(tc.apiVersion, tc.kind, []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("decodeStrict = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// Every pod is fit for the "restricted" Pod Security Standard the
// namespace enforces, and every container says what it needs and how to
// tell it is alive.
func TestDeploymentsHaveProbesResourcesAndRestrictedSecurity(t *testing.T) {
	b := build(t)
	ns := one[*corev1.Namespace](t, b, namespace)
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("namespace enforces Pod Security %q, want restricted", got)
	}
	for _, d := range all[*appsv1.Deployment](b) {
		pod := d.Spec.Template.Spec
		if !reflect.DeepEqual(d.Spec.Selector.MatchLabels, subset(d.Spec.Template.Labels, d.Spec.Selector.MatchLabels)) {
			t.Errorf("%s: selector %v does not match its pod labels %v", d.Name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
		}
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod securityContext must set runAsNonRoot and seccompProfile RuntimeDefault", d.Name)
		}
		if len(pod.Containers) == 0 {
			t.Errorf("%s: no containers", d.Name)
		}
		for _, c := range pod.Containers {
			where := d.Name + "/" + c.Name
			if c.ReadinessProbe == nil || c.LivenessProbe == nil {
				t.Errorf("%s: readiness and liveness probes are required", where)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[r]; !ok {
					t.Errorf("%s: no %s request", where, r)
				}
				if _, ok := c.Resources.Limits[r]; !ok {
					t.Errorf("%s: no %s limit", where, r)
				}
			}
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("%s: container securityContext must forbid privilege escalation, drop ALL capabilities and mount the root filesystem read-only", where)
			}
			if c.Image == "" || !strings.Contains(c.Image, ":") {
				t.Errorf("%s: image %q has no pinned tag", where, c.Image)
			}
		}
	}
}

func subset(labels, keys map[string]string) map[string]string {
	out := map[string]string{}
	for k := range keys {
		if v, ok := labels[k]; ok {
			out[k] = v
		}
	}
	return out
}

// containerPort resolves a probe's or a Service's port, by name or number,
// to one of c's ports, or returns 0.
func containerPort(c corev1.Container, port string) int32 {
	for _, p := range c.Ports {
		if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
			return p.ContainerPort
		}
	}
	return 0
}

func TestGateway(t *testing.T) {
	b := build(t)
	cfg := readBackstopYAML(t)
	d := one[*appsv1.Deployment](t, b, "backstop-gateway")
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if len(c.Args) < 3 || c.Args[0] != "serve" || c.Args[1] != "--config" {
		t.Fatalf("gateway args %q, want serve --config FILE", c.Args)
	}
	configPath := c.Args[2]

	// Probes: readiness on /readyz, liveness and startup on /healthz,
	// all on the port the config listens on.
	_, listenPort, _ := strings.Cut(cfg.Listen, ":")
	probes := map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe}
	if c.StartupProbe != nil {
		probes["/healthz (startup)"] = c.StartupProbe
	}
	for want, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("gateway probe for %s is not an HTTP GET", want)
			continue
		}
		path, _, _ := strings.Cut(want, " ")
		if p.HTTPGet.Path != path {
			t.Errorf("gateway probe hits %s, want %s", p.HTTPGet.Path, path)
		}
		if got := containerPort(c, p.HTTPGet.Port.String()); fmt.Sprint(got) != listenPort {
			t.Errorf("gateway probe for %s on port %q = %d, want the config's listen port %s", want, p.HTTPGet.Port.String(), got, listenPort)
		}
	}

	// Shutdown: preStop, then serve's grace, within the pod's grace.
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatal("gateway has no preStop sleep: endpoints would still send traffic to a closed listener")
	}
	preStop := c.Lifecycle.PreStop.Sleep.Seconds
	grace := serveShutdownGrace(t)
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds < preStop+grace+5 {
		t.Errorf("terminationGracePeriodSeconds %v < preStop %ds + serve's shutdown grace %ds + 5s: streams would be SIGKILLed", pod.TerminationGracePeriodSeconds, preStop, grace)
	}

	// The config is a ConfigMap volume mounted as a directory, so the
	// kubelet's ..data swap reaches the serve watcher.
	mountDir := configPath[:strings.LastIndex(configPath, "/")]
	var configVolume string
	for _, m := range c.VolumeMounts {
		if m.MountPath == mountDir {
			configVolume = m.Name
			if m.SubPath != "" || m.SubPathExpr != "" {
				t.Errorf("config mounted with subPath: the kubelet never updates those")
			}
		}
	}
	var cmName string
	for _, v := range pod.Volumes {
		if v.Name == configVolume && v.ConfigMap != nil {
			cmName = v.ConfigMap.Name
		}
	}
	if cmName == "" {
		t.Fatalf("no ConfigMap volume mounted at %s, the directory of --config %s", mountDir, configPath)
	}
	cm := one[*corev1.ConfigMap](t, b, cmName)
	if _, ok := cm.Data[configPath[len(mountDir)+1:]]; !ok {
		t.Errorf("ConfigMap %s has no key %s", cmName, configPath[len(mountDir)+1:])
	}

	// No API access for the gateway.
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("gateway pods must not mount a service account token")
	}
	sa := one[*corev1.ServiceAccount](t, b, pod.ServiceAccountName)
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("service account %s must not automount its token", sa.Name)
	}
	for _, rb := range all[*rbacv1.RoleBinding](b) {
		for _, s := range rb.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == sa.Name {
				t.Errorf("RoleBinding %s grants rights to the gateway's service account", rb.Name)
			}
		}
	}

	// Service, PDB and HPA point at these pods.
	svc := one[*corev1.Service](t, b, "backstop")
	if !reflect.DeepEqual(svc.Spec.Selector, subset(d.Spec.Template.Labels, svc.Spec.Selector)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the gateway pods %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if containerPort(c, p.TargetPort.String()) == 0 {
			t.Errorf("Service port %s targets %q, which the gateway container does not expose", p.Name, p.TargetPort.String())
		}
	}
	pdb := one[*policyv1.PodDisruptionBudget](t, b, "backstop-gateway")
	if !reflect.DeepEqual(pdb.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels) {
		t.Errorf("PDB selector %v, want the Deployment's %v", pdb.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels)
	}
	hpa := one[*autoscalingv2.HorizontalPodAutoscaler](t, b, "backstop-gateway")
	if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("HPA scales %s/%s, want Deployment/%s", ref.Kind, ref.Name, d.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 3 {
		t.Errorf("HPA minReplicas %v, want at least 3", hpa.Spec.MinReplicas)
	}
	if len(hpa.Spec.Metrics) == 0 || hpa.Spec.Metrics[0].Resource == nil || hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU {
		t.Error("HPA does not scale on CPU")
	}
	if d.Spec.Replicas != nil {
		t.Errorf("gateway Deployment sets replicas %d: the HPA owns the count", *d.Spec.Replicas)
	}
}

func TestChecker(t *testing.T) {
	b := build(t)
	cfg := readBackstopYAML(t)
	d := one[*appsv1.Deployment](t, b, "backstop-checker")
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if len(c.Args) < 3 || c.Args[0] != "check" || c.Args[1] != "--config" {
		t.Errorf("checker args %q, want check --config FILE", c.Args)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("checker replicas %v, want 2: one leader, one standby", d.Spec.Replicas)
	}
	// `backstop check --metrics ADDR` serves /healthz; the probes must
	// hit that port.
	metricsPort := "9091" // the flag's default
	if i := slices.Index(c.Args, "--metrics"); i >= 0 && i+1 < len(c.Args) {
		_, metricsPort, _ = strings.Cut(c.Args[i+1], ":")
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
			t.Errorf("checker %s probe is not an HTTP GET of /healthz", name)
			continue
		}
		if got := containerPort(c, p.HTTPGet.Port.String()); fmt.Sprint(got) != metricsPort {
			t.Errorf("checker %s probe on port %q = %d, want the --metrics port %s", name, p.HTTPGet.Port.String(), got, metricsPort)
		}
	}

	// Its service account is bound to a Role that grants exactly what
	// the ConfigMap publisher does, on the table ConfigMap of the config.
	if pod.ServiceAccountName == "" || (pod.AutomountServiceAccountToken != nil && !*pod.AutomountServiceAccountToken) {
		t.Fatal("checker pods need their service account token to publish the ConfigMap")
	}
	one[*corev1.ServiceAccount](t, b, pod.ServiceAccountName)
	var role *rbacv1.Role
	for _, rb := range all[*rbacv1.RoleBinding](b) {
		for _, s := range rb.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == pod.ServiceAccountName && s.Namespace == namespace && rb.RoleRef.Kind == "Role" {
				role = one[*rbacv1.Role](t, b, rb.RoleRef.Name)
			}
		}
	}
	if role == nil {
		t.Fatalf("no RoleBinding binds service account %s to a Role", pod.ServiceAccountName)
	}
	table := cfg.Fleet.Checker.ConfigMap
	granted := map[string]bool{} // verb on the table ConfigMap
	for _, r := range role.Rules {
		if !slices.Equal(r.APIGroups, []string{""}) || !slices.Equal(r.Resources, []string{"configmaps"}) {
			t.Errorf("Role %s grants %v on %v/%v: the checker only needs configmaps", role.Name, r.Verbs, r.APIGroups, r.Resources)
		}
		for _, v := range r.Verbs {
			switch {
			case v == "create":
			case slices.Equal(r.ResourceNames, []string{table.Name}):
			default:
				t.Errorf("Role %s grants %s on configmaps %v; only create may be unrestricted by name", role.Name, v, r.ResourceNames)
			}
			if !slices.Contains([]string{"get", "update", "create"}, v) {
				t.Errorf("Role %s grants %s, which the publisher never uses", role.Name, v)
			}
			granted[v] = true
		}
	}
	for _, v := range []string{"get", "update", "create"} {
		if !granted[v] {
			t.Errorf("Role %s does not grant %s on configmap %s", role.Name, v, table.Name)
		}
	}
}

func TestTableConfigMapAndValkeyMatchConfig(t *testing.T) {
	b := build(t)
	cfg := readBackstopYAML(t)
	want := cfg.Fleet.Checker.ConfigMap
	if want.Namespace != namespace || want.Name == "" || want.Key == "" {
		t.Fatalf("fleet.checker.configmap = %+v, want namespace %s, a name and a key", want, namespace)
	}
	if !slices.Contains(cfg.Fleet.Checker.Publish, "configmap") {
		t.Errorf("fleet.checker.publish %v does not include configmap", cfg.Fleet.Checker.Publish)
	}
	cm := one[*corev1.ConfigMap](t, b, want.Name)
	if cm.Labels["app.kubernetes.io/component"] != "routing-table" {
		t.Errorf("ConfigMap %s lacks the routing-table label the publisher requires", cm.Name)
	}
	if len(cm.Data) != 0 || len(cm.BinaryData) != 0 {
		t.Errorf("ConfigMap %s has data: kubectl apply would overwrite the published table", cm.Name)
	}
	// The gateways mount it where table.path (subscribe: file) expects.
	g := one[*appsv1.Deployment](t, b, "backstop-gateway").Spec.Template.Spec
	var vol string
	for _, v := range g.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == want.Name {
			vol = v.Name
			if v.ConfigMap.Optional == nil || !*v.ConfigMap.Optional {
				t.Errorf("table volume is not optional: gateways would not start before the first table")
			}
		}
	}
	mounted := false
	for _, m := range g.Containers[0].VolumeMounts {
		if m.Name == vol && m.MountPath+"/"+want.Key == "/etc/backstop/table/table.json" {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("gateways do not mount ConfigMap %s so that %s is /etc/backstop/table/table.json", want.Name, want.Key)
	}

	// fleet.redis.url names the Valkey Service and port.
	u, err := url.Parse(cfg.Fleet.Redis.URL)
	if err != nil || u.Scheme != "redis" || u.Port() == "" {
		t.Fatalf("fleet.redis.url %q, want redis://HOST:PORT/DB", cfg.Fleet.Redis.URL)
	}
	host, port := u.Hostname(), u.Port()
	svc := one[*corev1.Service](t, b, host)
	if len(svc.Spec.Ports) != 1 || fmt.Sprint(svc.Spec.Ports[0].Port) != port {
		t.Errorf("Service %s ports %v, want %s", host, svc.Spec.Ports, port)
	}
	valkey := one[*appsv1.Deployment](t, b, "backstop-redis")
	if !reflect.DeepEqual(svc.Spec.Selector, subset(valkey.Spec.Template.Labels, svc.Spec.Selector)) {
		t.Errorf("Service %s does not select the Valkey pods", host)
	}
}

// The Secret ships placeholders only, and holds every variable the config
// needs; both gateways and checkers get it.
func TestSecretHoldsPlaceholders(t *testing.T) {
	b := build(t)
	secrets := all[*corev1.Secret](b)
	if len(secrets) != 1 {
		t.Fatalf("%d Secrets, want 1", len(secrets))
	}
	s := secrets[0]
	if len(s.Data) != 0 {
		t.Errorf("Secret %s has base64 data; use stringData placeholders", s.Name)
	}
	if len(s.StringData) == 0 {
		t.Errorf("Secret %s is empty", s.Name)
	}
	for k, v := range s.StringData {
		if v != "replace-me" {
			t.Errorf("Secret %s key %s holds %d characters, want the placeholder replace-me", s.Name, k, len(v))
		}
	}
	for _, name := range configEnvVars(t) {
		if _, ok := s.StringData[name]; !ok {
			t.Errorf("backstop.yaml needs ${%s}, which Secret %s does not hold", name, s.Name)
		}
	}
	for _, dn := range []string{"backstop-gateway", "backstop-checker"} {
		c := one[*appsv1.Deployment](t, b, dn).Spec.Template.Spec.Containers[0]
		if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool { return e.SecretRef != nil && e.SecretRef.Name == s.Name }) {
			t.Errorf("%s does not take its environment from Secret %s", dn, s.Name)
		}
	}
}
