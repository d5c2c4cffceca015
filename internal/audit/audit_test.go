package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func open(t *testing.T, path string, opts Options) *Log {
	t.Helper()
	l, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendN(t *testing.T, l *Log, methods ...string) {
	t.Helper()
	for _, m := range methods {
		if _, err := l.Append(Entry{Caller: "token x", Method: m, Code: "OK"}); err != nil {
			t.Fatal(err)
		}
	}
}

func methods(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%d%s", e.Seq, e.Method))
	}
	return strings.Join(out, " ")
}

func TestAppendListReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	l := open(t, path, Options{})
	appendN(t, l, "/a", "/b", "/c")
	l.Close()
	l = open(t, path, Options{})
	appendN(t, l, "/d")
	got, err := l.List(0, 2)
	if err != nil || methods(got) != "4/d 3/c" {
		t.Fatalf("List(0, 2) = %s, %v", methods(got), err)
	}
	older, _ := l.List(got[1].Seq, 0)
	if methods(older) != "2/b 1/a" {
		t.Fatalf("older page: %s", methods(older))
	}
	if p := l.Problems(); len(p) != 0 {
		t.Fatalf("problems in a sound log: %v", p)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v", info.Mode().Perm())
	}
}

// TestTornTailRepaired: a crash cut the last line short. Open cuts it off
// and says so; the next record starts a line of its own and takes the
// number after the last whole record.
func TestTornTailRepaired(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	l := open(t, path, Options{})
	appendN(t, l, "/a", "/b", "/c")
	l.Close()
	whole, _ := os.ReadFile(path)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":4,"time":"2026-12-01T09:41:74752`)
	f.Close()

	l = open(t, path, Options{})
	p := l.Problems()
	if len(p) != 1 || !strings.Contains(p[0].Reason, "torn last line of 39 bytes was cut off") {
		t.Fatalf("problems = %v, want the torn tail reported", p)
	}
	if raw, _ := os.ReadFile(path); string(raw) != string(whole) {
		t.Fatalf("after repair the file is\n%s\nwant\n%s", raw, whole)
	}
	appendN(t, l, "/d")
	got, _ := l.List(0, 0)
	if methods(got) != "4/d 3/c 2/b 1/a" {
		t.Fatalf("List = %s", methods(got))
	}
}

// TestGapReported: records missing from the middle of the log are reported
// on open, with their numbers, and the records around them still listed.
func TestGapReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	l := open(t, path, Options{})
	appendN(t, l, "/a", "/b", "/c", "/d", "/e")
	l.Close()
	raw, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(raw), "\n")
	// Records 2 and 3 gone, record 5 garbled.
	os.WriteFile(path, []byte(lines[0]+lines[3]+"{garbled}\n"), 0o600)

	l = open(t, path, Options{})
	got := fmt.Sprint(l.Problems())
	for _, want := range []string{"records 2–3 are missing", "line 3 is not a record"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %s do not say %q", got, want)
		}
	}
	if es, _ := l.List(0, 0); methods(es) != "4/d 1/a" {
		t.Errorf("List = %s", methods(es))
	}
}

// TestRotationKeepsTheChain: the log rotates into numbered files, the
// numbering runs on across them, every record stays listed, and a file
// removed from the middle shows up as a gap.
func TestRotationKeepsTheChain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	l := open(t, path, Options{MaxBytes: 300})
	var want []string
	for i := 1; i <= 20; i++ {
		appendN(t, l, fmt.Sprintf("/m%d", i))
		want = append([]string{fmt.Sprintf("%d/m%d", i, i)}, want...)
	}
	l.Close()
	rotated, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	if len(rotated) < 3 {
		t.Fatalf("%d rotated files after 20 records of ~100 bytes at 300 bytes a file", len(rotated))
	}
	l = open(t, path, Options{MaxBytes: 300})
	if p := l.Problems(); len(p) != 0 {
		t.Fatalf("problems after rotation: %v", p)
	}
	appendN(t, l, "/m21")
	want = append([]string{"21/m21"}, want...)
	if got, _ := l.List(0, 0); methods(got) != strings.Join(want, " ") {
		t.Fatalf("List after rotation = %s\nwant %s", methods(got), strings.Join(want, " "))
	}
	l.Close()

	os.Remove(rotated[1])
	l = open(t, path, Options{MaxBytes: 300})
	if p := fmt.Sprint(l.Problems()); !strings.Contains(p, "are missing") && !strings.Contains(p, "is missing") {
		t.Fatalf("a removed file left no trace: problems %s", p)
	}
}

// fullDisk is a file on a disk with room for limit more bytes: a write
// past it is cut short with ENOSPC, as the kernel does.
type fullDisk struct {
	*os.File
	limit int
}

func (f *fullDisk) Write(b []byte) (int, error) {
	if len(b) <= f.limit {
		f.limit -= len(b)
		return f.File.Write(b)
	}
	n, _ := f.File.Write(b[:f.limit])
	f.limit = 0
	return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
}

// TestDiskFull: a record that does not fit fails with ErrNotKept and
// ENOSPC, leaves no torn line for the next record to glue onto, and uses
// no number: once space is freed, the numbering runs on without a gap.
func TestDiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	var disk *fullDisk
	l := open(t, path, Options{OpenFile: func(p string) (File, error) {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		disk = &fullDisk{File: f, limit: 150}
		return disk, err
	}})
	appendN(t, l, "/a")
	before, _ := os.ReadFile(path)
	_, err := l.Append(Entry{Caller: "token x", Method: "/b", Code: "OK"})
	if !errors.Is(err, ErrNotKept) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append on a full disk: %v, want ErrNotKept and ENOSPC", err)
	}
	if !l.DiskFull() {
		t.Error("DiskFull() = false after ENOSPC")
	}
	if _, err := l.Begin(Entry{Method: "/c"}); !errors.Is(err, ErrNotKept) {
		t.Fatalf("Begin on a full disk: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatalf("a failed record left\n%q\nwant\n%q", after, before)
	}
	disk.limit = 1 << 20 // the operator frees space
	appendN(t, l, "/d")
	if l.DiskFull() {
		t.Error("DiskFull() still true after a record was kept")
	}
	l.Close()
	l = open(t, path, Options{})
	if p := l.Problems(); len(p) != 0 {
		t.Fatalf("problems after a full disk: %v", p)
	}
	if es, _ := l.List(0, 0); methods(es) != "2/d 1/a" {
		t.Fatalf("List = %s", methods(es))
	}
}

// TestBeginFinish: a write's intent and outcome list as one call; an
// intent whose outcome never came lists as Pending.
func TestBeginFinish(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	l := open(t, path, Options{})
	a, err := l.Begin(Entry{Caller: "token x", Method: "/put", Units: []string{"03390"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := l.Begin(Entry{Caller: "token x", Method: "/submit"})
	if err := l.Finish(a, "InvalidArgument", "values[0].value: not a number"); err != nil {
		t.Fatal(err)
	}
	got, _ := l.List(0, 0)
	if len(got) != 2 || got[0].Seq != b || got[0].Code != Pending || got[1].Seq != a || got[1].Code != "InvalidArgument" ||
		got[1].Detail != "values[0].value: not a number" || got[1].Units[0] != "03390" {
		t.Fatalf("List = %+v", got)
	}
}

// TestLongFieldsClipped: a caller cannot write an unbounded line.
func TestLongFieldsClipped(t *testing.T) {
	l := open(t, filepath.Join(t.TempDir(), FileName), Options{})
	long := strings.Repeat("x", 3<<20)
	if _, err := l.Append(Entry{Caller: long, Method: "/x", Detail: long + "\xff", Code: "Unauthenticated"}); err != nil {
		t.Fatal(err)
	}
	got, err := l.List(0, 0)
	if err != nil || len(got) != 1 || len(got[0].Detail) > 1024 || len(got[0].Caller) > 1024 {
		t.Fatalf("List after a long entry: %d entries, %v", len(got), err)
	}
}
