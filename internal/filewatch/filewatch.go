// Package filewatch follows a file that is replaced rather than edited in
// place: by editors and config management (write and rename), and by the
// kubelet, which updates a mounted ConfigMap by swapping a "..data"
// symlink. Both the config reload of `backstop serve` and the routing
// table subscription of a gateway use it.
package filewatch

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
// file is read: editors and the kubelet touch several files per change.
const settle = 100 * time.Millisecond

// Watch calls back when the file at path changes on disk, and on each
// value of a force channel (SIGHUP, for the config). It watches the
// file's directory, not the file: editors replace files by renaming, and
// a Kubernetes ConfigMap volume swaps a "..data" symlink to a new
// directory, so the file's own inode changes while its path stays. A
// change to the file's content calls back; a force value always does.
// The file is re-read through its path each time, never through a
// cached symlink target.
type Watch struct {
	path   string
	last   []byte // the content last loaded
	w      *fsnotify.Watcher
	logger *slog.Logger
}

// New starts watching before it returns, so that no change made after
// the caller said it was ready is missed. Without inotify it logs a
// warning and calls back on force values only.
func New(path string, logger *slog.Logger) *Watch {
	c := &Watch{path: path, logger: logger}
	c.last, _ = os.ReadFile(path)
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(path)); err != nil {
			w.Close()
		}
	}
	if err != nil {
		logger.Warn("file watch unavailable", "path", path, "err", err.Error())
		return c
	}
	c.w = w
	return c
}

// Run calls changed on content changes and on each value of force
// (which may be nil) until ctx ends.
func (c *Watch) Run(ctx context.Context, force <-chan os.Signal, changed func()) {
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
		case <-force:
			c.last, _ = os.ReadFile(c.path)
			changed()
		case ev := <-events:
			if name := filepath.Base(ev.Name); name == base || name == "..data" {
				timer.Reset(settle)
			}
		case err := <-errs:
			c.logger.Warn("file watch", "path", c.path, "err", err.Error())
		case <-timer.C:
			now, err := os.ReadFile(c.path)
			if err != nil || bytes.Equal(now, c.last) {
				continue // gone for a moment, or unchanged: nothing to do
			}
			c.last = now
			changed()
		}
	}
}
