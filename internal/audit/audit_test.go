package audit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAppendListReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	l, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"/a", "/b", "/c"} {
		if err := l.Append(Entry{Caller: "token x", Method: m, Code: "OK"}); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	// A crash cut the last line short: the entries before it stand.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":4,"method":"/cut`)
	f.Close()
	l, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Append(Entry{Method: "/d", Code: "PermissionDenied"}); err != nil {
		t.Fatal(err)
	}
	got, err := l.List(0, 2)
	if err != nil || len(got) != 2 || got[0].Method != "/d" || got[0].Seq != 4 || got[1].Method != "/c" {
		t.Fatalf("List(0, 2) = %+v, %v", got, err)
	}
	older, _ := l.List(got[1].Seq, 0)
	if len(older) != 2 || older[0].Method != "/b" || older[1].Method != "/a" {
		t.Fatalf("older page: %+v", older)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v", info.Mode().Perm())
	}
}

// TestLongFieldsClipped: a caller cannot write an unbounded line.
func TestLongFieldsClipped(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), FileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	long := string(make([]byte, 3<<20))
	if err := l.Append(Entry{Caller: long, Method: "/x", Detail: long, Code: "Unauthenticated"}); err != nil {
		t.Fatal(err)
	}
	got, err := l.List(0, 0)
	if err != nil || len(got) != 1 || len(got[0].Detail) > 1024 || len(got[0].Caller) > 1024 {
		t.Fatalf("List after a long entry: %d entries, %v", len(got), err)
	}
}
