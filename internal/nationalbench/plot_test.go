package nationalbench

import (
	"bytes"
	"image/png"
	"testing"
	"time"
)

// TestPlot draws the growth plot of hand-made points and reads it back: a
// PNG of 1.200 × 720 pixels with both systems' colours in it.
func TestPlot(t *testing.T) {
	pt := func(scale, years int, round time.Duration, rss int64) Point {
		rank := func(d time.Duration) QuestionResult {
			return QuestionResult{Tonghop: Latency{N: 1, P50: d / 2, P99: d}, PG: Latency{N: 1, P50: 4 * d, P99: 8 * d}}
		}
		return Point{Scale: scale, Years: years, Reports: 10806 * scale, Round: round, RootRSS: rss, RootPeak: rss,
			Rank: []QuestionResult{rank(time.Millisecond), rank(2 * time.Millisecond)}, PGRound: 2 * round, PGMem: rss / 2, PGPeak: rss / 2}
	}
	var years []Point
	for y := 1; y <= 10; y++ {
		years = append(years, pt(1, y, time.Duration(7+y/5)*time.Second, int64(y)<<30))
	}
	sizes := []Point{years[0], pt(2, 1, 15*time.Second, 2<<30), pt(5, 1, 40*time.Second, 5<<30)}
	var buf bytes.Buffer
	if err := Plot(&buf, years, sizes, true); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("the plot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 720 {
		t.Errorf("the plot is %d × %d pixels, want 1200 × 720", b.Dx(), b.Dy())
	}
	seen := map[string]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			for name, c := range map[string][3]uint8{"tonghop": {0xc6, 0x28, 0x28}, "PostgreSQL": {0x1f, 0x5f, 0xa8}} {
				if uint8(r>>8) == c[0] && uint8(g>>8) == c[1] && uint8(b>>8) == c[2] {
					seen[name] = true
				}
			}
		}
	}
	if !seen["tonghop"] || !seen["PostgreSQL"] {
		t.Errorf("colours drawn: %v; want both systems' lines", seen)
	}
	t.Logf("%d bytes", buf.Len())

	// Only the years, without PostgreSQL: what a run whose sizes failed,
	// or one without PostgreSQL, draws.
	buf.Reset()
	if err := Plot(&buf, years, nil, false); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Fatalf("the plot of the years alone is not a PNG: %v", err)
	}
}
