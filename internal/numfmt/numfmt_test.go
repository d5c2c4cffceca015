package numfmt

import (
	"math/big"
	"testing"
)

func TestInt(t *testing.T) {
	for _, c := range []struct {
		n    int64
		vi   string
		text string
	}{
		{0, "0", "0"},
		{999, "999", "999"},
		{2675, "2.675", "2675"},
		{1633, "1.633", "1633"},
		{1000000, "1.000.000", "1000000"},
		{-2131, "-2.131", "-2131"},
		{5600000, "5.600.000", "5600000"},
	} {
		if got := Vietnamese().Int(c.n); got != c.vi {
			t.Errorf("Vietnamese().Int(%d) = %q, want %q", c.n, got, c.vi)
		}
		if got := Plain().Int(c.n); got != c.text {
			t.Errorf("Plain().Int(%d) = %q, want %q", c.n, got, c.text)
		}
	}
}

func TestRat(t *testing.T) {
	for _, c := range []struct {
		num, den int64
		dec      int
		want     string
	}{
		{6800, 126, 2, "53,97"},    // 68/126 villages: 53,968…
		{233700, 2474, 2, "94,46"}, // 2.337/2.474 members rated: 94,462…
		{1000, 49, 2, "20,41"},     // Thạc sỹ 10/49 is 20,41%, not 20,04%
		{7, 9 * 1, 2, "0,78"},      // 0,777…
		{1, 8, 2, "0,13"},          // half rounds away from zero
		{123456789, 100, 2, "1.234.567,89"},
		{-1, 8, 2, "-0,13"},
		{2675, 1, 0, "2.675"},
	} {
		if got := Vietnamese().Rat(big.NewRat(c.num, c.den), c.dec); got != c.want {
			t.Errorf("Rat(%d/%d, %d) = %q, want %q", c.num, c.den, c.dec, got, c.want)
		}
	}
}
