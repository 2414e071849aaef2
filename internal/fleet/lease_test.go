package fleet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/backstophq/backstop/internal/clock"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/redistest"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func newClient(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	f := config.Fleet{Redis: config.FleetRedis{URL: config.Secret(srv.URL())}}
	rdb, err := NewRedis(&f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// One of two candidates leads; the other stands by and is told to come
// back when the lease runs out; fencing refuses the deposed leader.
func TestLeaseOneLeaderAndFencing(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	keys := NewKeys("test")
	c := clock.NewFake(t0)
	a := NewLease(rdb, keys, "a", 3*time.Second, c)
	b := NewLease(rdb, keys, "b", 3*time.Second, c)
	if _, err := a.Tick(ctx); err != nil || !a.Held() {
		t.Fatalf("a: held %v, err %v", a.Held(), err)
	}
	wait, err := b.Tick(ctx)
	if err != nil || b.Held() {
		t.Fatalf("b: held %v, err %v", b.Held(), err)
	}
	if wait <= 0 || wait > time.Second+time.Millisecond {
		t.Errorf("standby wait = %v, want (0, ttl/3]", wait)
	}
	if a.Token() < uint64(t0.UnixMilli()) {
		t.Errorf("token %d is below the time floor %d", a.Token(), t0.UnixMilli())
	}
	pa := NewRedisPublisher(rdb, keys, a, "a")
	if err := pa.Publish(ctx, 10, []byte(`{"version":10}`)); err != nil {
		t.Fatal(err)
	}
	if err := pa.Publish(ctx, 10, []byte(`{"version":10}`)); !errors.Is(err, ErrOldVersion) {
		t.Errorf("same version again: %v, want ErrOldVersion", err)
	}
	pb := NewRedisPublisher(rdb, keys, b, "b")
	if err := pb.Publish(ctx, 11, []byte(`{"version":11}`)); !errors.Is(err, ErrNotLeader) {
		t.Errorf("standby publish: %v, want ErrNotLeader", err)
	}
	// a's lease runs out in Redis (it was paused); b takes over with a
	// higher token; a, waking up, is refused.
	if err := rdb.Del(ctx, keys.Leader).Err(); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Millisecond) // a later time floor
	if _, err := b.Tick(ctx); err != nil || !b.Held() {
		t.Fatalf("b after expiry: held %v, err %v", b.Held(), err)
	}
	if b.Token() <= a.Token() {
		t.Fatalf("b's token %d is not above a's %d", b.Token(), a.Token())
	}
	if err := pa.Publish(ctx, 12, []byte(`{"version":12}`)); !errors.Is(err, ErrNotLeader) {
		t.Errorf("deposed leader publish: %v, want ErrNotLeader", err)
	}
	// Even holding the key again (say its id was reused), a's old token
	// is fenced off.
	if err := rdb.Set(ctx, keys.Leader, "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := pa.Publish(ctx, 12, []byte(`{"version":12}`)); !errors.Is(err, ErrStaleToken) {
		t.Errorf("stale token publish: %v, want ErrStaleToken", err)
	}
	if _, err := a.Tick(ctx); err != nil || !a.Held() {
		t.Fatalf("a renewing the key it holds: %v %v", a.Held(), err)
	}
	if err := a.Release(ctx); err != nil || a.Held() {
		t.Fatalf("release: %v", err)
	}
	if n, _ := rdb.Exists(ctx, keys.Leader).Result(); n != 0 {
		t.Error("release left the lease key")
	}
}

// With Redis unreachable, a leader keeps the lease only until the ttl
// since its last renewal has passed on its own clock.
func TestLeaseHeldUntilTTLWhenRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	rdb := newClient(t, srv)
	ctx := context.Background()
	c := clock.NewFake(t0)
	l := NewLease(rdb, NewKeys("test"), "a", 3*time.Second, c)
	if _, err := l.Tick(ctx); err != nil || !l.Held() {
		t.Fatal("not acquired")
	}
	srv.Stop()
	c.Advance(2 * time.Second)
	if _, err := l.Tick(ctx); err == nil {
		t.Fatal("renew with Redis down succeeded")
	}
	if !l.Held() {
		t.Fatal("lease dropped before its ttl")
	}
	c.Advance(time.Second)
	if l.Held() {
		t.Fatal("lease still held a full ttl after the last renewal")
	}
	if _, err := l.Tick(ctx); err == nil || l.Held() {
		t.Fatalf("after the ttl: held %v err %v", l.Held(), err)
	}
	// Redis comes back empty: the epoch restarts, the token does not go
	// back.
	old := l.Token()
	srv.Start()
	c.Advance(time.Second)
	if _, err := l.Tick(ctx); err != nil || !l.Held() {
		t.Fatalf("re-acquire: %v %v", l.Held(), err)
	}
	if l.Token() <= old {
		t.Errorf("token after an empty restart = %d, not above %d", l.Token(), old)
	}
}
