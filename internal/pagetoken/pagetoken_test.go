package pagetoken

import (
	"bytes"
	"testing"
)

func TestRoundTripAndRefusals(t *testing.T) {
	tok := Encode("units", []byte("03390"))
	pos, err := Decode("units", tok)
	if err != nil || !bytes.Equal(pos, []byte("03390")) {
		t.Fatalf("Decode(Encode(03390)) = %q, %v", pos, err)
	}
	for _, bad := range []string{"garbage", "AAAAAAAA", tok[:len(tok)-1], "!!!", ""} {
		if _, err := Decode("units", bad); err != ErrInvalid {
			t.Errorf("Decode(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := Decode("audit", tok); err != ErrInvalid {
		t.Errorf("a token of another list: %v, want ErrInvalid", err)
	}
}
