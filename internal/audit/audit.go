// Package audit owns the node's audit log: one JSON line per audited call —
// who, when, what, on which units, and the outcome, refusals included —
// appended to a file of its own and synced before the call is answered. It
// is kept out of the store on purpose: a refused request is audited, yet
// must leave the store exactly as it was.
package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// FileName is the log's name in the node's data directory.
const FileName = "audit.jsonl"

// Entry is one audited call.
type Entry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Caller string    `json:"caller"`
	Method string    `json:"method"`
	Units  []string  `json:"units,omitempty"`
	Code   string    `json:"code"`
	Detail string    `json:"detail,omitempty"`
}

// Log is an append-only audit log. It is safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	seq  uint64
	now  func() time.Time
	path string
}

// Open opens (creating) the log at path.
func Open(path string, now func() time.Time) (*Log, error) {
	if now == nil {
		now = time.Now
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	l := &Log{f: f, now: now, path: path}
	// A crash may have cut the last line short; end it, so that the next
	// entry starts a line of its own instead of being lost with it.
	if info, err := f.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, info.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("audit: %w", err)
			}
		}
	}
	entries, err := l.read()
	if err != nil {
		f.Close()
		return nil, err
	}
	if n := len(entries); n > 0 {
		l.seq = entries[n-1].Seq
	}
	return l, nil
}

// Close closes the file.
func (l *Log) Close() error { return l.f.Close() }

// maxField bounds each text of an entry: a caller cannot grow the log, or
// one line of it, at will.
const maxField = 512

func clip(s string) string {
	if len(s) <= maxField {
		return s
	}
	return strings.ToValidUTF8(s[:maxField], "") + "…"
}

// Append writes e, numbered and stamped, and syncs it to disk.
func (l *Log) Append(e Entry) error {
	e.Caller, e.Method, e.Detail = clip(e.Caller), clip(e.Method), clip(e.Detail)
	for i := range e.Units {
		e.Units[i] = clip(e.Units[i])
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	if e.Time.IsZero() {
		e.Time = l.now().UTC()
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return l.f.Sync()
}

func (l *Log) read() ([]Entry, error) {
	raw, err := os.ReadFile(l.path)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []Entry
	for _, line := range bytes.Split(raw, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			// A line cut by a crash mid-write: the ones before it stand.
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// List returns up to limit entries (0: all), newest first, with a sequence
// number below before (0: from the newest).
func (l *Log) List(before uint64, limit int) ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	all, err := l.read()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for i := len(all) - 1; i >= 0; i-- {
		if before > 0 && all[i].Seq >= before {
			continue
		}
		out = append(out, all[i])
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}
