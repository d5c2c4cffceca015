// Package audit owns the node's audit log: one JSON line per audited call —
// who, when, what, on which units, and the outcome, refusals included —
// appended to files of its own and synced before the call goes on. It is
// kept out of the store on purpose: a refused request is audited, yet must
// leave the store exactly as it was.
//
// A write is audited twice: Begin records the intent, synced, before the
// write may touch the store, and Finish records its outcome. A write whose
// intent cannot be kept (a full disk) is refused before it changes
// anything, so no write is ever without its record. An intent without an
// outcome (the node stopped, or the disk filled in between) is shown as
// such, never dropped.
//
// Records are numbered 1, 2, 3… across every file of the log. The current
// file is FileName; when it outgrows Options.MaxBytes it is renamed to
// audit-<first seq>.jsonl and a new one started, so the numbering runs on
// unbroken from file to file. Open checks the whole chain: a torn last line
// (a crash mid-write) is cut off and reported, and a gap in the numbering or
// an unreadable line is reported as a Problem, never skipped over.
package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FileName is the current log's name in the node's data directory.
const FileName = "audit.jsonl"

// DefaultMaxBytes is the size at which the current file is rotated.
const DefaultMaxBytes = 64 << 20

// ErrNotKept marks a record that could not be written and synced: the call
// it records must not go on.
var ErrNotKept = errors.New("audit: the record could not be kept")

// Pending is the code of an intent whose outcome is not (yet) recorded.
const Pending = "Pending"

// Entry is one audited call.
type Entry struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Caller string    `json:"caller,omitempty"`
	Method string    `json:"method,omitempty"`
	Units  []string  `json:"units,omitempty"`
	Code   string    `json:"code"`
	Detail string    `json:"detail,omitempty"`
	// Of, on an outcome record, is the sequence number of the intent it
	// completes.
	Of uint64 `json:"of,omitempty"`
}

// File is what the log needs of its current file; *os.File is one. Tests
// inject a file that fails as a full disk does.
type File interface {
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

// Options tune a log. The zero value is usable.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxBytes is the size at which the current file is rotated; 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// OpenFile opens the current file for appending; nil means os.OpenFile
	// with O_APPEND.
	OpenFile func(path string) (File, error)
}

// Problem is something wrong with the log itself, found on Open.
type Problem struct {
	File   string
	Reason string
}

func (p Problem) String() string { return p.File + ": " + p.Reason }

// Log is an append-only audit log. It is safe for concurrent use.
type Log struct {
	mu       sync.Mutex
	dir      string
	opts     Options
	f        File
	size     int64 // bytes of the current file
	seq      uint64
	problems []Problem
	full     bool // the last append failed for want of space
}

// Open opens (creating) the log whose current file is path, checks every
// file of it and repairs a torn tail.
func Open(path string, opts Options) (*Log, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.OpenFile == nil {
		opts.OpenFile = func(p string) (File, error) {
			return os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		}
	}
	l := &Log{dir: filepath.Dir(path), opts: opts}
	if err := l.check(); err != nil {
		return nil, err
	}
	f, err := opts.OpenFile(l.current())
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	l.f = f
	return l, nil
}

func (l *Log) current() string { return filepath.Join(l.dir, FileName) }

// rotatedName is the name a full current file takes: the sequence number of
// its first record, zero-padded so that names sort in order.
func rotatedName(first uint64) string { return fmt.Sprintf("audit-%020d.jsonl", first) }

// files lists the log's files oldest first: the rotated ones, then the
// current one.
func (l *Log) files() ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(l.dir, "audit-*.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	sort.Strings(matches)
	return append(matches, l.current()), nil
}

// check reads every file, cuts a torn tail off the current one, and records
// the problems found; it sets the next sequence number.
func (l *Log) check() error {
	files, err := l.files()
	if err != nil {
		return err
	}
	var last uint64
	for i, name := range files {
		raw, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) && i == len(files)-1 {
			continue
		}
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		base := filepath.Base(name)
		if end := bytes.LastIndexByte(raw, '\n') + 1; end < len(raw) {
			// A crash or a full disk cut the last line short. In a
			// rotated file that cannot be the tail being written: leave
			// it and say so. In the current file cut it off, so that the
			// next record starts a line of its own.
			if i < len(files)-1 {
				l.problem(base, "its last line is cut short (%d bytes)", len(raw)-end)
			} else {
				if err := os.Truncate(name, int64(end)); err != nil {
					return fmt.Errorf("audit: repairing the torn tail of %s: %w", name, err)
				}
				l.problem(base, "a torn last line of %d bytes was cut off at offset %d (a write interrupted by a crash or a full disk)", len(raw)-end, end)
			}
			raw = raw[:end]
		}
		if i == len(files)-1 {
			l.size = int64(len(raw))
		}
		entries, bad := parse(raw)
		for _, n := range bad {
			l.problem(base, "line %d is not a record", n)
		}
		for _, e := range entries {
			switch {
			case e.Seq == last+1:
			case e.Seq > last+1:
				l.problem(base, "records %s are missing", span(last+1, e.Seq-1))
			default:
				l.problem(base, "record %d comes after record %d", e.Seq, last)
			}
			if e.Seq > last {
				last = e.Seq
			}
		}
	}
	l.seq = last
	return nil
}

