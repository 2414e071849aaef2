package fleet

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
)

var configMapsResource = corev1.SchemeGroupVersion.WithResource("configmaps")

// newAPIServer returns a fake clientset holding objs that, unlike the bare
// fake, behaves like the API server on writes: it stamps a
// resourceVersion on every create and update, and refuses an update whose
// resourceVersion is not the stored one with 409 Conflict.
func newAPIServer(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	cs := fake.NewClientset()
	tracker := cs.Tracker()
	rv := 0
	stamp := func(cm *corev1.ConfigMap) {
		rv++
		cm.ResourceVersion = strconv.Itoa(rv)
	}
	for _, o := range objs {
		cm := o.(*corev1.ConfigMap).DeepCopy()
		stamp(cm)
		if err := tracker.Add(cm); err != nil {
			t.Fatal(err)
		}
	}
	cs.PrependReactor("create", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		cm := a.(k8stesting.CreateAction).GetObject().(*corev1.ConfigMap).DeepCopy()
		if _, err := tracker.Get(configMapsResource, cm.Namespace, cm.Name); err == nil {
			return true, nil, apierrors.NewAlreadyExists(configMapsResource.GroupResource(), cm.Name)
		}
		stamp(cm)
		return true, cm, tracker.Create(configMapsResource, cm, cm.Namespace)
	})
	cs.PrependReactor("update", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		cm := a.(k8stesting.UpdateAction).GetObject().(*corev1.ConfigMap).DeepCopy()
		cur, err := tracker.Get(configMapsResource, cm.Namespace, cm.Name)
		if err != nil {
			return true, nil, err
		}
		if cur.(*corev1.ConfigMap).ResourceVersion != cm.ResourceVersion {
			return true, nil, apierrors.NewConflict(configMapsResource.GroupResource(), cm.Name, errors.New("the object has been modified"))
		}
		stamp(cm)
		return true, cm, tracker.Update(configMapsResource, cm, cm.Namespace)
	})
	return cs
}

func getConfigMap(t *testing.T, cs *fake.Clientset, ns, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

// tableConfigMap is a routing-table ConfigMap as the manifests or an
// earlier publisher leave it.
func tableConfigMap(version string, data map[string]string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "backstop", Name: "backstop-table",
			Labels: map[string]string{configMapNameLabel: configMapNameValue, configMapComponentLabel: configMapComponentValue},
		},
		Data: data,
	}
	if version != "" {
		cm.Annotations = map[string]string{configMapVersionAnnotation: version}
	}
	return cm
}

func countVerb(cs *fake.Clientset, verb string) int {
	n := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == verb && a.GetResource() == configMapsResource {
			n++
		}
	}
	return n
}

func TestConfigMapName(t *testing.T) {
	if got := NewConfigMap(fake.NewClientset(), "backstop", "backstop-table", "table.json").Name(); got != "configmap" {
		t.Errorf("Name() = %q, want configmap", got)
	}
}

func TestConfigMapCreatesWhenAbsent(t *testing.T) {
	cs := newAPIServer(t)
	p := NewConfigMap(cs, "backstop", "backstop-table", "table.json")
	if err := p.Publish(context.Background(), 3, []byte(`{"version":3}`)); err != nil {
		t.Fatal(err)
	}
	cm := getConfigMap(t, cs, "backstop", "backstop-table")
	if got := cm.Data["table.json"]; got != `{"version":3}` {
		t.Errorf("data[table.json] = %q", got)
	}
	if len(cm.Data) != 1 || len(cm.BinaryData) != 0 {
		t.Errorf("data keys = %v, binaryData = %v; want only table.json", cm.Data, cm.BinaryData)
	}
	if got := cm.Annotations[configMapVersionAnnotation]; got != "3" {
		t.Errorf("annotation %s = %q, want 3", configMapVersionAnnotation, got)
	}
	wantLabels := map[string]string{"app.kubernetes.io/name": "backstop", "app.kubernetes.io/component": "routing-table"}
	for k, v := range wantLabels {
		if cm.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, cm.Labels[k], v)
		}
	}
}

func TestConfigMapUpdatesOlderVersionKeepingTheRest(t *testing.T) {
	old := tableConfigMap("3", map[string]string{"table.json": `{"version":3}`, "README": "kept"})
	old.Labels["team"] = "platform"
	old.Annotations["note"] = "kept"
	cs := newAPIServer(t, old)
	p := NewConfigMap(cs, "backstop", "backstop-table", "table.json")
	if err := p.Publish(context.Background(), 4, []byte(`{"version":4}`)); err != nil {
		t.Fatal(err)
	}
	cm := getConfigMap(t, cs, "backstop", "backstop-table")
	if cm.Data["table.json"] != `{"version":4}` || cm.Annotations[configMapVersionAnnotation] != "4" {
		t.Errorf("after publish: data %q, version %q; want version 4", cm.Data["table.json"], cm.Annotations[configMapVersionAnnotation])
	}
	if cm.Data["README"] != "kept" || cm.Labels["team"] != "platform" || cm.Annotations["note"] != "kept" {
		t.Errorf("other keys, labels or annotations lost: data %v labels %v annotations %v", cm.Data, cm.Labels, cm.Annotations)
	}
}

