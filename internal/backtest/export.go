package backtest

import (
	"context"
	"io"
	"os"
	"path/filepath"
)

// Export writes what src reads to path as a timeline (hook test --sequence
// reads it; "-" is stdout), whole or not at all: into a temporary file
// renamed over path once complete. It returns how many callbacks of which
// app it wrote; ErrNothing when src had none, ErrSeveralApps when they are
// of more than one app.
func Export(ctx context.Context, src Source, path string, stdout io.Writer) (n int, app string, err error) {
	var w io.Writer
	var tmp *os.File
	if path == "-" {
		w = stdout
	} else {
		tmp, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
		if err != nil {
			return 0, "", err
		}
		defer os.Remove(tmp.Name()) // after the rename, nothing
		defer tmp.Close()
		w = tmp
	}
	tl := NewTimeline(w)
	if err := src(ctx, tl.Add); err != nil {
		return 0, "", err
	}
	if tl.Len() == 0 {
		return 0, "", ErrNothing
	}
	if err := tl.Close(); err != nil {
		return 0, "", err
	}
	if tmp != nil {
		if err := tmp.Close(); err != nil {
			return 0, "", err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return 0, "", err
		}
	}
	return tl.Len(), tl.App(), nil
}
