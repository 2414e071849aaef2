package fleet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
)

// The labels a routing-table ConfigMap carries. The publisher creates the
// ConfigMap with them, and refuses to write into an existing ConfigMap
// without the component label: a misconfigured name must not overwrite
// another application's ConfigMap (or Backstop's own config).
const (
	configMapNameLabel      = "app.kubernetes.io/name"
	configMapNameValue      = "backstop"
	configMapComponentLabel = "app.kubernetes.io/component"
	configMapComponentValue = "routing-table"
)

// configMapVersionAnnotation holds the version of the table in the
// ConfigMap, in decimal. It lets a publisher compare versions without
// decoding the table, and shows the version in `kubectl describe`.
const configMapVersionAnnotation = "backstop.dev/table-version"

// maxConfigMapBytes is the API server's limit on the total size of a
// ConfigMap's data. A larger table is refused before it is sent, with an
// error that says why, rather than as the API server's 422.
const maxConfigMapBytes = 1 << 20

// ErrSuperseded says that the ConfigMap already holds a table at least as
// new as the one offered: another checker (a newer leader) published
// after this one. It is not a failure of the ConfigMap; a checker that
// gets it should stop publishing until it is leader again. Publish wraps
// it with both versions; test with errors.Is.
var ErrSuperseded = errors.New("a newer routing table is already published")

// ConfigMap publishes the routing table into one key of a Kubernetes
// ConfigMap, for gateways that mount it as a volume (the kubelet swaps the
// volume's ..data symlink, which the gateway's file watch sees). Only the
// checker talks to the Kubernetes API; gateways never do, so the API is
// never in the request path.
//
// Writes are optimistic: Publish reads the ConfigMap, checks the stored
// version, and updates with the resourceVersion it read, so that two
// checkers racing (an old leader that has not yet noticed it lost its
// lease, and the new one) cannot overwrite a newer table with an older
// one. A conflict means someone wrote in between: Publish reads again and
// retries, a few times. Only the table's key and the version annotation
// are written; other keys, labels and annotations are kept.
//
// A ConfigMap is safe for concurrent use.
type ConfigMap struct {
	client    kubernetes.Interface
	namespace string
	name      string
	key       string
}

// NewConfigMap returns a publisher that writes the table to data[key] of
// the ConfigMap namespace/name through cs.
func NewConfigMap(cs kubernetes.Interface, namespace, name, key string) *ConfigMap {
	return &ConfigMap{client: cs, namespace: namespace, name: name, key: key}
}

// NewInClusterConfigMap is NewConfigMap with a client built from the pod's
// service account (rest.InClusterConfig). Outside a pod it fails with an
// error wrapping rest.ErrNotInCluster. The service account needs get and
// update on the ConfigMap, and create on configmaps if it may be absent
// (see deploy/kubernetes/checker-rbac.yaml).
func NewInClusterConfigMap(namespace, name, key string) (*ConfigMap, error) {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("configmap publisher: kubernetes in-cluster config: %w", err)
	}
	cfg.UserAgent = "backstop-checker"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("configmap publisher: kubernetes client: %w", err)
	}
	return NewConfigMap(cs, namespace, name, key), nil
}

// Name is the publisher's name in logs and metrics: "configmap".
func (c *ConfigMap) Name() string { return "configmap" }

// Publish stores table (the encoded table, UTF-8 JSON) at version in the
// ConfigMap: it creates the ConfigMap when absent, and updates it when the
// stored version is older. When the stored version is newer, or equal with
// a different table, it writes nothing and returns an error wrapping
// ErrSuperseded; the same version with the same table is already published
// and returns nil, so a retried Publish is harmless. A stored version
// annotation that does not parse counts as 0: the ConfigMap is ours (it
// has the component label) and the next table repairs it.
func (c *ConfigMap) Publish(ctx context.Context, version uint64, table []byte) error {
	if err := c.check(table); err != nil {
		return err
	}
	retriable := func(err error) bool {
		// AlreadyExists: another checker created it between our Get and
		// Create; read it and compare versions like any update.
		return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
	}
	err := retry.OnError(retry.DefaultRetry, retriable, func() error {
		return c.publishOnce(ctx, version, table)
	})
	if err != nil && !errors.Is(err, ErrSuperseded) {
		return fmt.Errorf("configmap %s/%s: publish table version %d: %w", c.namespace, c.name, version, err)
	}
	return err
}

// publishOnce is one read-compare-write round.
func (c *ConfigMap) publishOnce(ctx context.Context, version uint64, table []byte) error {
	api := c.client.CoreV1().ConfigMaps(c.namespace)
	cm, err := api.Get(ctx, c.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, c.newObject(version, table), metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if cm.Labels[configMapComponentLabel] != configMapComponentValue {
		return fmt.Errorf("configmap %s/%s exists without the label %s=%s; refusing to write the routing table into a ConfigMap that is not one (check fleet.checker.configmap.name, or add the label)",
			c.namespace, c.name, configMapComponentLabel, configMapComponentValue)
	}
	stored, _ := strconv.ParseUint(cm.Annotations[configMapVersionAnnotation], 10, 64)
	if stored > version || (stored == version && cm.Data[c.key] != string(table)) {
		return fmt.Errorf("configmap %s/%s holds table version %d, offered %d: %w", c.namespace, c.name, stored, version, ErrSuperseded)
	}
	if stored == version {
		return nil
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[c.key] = string(table)
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[configMapVersionAnnotation] = strconv.FormatUint(version, 10)
	// cm.ResourceVersion is the one read above: the API server refuses
	// the update with a conflict if the ConfigMap changed since.
	_, err = api.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

func (c *ConfigMap) newObject(version uint64, table []byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: c.namespace,
			Name:      c.name,
			Labels: map[string]string{
				configMapNameLabel:      configMapNameValue,
				configMapComponentLabel: configMapComponentValue,
			},
			Annotations: map[string]string{configMapVersionAnnotation: strconv.FormatUint(version, 10)},
		},
		Data: map[string]string{c.key: string(table)},
	}
}

// check refuses, before any API call, what the API server would refuse
// with a less helpful message.
func (c *ConfigMap) check(table []byte) error {
	var problems []string
	if msgs := validation.IsDNS1123Label(c.namespace); len(msgs) > 0 {
		problems = append(problems, fmt.Sprintf("namespace %q: %s", c.namespace, strings.Join(msgs, "; ")))
	}
	if msgs := validation.IsDNS1123Subdomain(c.name); len(msgs) > 0 {
		problems = append(problems, fmt.Sprintf("name %q: %s", c.name, strings.Join(msgs, "; ")))
	}
	if msgs := validation.IsConfigMapKey(c.key); len(msgs) > 0 {
		problems = append(problems, fmt.Sprintf("key %q: %s", c.key, strings.Join(msgs, "; ")))
	}
	if len(table) > maxConfigMapBytes {
		problems = append(problems, fmt.Sprintf("table is %d bytes; a ConfigMap holds at most %d", len(table), maxConfigMapBytes))
	}
	if !utf8.Valid(table) {
		problems = append(problems, "table is not UTF-8 text")
	}
	if len(problems) > 0 {
		return fmt.Errorf("configmap publisher: %s", strings.Join(problems, "; "))
	}
	return nil
}