// The manifests create the table ConfigMap with its labels and no data,
// so that the gateways' volume exists before the first table.
func TestConfigMapFillsManifestCreatedConfigMap(t *testing.T) {
	cs := newAPIServer(t, tableConfigMap("", nil))
	p := NewConfigMap(cs, "backstop", "backstop-table", "table.json")
	if err := p.Publish(context.Background(), 1, []byte(`{"version":1}`)); err != nil {
		t.Fatal(err)
	}
	if cm := getConfigMap(t, cs, "backstop", "backstop-table"); cm.Data["table.json"] != `{"version":1}` {
		t.Errorf("data = %v", cm.Data)
	}
}

func TestConfigMapRefusesOlderOrConflictingVersion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version uint64
		table   string
		wantErr error
	}{
		{"older", 6, `{"version":6}`, ErrSuperseded},
		{"same version, other table", 7, `{"version":7,"other":true}`, ErrSuperseded},
		{"same version, same table", 7, `{"version":7}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := newAPIServer(t, tableConfigMap("7", map[string]string{"table.json": `{"version":7}`}))
			p := NewConfigMap(cs, "backstop", "backstop-table", "table.json")
			err := p.Publish(context.Background(), tc.version, []byte(tc.table))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Publish(%d) = %v, want %v", tc.version, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "holds table version 7, offered 6") && tc.version == 6 {
				t.Errorf("error %q does not name both versions", err)
			}
			if n := countVerb(cs, "update"); n != 0 {
				t.Errorf("%d updates sent; the stored table must be left alone", n)
			}
			if cm := getConfigMap(t, cs, "backstop", "backstop-table"); cm.Data["table.json"] != `{"version":7}` || cm.Annotations[configMapVersionAnnotation] != "7" {
				t.Errorf("stored table changed: %v %v", cm.Data, cm.Annotations)
			}
		})
	}
}

func TestConfigMapUnparsableVersionIsRepaired(t *testing.T) {
	cs := newAPIServer(t, tableConfigMap("edited by hand", map[string]string{"table.json": "{}"}))
	p := NewConfigMap(cs, "backstop", "backstop-table", "table.json")
	if err := p.Publish(context.Background(), 1, []byte(`{"version":1}`)); err != nil {
		t.Fatal(err)
	}
	if cm := getConfigMap(t, cs, "backstop", "backstop-table"); cm.Annotations[configMapVersionAnnotation] != "1" {
		t.Errorf("version annotation = %q, want 1", cm.Annotations[configMapVersionAnnotation])
	}
}

func TestConfigMapRetriesOnConflict(t *testing.T) {
	cs := newAPIServer(t, tableConfigMap("1", map[string]string{"table.json": `{"version":1}`}))
	// Two updates fail as if another client had written in between;
	// the third goes through.
	conflicts := 2
	cs.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			return false, nil, nil
		}
		conflicts--
		return true, nil, apierrors.NewConflict(configMapsResource.GroupResource(), "backstop-table", errors.New("the object has been modified"))
	})
	p := NewConfigMap(cs, "backstop", "backstop-table", "table.json")
	if err := p.Publish(context.Background(), 2, []byte(`{"version":2}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := countVerb(cs, "get"), 3; got != want {
		t.Errorf("%d gets, want %d: every retry must read the ConfigMap again", got, want)
	}
	if cm := getConfigMap(t, cs, "backstop", "backstop-table"); cm.Data["table.json"] != `{"version":2}` {
		t.Errorf("data = %v", cm.Data)
	}
}

func TestConfigMapGivesUpAfterRepeatedConflicts(t *testing.T) {
	cs := newAPIServer(t, tableConfigMap("1", nil))
	cs.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(configMapsResource.GroupResource(), "backstop-table", errors.New("the object has been modified"))
	})
	err := NewConfigMap(cs, "backstop", "backstop-table", "table.json").Publish(context.Background(), 2, []byte(`{}`))
	if !apierrors.IsConflict(err) || errors.Is(err, ErrSuperseded) {
		t.Fatalf("Publish = %v, want the conflict", err)
	}
	if !strings.Contains(err.Error(), "configmap backstop/backstop-table: publish table version 2") {
		t.Errorf("error %q does not say which ConfigMap and version", err)
	}
}