func span(from, to uint64) string {
	if from == to {
		return strconv.FormatUint(from, 10)
	}
	return fmt.Sprintf("%d–%d", from, to)
}

func (l *Log) problem(file, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Reason: fmt.Sprintf(format, args...)})
}

// parse reads the records of one file, returning the line numbers of those
// it cannot read.
func parse(raw []byte) ([]Entry, []int) {
	var out []Entry
	var bad []int
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil || e.Seq == 0 {
			bad = append(bad, n)
			continue
		}
		out = append(out, e)
	}
	return out, bad
}

// Problems returns what Open found wrong with the log, oldest file first.
func (l *Log) Problems() []Problem {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Problem(nil), l.problems...)
}

// DiskFull reports whether the last record could not be written for want of
// space on the disk.
func (l *Log) DiskFull() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.full
}

// Close closes the current file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// maxField bounds each text of an entry: a caller cannot grow the log, or
// one line of it, at will.
const maxField = 512

func clip(s string) string {
	if len(s) <= maxField {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:maxField], "") + "…"
}

// Append writes e, numbered and stamped, and syncs it. If it cannot, the
// file is cut back to where it was, the number is not used, and the error
// wraps ErrNotKept (and the system's error, ENOSPC for a full disk).
func (l *Log) Append(e Entry) (uint64, error) {
	e.Caller, e.Method, e.Detail = clip(e.Caller), clip(e.Method), clip(e.Detail)
	units := make([]string, len(e.Units))
	for i, u := range e.Units {
		units[i] = clip(u)
	}
	e.Units = units
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = l.opts.Now().UTC()
	}
	if err := l.rotate(); err != nil {
		return 0, l.failed(err)
	}
	e.Seq = l.seq + 1
	line, err := json.Marshal(e)
	if err != nil {
		return 0, err
	}
	line = append(line, '\n')
	n, err := l.f.Write(line)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		if n > 0 {
			// Leave no torn line behind for the next record to glue
			// onto; if even that fails, Open cuts it off.
			l.f.Truncate(l.size)
		}
		return 0, l.failed(err)
	}
	l.size += int64(len(line))
	l.seq = e.Seq
	l.full = false
	return e.Seq, nil
}

func (l *Log) failed(err error) error {
	l.full = errors.Is(err, syscall.ENOSPC)
	return fmt.Errorf("%w: %w", ErrNotKept, err)
}

// rotate renames a full current file and starts a new one. The renamed
// file keeps its records; the numbering runs on in the new one.
func (l *Log) rotate() error {
	if l.size < l.opts.MaxBytes || l.seq == 0 {
		return nil
	}
	first, err := firstSeq(l.current())
	if err != nil {
		return err
	}
	if err := l.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(l.current(), filepath.Join(l.dir, rotatedName(first))); err != nil {
		// Keep appending to the old file rather than lose records.
		f, oerr := l.opts.OpenFile(l.current())
		if oerr == nil {
			l.f = f
		}
		return err
	}
	f, err := l.opts.OpenFile(l.current())
	if err != nil {
		return err
	}
	l.f, l.size = f, 0
	return syncDir(l.dir)
}

func firstSeq(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 4096).ReadBytes('\n')
	if err != nil {
		return 0, err
	}
	var e Entry
	if err := json.Unmarshal(line, &e); err != nil {
		return 0, err
	}
	return e.Seq, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Begin records the intent of a write before it runs; the write must not
// run if Begin fails. It returns the number Finish refers to.
func (l *Log) Begin(e Entry) (uint64, error) {
	e.Code, e.Of = Pending, 0
	return l.Append(e)
}

// Finish records the outcome of the write Begin numbered seq.
func (l *Log) Finish(seq uint64, code, detail string) error {
	_, err := l.Append(Entry{Of: seq, Code: code, Detail: detail})
	return err
}

// List returns up to limit calls (0: all), newest first, with a sequence
// number below before (0: from the newest). An outcome record is folded
// into the intent it completes; an intent with none keeps the code Pending.
func (l *Log) List(before uint64, limit int) ([]Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	files, err := l.files()
	if err != nil {
		return nil, err
	}
	var all []Entry
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		entries, _ := parse(raw)
		all = append(all, entries...)
	}
	index := map[uint64]int{}
	var calls []Entry
	for _, e := range all {
		if e.Of != 0 {
			if i, ok := index[e.Of]; ok {
				calls[i].Code, calls[i].Detail = e.Code, e.Detail
				continue
			}
		}
		index[e.Seq] = len(calls)
		calls = append(calls, e)
	}
	var out []Entry
	for i := len(calls) - 1; i >= 0; i-- {
		if before > 0 && calls[i].Seq >= before {
			continue
		}
		out = append(out, calls[i])
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}
