package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/redis/go-redis/v9"
)

// Publisher is a sink the checker publishes tables to. table is the
// encoded table (Encode), version its version.
type Publisher interface {
	Name() string
	Publish(ctx context.Context, version uint64, table []byte) error
}

// NewConfigMapPublisher builds the "configmap" sink: a ConfigMap written
// through the Kubernetes API with the pod's in-cluster credentials. Tests
// replace it.
var NewConfigMapPublisher = func(namespace, name, key string) (Publisher, error) {
	p, err := NewInClusterConfigMap(namespace, name, key)
	if err != nil {
		return nil, err // not a typed nil inside the interface
	}
	return p, nil
}

// Refusals of the Redis publish script. A fenced refusal means this
// checker is no longer the leader.
var (
	ErrNotLeader  = errors.New("fleet: publish refused: this checker does not hold the lease")
	ErrStaleToken = errors.New("fleet: publish refused: fencing token is below the current epoch")
	ErrOldVersion = errors.New("fleet: publish refused: version is not above the stored one")
)

// RedisPublisher publishes to Redis: the table key, its version and a
// message on the channel, in one script that first checks the lease
// holder, the fencing token and that the version grows.
type RedisPublisher struct {
	rdb   *redis.Client
	keys  Keys
	lease *Lease
	id    string
}

// NewRedisPublisher publishes under lease, held by the checker id.
func NewRedisPublisher(rdb *redis.Client, keys Keys, lease *Lease, id string) *RedisPublisher {
	return &RedisPublisher{rdb: rdb, keys: keys, lease: lease, id: id}
}

// Name is "redis".
func (p *RedisPublisher) Name() string { return "redis" }

var publishScript = redis.NewScript(`
if redis.call('GET', KEYS[4]) ~= ARGV[5] then return 'not_leader' end
local epoch = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[1]) < epoch then return 'stale_token' end
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) <= cur then return 'old_version' end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 'ok'
`)

// Publish stores and announces the table.
func (p *RedisPublisher) Publish(ctx context.Context, version uint64, table []byte) error {
	res, err := publishScript.Run(ctx, p.rdb,
		[]string{p.keys.Table, p.keys.Version, p.keys.Epoch, p.keys.Leader},
		p.lease.Token(), version, table, p.keys.Channel, p.id).Text()
	if err != nil {
		return err
	}
	switch res {
	case "ok":
		return nil
	case "not_leader":
		return ErrNotLeader
	case "stale_token":
		return ErrStaleToken
	case "old_version":
		return ErrOldVersion
	}
	return fmt.Errorf("fleet: publish script answered %q", res)
}

// StoredVersion reads the version in Redis; 0 when there is none.
func StoredVersion(ctx context.Context, rdb *redis.Client, keys Keys) (uint64, error) {
	v, err := rdb.Get(ctx, keys.Version).Uint64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

// StoredTable reads the table in Redis; nil when there is none.
func StoredTable(ctx context.Context, rdb *redis.Client, keys Keys) ([]byte, error) {
	b, err := rdb.Get(ctx, keys.Table).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// FilePublisher replaces a file atomically: it writes a temporary file
// in the same directory and renames it over the path, so a reader (a
// gateway watching the file) sees the old table or the new one, never
// half of one.
type FilePublisher struct{ Path string }

// Name is "file".
func (p FilePublisher) Name() string { return "file" }

// Publish writes the table unless the file holds a table of the same or
// a higher version already.
func (p FilePublisher) Publish(_ context.Context, version uint64, table []byte) error {
	if old, err := os.ReadFile(p.Path); err == nil {
		var v struct {
			Version uint64 `json:"version"`
		}
		if json.Unmarshal(old, &v) == nil && v.Version >= version {
			return fmt.Errorf("%w: %s holds version %d", ErrOldVersion, p.Path, v.Version)
		}
	}
	dir := filepath.Dir(p.Path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(p.Path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(table); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.Path)
}
