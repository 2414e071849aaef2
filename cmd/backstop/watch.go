package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long a burst of file events must be quiet before the
// config is read: editors and the kubelet touch several files per change.
const settle = 100 * time.Millisecond

// configWatch reloads the config at path when it changes on disk, and on
// SIGHUP. It watches the file's directory, not the file: editors replace
// files by renaming, and a Kubernetes ConfigMap volume swaps a "..data"
// symlink to a new directory, so the file's own inode changes while its
// path stays. A change to the file's content triggers a reload; SIGHUP
// always does.
type configWatch struct {
	path   string
	last   []byte // the content last loaded
	w      *fsnotify.Watcher
	logger *slog.Logger
}

// newConfigWatch starts watching before it returns, so that no change
// made after the gateway said it was listening is missed.
func newConfigWatch(path string, logger *slog.Logger) *configWatch {
	c := &configWatch{path: path, logger: logger}
	c.last, _ = os.ReadFile(path)
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(path)); err != nil {
			w.Close()
		}
	}
	if err != nil {
		logger.Warn("config file watch unavailable; reload with SIGHUP", "err", err.Error())
		return c
	}
	c.w = w
	return c
}

// run reloads on file changes and on each value of hup until ctx ends.
func (c *configWatch) run(ctx context.Context, hup <-chan os.Signal, reload func() error) {
	var events <-chan fsnotify.Event
	var errs <-chan error
	if c.w != nil {
		defer c.w.Close()
		events, errs = c.w.Events, c.w.Errors
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	base := filepath.Base(c.path)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			c.last, _ = os.ReadFile(c.path)
			_ = reload()
		case ev := <-events:
			if name := filepath.Base(ev.Name); name == base || name == "..data" {
				timer.Reset(settle)
			}
		case err := <-errs:
			c.logger.Warn("config file watch", "err", err.Error())
		case <-timer.C:
			now, err := os.ReadFile(c.path)
			if err != nil || bytes.Equal(now, c.last) {
				continue // gone for a moment, or unchanged: nothing to do
			}
			c.last = now
			_ = reload()
		}
	}
}
