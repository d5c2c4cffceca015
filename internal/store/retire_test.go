package store

import (
	"errors"
	"testing"
)

// TestRetire: a store with an envelope in its outbox does not retire; once
// the parent has it, the store retires, and retiring again keeps the first
// record.
func TestRetire(t *testing.T) {
	s, _ := openTemp(t, Options{Clock: fixedClock()})
	if _, ok, err := s.Retired(); err != nil || ok {
		t.Fatalf("a new store is retired: %v %v", ok, err)
	}
	if _, err := s.PutRevocations([]Revocation{{Fingerprint: "fc1", Serial: "c1", Unit: "03412"}}, "sha256:n1", []byte("n1"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Retire(Retirement{Note: "Nghị quyết 1670/NQ-UBTVQH15"}); !errors.Is(err, ErrOutboxNotEmpty) {
		t.Fatalf("retiring with a full outbox: %v", err)
	}
	entries, _, _ := s.Outbox(0)
	if err := s.CompleteDeliveries([]Delivery{{Seq: entries[0].Seq, Digest: entries[0].Digest, Done: Delivered, Receipt: []byte("r")}}); err != nil {
		t.Fatal(err)
	}
	first, err := s.Retire(Retirement{Note: "Nghị quyết 1670/NQ-UBTVQH15", Parent: "12"})
	if err != nil || first.At.IsZero() {
		t.Fatalf("Retire: %+v %v", first, err)
	}
	again, err := s.Retire(Retirement{Note: "lần hai"})
	if err != nil || again.Note != first.Note || again.Parent != "12" {
		t.Fatalf("retiring again: %+v %v", again, err)
	}
	got, ok, err := s.Retired()
	if err != nil || !ok || got.Note != first.Note {
		t.Fatalf("Retired: %+v %v %v", got, ok, err)
	}
}
