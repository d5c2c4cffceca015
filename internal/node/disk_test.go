package node

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/audit"
)

// fullAuditFile is the audit log's file on a disk that fills when full is
// set: every write fails with ENOSPC, as the kernel's do.
type fullAuditFile struct {
	*os.File
	full *atomic.Bool
}

func (f fullAuditFile) Write(b []byte) (int, error) {
	if f.full.Load() {
		return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(b)
}

func (h *harness) healthz() (int, string) {
	h.t.Helper()
	resp, err := http.Get(h.base + "/healthz")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// writesOnAFullDisk checks that a value write and a section write are
// refused with Unavailable, saying the disk is full, leave the store's file
// as it was, and that /healthz says so too.
func writesOnAFullDisk(t *testing.T, h *harness) {
	t.Helper()
	ctx := context.Background()
	before := h.fileHash()
	writes := map[string]func() error{
		"PutValues": func() error { return h.put(dv("dang_vien", "", "120")) },
		"PutSection": func() error {
			_, err := h.data.PutSection(ctx, &tonghopv1.PutSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: "III.1", Content: &tonghopv1.SectionContent{Text: "Nội dung"}})
			return err
		},
		"Submit": func() error {
			_, err := tonghopv1.NewSubmissionServiceClient(h.conn).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
			return err
		},
	}
	for name, write := range writes {
		err := write()
		if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "the node's disk is full") {
			t.Errorf("%s on a full disk: %v, want Unavailable saying the node's disk is full", name, err)
		}
	}
	if h.fileHash() != before {
		t.Error("writes refused for a full disk changed the store's file")
	}
	if code, body := h.healthz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "the node's disk is full") {
		t.Errorf("/healthz on a full disk: %d %q", code, body)
	}
	// Over REST the same refusal is 503.
	r, _ := http.NewRequest("PATCH", h.base+"/v1/units/106/data-sets/tong_ket_nam/periods/2021/values", strings.NewReader(`[{"data_element":"dang_vien","value":"1"}]`))
	r.Header.Set("Authorization", "Bearer "+h.token)
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "disk is full") {
		t.Errorf("REST write on a full disk: %d %s", resp.StatusCode, body)
	}
}

// TestDiskFullInjected: with the audit log's disk full, no write runs
// unaudited: each is refused before it touches the store, and once space
// is back writes go through, each with its record.
func TestDiskFullInjected(t *testing.T) {
	var full atomic.Bool
	h := startWith(t, t.TempDir(), Options{AuditFile: func(p string) (audit.File, error) {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		return fullAuditFile{File: f, full: &full}, err
	}})
	if err := h.put(dv("dang_vien", "", "100")); err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	writesOnAFullDisk(t, h)
	full.Store(false)
	if err := h.put(dv("dang_vien", "", "120")); err != nil {
		t.Fatalf("a write once space is back: %v", err)
	}
	if code, body := h.healthz(); code != http.StatusOK {
		t.Errorf("/healthz once space is back: %d %q", code, body)
	}
	entries, err := h.node.audit.List(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var puts []string
	for _, e := range entries {
		if strings.HasSuffix(e.Method, "/PutValues") {
			puts = append(puts, e.Code)
		}
	}
	if strings.Join(puts, " ") != "OK OK" {
		t.Errorf("audited PutValues outcomes %v, want the two that ran", puts)
	}
}

// TestDiskFullOnASmallFileSystem fills a real file system of 8 MiB (a
// tmpfs mounted for the test, where the machine lets the test mount one)
// under a running node.
func TestDiskFullOnASmallFileSystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tonghop-test", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	h := startWith(t, dir, Options{})
	t.Cleanup(h.stop) // before the unmount
	if err := h.put(dv("dang_vien", "", "100")); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// The last bytes, to the last page.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
	f.Close()
	// Small writes may still fit in pages the store's file already holds,
	// and are then stored for real; a section of 600 KiB cannot fit.
	ctx := context.Background()
	_, err = h.data.PutSection(ctx, &tonghopv1.PutSectionRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021", Section: "III.1",
		Content: &tonghopv1.SectionContent{Text: strings.Repeat("Chi bộ sinh hoạt đều đặn. ", 24000)}})
	if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "the node's disk is full") {
		t.Errorf("a large section on a full disk: %v, want Unavailable saying the node's disk is full", err)
	}
	if resp, err := h.data.ListSections(ctx, &tonghopv1.ListSectionsRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"}); err != nil || len(resp.Sections) != 0 {
		t.Errorf("after the refused section: %v, %v", resp, err)
	}
	if code, body := h.healthz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "the node's disk is full") {
		t.Errorf("/healthz on a full disk: %d %q", code, body)
	}
	os.Remove(filler)
	if err := h.put(dv("dang_vien", "", "120")); err != nil {
		t.Fatalf("a write once space is back: %v", err)
	}
	if code, body := h.healthz(); code != http.StatusOK {
		t.Errorf("/healthz once space is back: %d %q", code, body)
	}
}

// TestAuditGapShown: records missing from the audit log are reported by
// ListAudit (what `tonghop audit` shows), not skipped over.
func TestAuditGapShown(t *testing.T) {
	h := startWith(t, t.TempDir(), Options{})
	for _, v := range []string{"100", "110", "120"} {
		if err := h.put(dv("dang_vien", "", v)); err != nil {
			t.Fatal(err)
		}
	}
	h.stop()
	path := filepath.Join(h.dir, audit.FileName)
	raw, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(raw), "\n")
	// Records 3 and 4 (the second write) gone; a torn tail left behind.
	os.WriteFile(path, []byte(strings.Join(lines[:2], "")+strings.Join(lines[4:], "")+`{"seq":7,"ti`), 0o600)

	h = startWith(t, h.dir, Options{})
	resp, err := tonghopv1.NewAccessServiceClient(h.conn).ListAudit(context.Background(), &tonghopv1.ListAuditRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(resp.Problems, "\n")
	for _, want := range []string{"records 3–4 are missing", "torn last line of 12 bytes"} {
		if !strings.Contains(got, want) {
			t.Errorf("ListAudit problems %q do not say %q", got, want)
		}
	}
}