// Regression for the race the resourceVersion guards against: a checker
// that lost its lease reads the ConfigMap, the new leader publishes a
// newer table, and the old leader's update must not overwrite it.
func TestConfigMapRaceWithNewerLeader(t *testing.T) {
	cs := newAPIServer(t, tableConfigMap("5", map[string]string{"table.json": `{"version":5}`}))
	tracker := cs.Tracker()
	raced := false
	cs.PrependReactor("update", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if raced {
			return false, nil, nil
		}
		raced = true
		// The newer leader's write lands between our read and our update.
		cur, err := tracker.Get(configMapsResource, "backstop", "backstop-table")
		if err != nil {
			return true, nil, err
		}
		newer := cur.(*corev1.ConfigMap).DeepCopy()
		newer.Data["table.json"] = `{"version":7}`
		newer.Annotations[configMapVersionAnnotation] = "7"
		newer.ResourceVersion = "100"
		if err := tracker.Update(configMapsResource, newer, "backstop"); err != nil {
			return true, nil, err
		}
		return false, nil, nil // on to the API server's resourceVersion check
	})
	err := NewConfigMap(cs, "backstop", "backstop-table", "table.json").Publish(context.Background(), 6, []byte(`{"version":6}`))
	if !errors.Is(err, ErrSuperseded) {
		t.Fatalf("Publish = %v, want ErrSuperseded", err)
	}
	if cm := getConfigMap(t, cs, "backstop", "backstop-table"); cm.Data["table.json"] != `{"version":7}` {
		t.Errorf("the newer table was overwritten: %v", cm.Data)
	}
}

// Two checkers create the ConfigMap at once: the loser's create fails
// with AlreadyExists, and it then compares versions like an update.
func TestConfigMapCreateRace(t *testing.T) {
	cs := newAPIServer(t)
	tracker := cs.Tracker()
	raced := false
	cs.PrependReactor("create", "configmaps", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if !raced {
			raced = true
			other := tableConfigMap("9", map[string]string{"table.json": `{"version":9}`})
			other.ResourceVersion = "50"
			if err := tracker.Add(other); err != nil {
				return true, nil, err
			}
		}
		return false, nil, nil
	})
	err := NewConfigMap(cs, "backstop", "backstop-table", "table.json").Publish(context.Background(), 8, []byte(`{"version":8}`))
	if !errors.Is(err, ErrSuperseded) {
		t.Fatalf("Publish = %v, want ErrSuperseded", err)
	}
}

func TestConfigMapRefusesForeignConfigMap(t *testing.T) {
	foreign := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "backstop", Name: "backstop-config"},
		Data:       map[string]string{"backstop.yaml": "listen: :8080\n"},
	}
	cs := newAPIServer(t, foreign)
	err := NewConfigMap(cs, "backstop", "backstop-config", "backstop.yaml").Publish(context.Background(), 1, []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "without the label app.kubernetes.io/component=routing-table") {
		t.Fatalf("Publish = %v, want a refusal naming the label", err)
	}
	if n := countVerb(cs, "update"); n != 0 {
		t.Errorf("%d updates sent to a foreign ConfigMap", n)
	}
}

func TestConfigMapRefusesBadInputBeforeCallingTheAPI(t *testing.T) {
	for _, tc := range []struct {
		name, ns, cm, key string
		table             []byte
		want              string
	}{
		{"key with slash", "backstop", "backstop-table", "tables/table.json", []byte("{}"), `key "tables/table.json"`},
		{"empty name", "backstop", "", "table.json", []byte("{}"), `name ""`},
		{"bad namespace", "Back_Stop", "backstop-table", "table.json", []byte("{}"), `namespace "Back_Stop"`},
		{"too large", "backstop", "backstop-table", "table.json", make([]byte, maxConfigMapBytes+1), "a ConfigMap holds at most 1048576"},
		{"not UTF-8", "backstop", "backstop-table", "table.json", []byte{0xff, 0xfe}, "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := newAPIServer(t)
			err := NewConfigMap(cs, tc.ns, tc.cm, tc.key).Publish(context.Background(), 1, tc.table)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Publish = %v, want an error containing %q", err, tc.want)
			}
			if n := len(cs.Actions()); n != 0 {
				t.Errorf("%d API calls made for a bad input", n)
			}
		})
	}
}

func TestNewInClusterConfigMapOutsideACluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	_, err := NewInClusterConfigMap("backstop", "backstop-table", "table.json")
	if !errors.Is(err, rest.ErrNotInCluster) {
		t.Fatalf("NewInClusterConfigMap = %v, want rest.ErrNotInCluster", err)
	}
}
