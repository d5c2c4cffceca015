package nationalbench_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/nationalbench"
)

// asTonghop is main_test.go's, for the tests of this file.
const asTonghop = nationalbench.AsTonghop

// The small run of the benchmark that `go test` includes so that it cannot
// rot: one province of the 2025 list (Lai Châu, 38 communes) over two
// years.
func TestSmallRun(t *testing.T) {
	// questions: the country, one unit of each level, two rankings and a
	// series; 2025 has no districts.
	csv, province, units, questions := country.File2025, "12", 1+38, 6
	t.Setenv(asTonghop, "1")
	var progress strings.Builder
	res, err := nationalbench.Run(context.Background(), nationalbench.Config{
		UnitsCSV: csv, Provinces: []string{province}, FirstYear: 2020, LastYear: 2021,
		Queries: 50, Checks: 20, CubeRuns: 2,
		ServeCommand: []string{os.Args[0]},
		// A small cluster: the defaults are for the national data.
		PG:       nationalbench.PGConfig{Settings: map[string]string{"shared_buffers": "128MB", "maintenance_work_mem": "256MB"}},
		Progress: &progress,
	})
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	perReport := 234 // every element of tong_ket_nam with every option of its breakdowns (catalogue 2021.3)
	if res.Envelopes != 2*units || res.Values != 2*units*perReport || len(res.Rounds) != 2 {
		t.Errorf("%d reports of %d values in %d rounds, want %d of %d in 2", res.Envelopes, res.Values, len(res.Rounds), 2*units, 2*units*perReport)
	}
	if res.StoreBytes <= 0 || res.RootPeakRSS <= 0 || res.RootInProcess {
		t.Errorf("store %d bytes, root peak RSS %d (in process %v): want a separate root process measured", res.StoreBytes, res.RootPeakRSS, res.RootInProcess)
	}
	if res.CommuneRSS <= 0 || res.CommuneRSS > 200<<20 {
		t.Errorf("idle commune RSS %d bytes, want a measure of a few tens of MiB", res.CommuneRSS)
	}
	if len(res.Answers) != questions {
		t.Errorf("%d questions answered, want %d", len(res.Answers), questions)
	}
	var md strings.Builder
	if err := res.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| measure | tonghop | PostgreSQL | PostgreSQL ÷ tonghop |", "all 1 provinces ranked", "full-year cube"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, md.String())
		}
	}
	t.Logf("\n%s", md.String())

	t.Run("postgres", func(t *testing.T) {
		if res.PG == nil {
			t.Skipf("PostgreSQL half skipped: %s", res.PGSkip)
		}
		for _, a := range append(res.Answers, res.Cube) {
			if a.Checked == 0 || a.PG.N == 0 {
				t.Errorf("%s: %d answers compared, %d timed in PostgreSQL", a.Name, a.Checked, a.PG.N)
			}
		}
		if res.PG.TableBytes <= 0 || res.PG.IndexBytes <= 0 {
			t.Errorf("PostgreSQL table %d bytes, indexes %d", res.PG.TableBytes, res.PG.IndexBytes)
		}
	})
}

// TestSmallRunMapped is the small run on the 2024 list (Lai Châu: 8
// districts, 106 communes), which asks the mapped questions as well: the
// provinces ranked in 2025 boundaries and a new commune's series, both
// answered by PostgreSQL through the mapping table too, and compared.
func TestSmallRunMapped(t *testing.T) {
	t.Setenv(asTonghop, "1")
	var progress strings.Builder
	res, err := nationalbench.Run(context.Background(), nationalbench.Config{
		UnitsCSV: country.File2024, Provinces: []string{"12"}, FirstYear: 2020, LastYear: 2021,
		Queries: 20, Checks: 10, CubeRuns: 1,
		ServeCommand: []string{os.Args[0]},
		PG:           nationalbench.PGConfig{Settings: map[string]string{"shared_buffers": "128MB", "maintenance_work_mem": "256MB"}},
		Progress:     &progress,
	})
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	// The country, one unit of each of three levels, two rankings and a
	// series; then the two mapped questions.
	if len(res.Answers) != 9 {
		t.Fatalf("%d questions answered, want 9", len(res.Answers))
	}
	var md strings.Builder
	if err := res.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", md.String())
	ranked, series := res.Answers[7], res.Answers[8]
	if ranked.Name != "all 1 provinces ranked for 2021 in 2025 boundaries" {
		t.Errorf("question %q", ranked.Name)
	}
	// Lai Châu's new commune formed whole from the most old ones.
	if !strings.Contains(series.Name, "year by year, 2020–2021, in 2025 boundaries") {
		t.Errorf("question %q", series.Name)
	}
	if res.PG == nil {
		t.Skipf("PostgreSQL half skipped: %s", res.PGSkip)
	}
	for _, a := range []nationalbench.QuestionResult{ranked, series} {
		if a.Checked == 0 || a.PG.N == 0 {
			t.Errorf("%s: %d answers compared, %d timed in PostgreSQL", a.Name, a.Checked, a.PG.N)
		}
	}
}

// TestSmallRunGrowth is the growth mode on one province of the 2025 list
// (Lai Châu, 38 communes) over two years, then once more at twice its
// size: a point after each round, with PostgreSQL taking each round into
// its indexed table, and the plot of them.
func TestSmallRunGrowth(t *testing.T) {
	t.Setenv(asTonghop, "1")
	var progress strings.Builder
	cfg := nationalbench.Config{
		UnitsCSV: country.File2025, Provinces: []string{"12"}, FirstYear: 2020, LastYear: 2021,
		Queries: 10, Checks: 5, CubeRuns: 1, Growth: true, GrowthQueries: 10,
		ServeCommand: []string{os.Args[0]},
		PG:           nationalbench.PGConfig{Settings: map[string]string{"shared_buffers": "128MB", "maintenance_work_mem": "256MB"}},
		Progress:     &progress,
	}
	res, err := nationalbench.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	sized, err := nationalbench.RunSizes(context.Background(), cfg, []int{1, 2}, res.Growth)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	const units = 1 + 38
	if len(res.Growth) != 2 || len(sized) != 2 {
		t.Fatalf("%d points over the years and %d over the sizes, want 2 and 2", len(res.Growth), len(sized))
	}
	for i, p := range append(res.Growth, sized...) {
		wantScale, wantYears := 1, i+1
		if i >= 2 {
			wantScale, wantYears = i-1, 1
		}
		if p.Scale != wantScale || p.Years != wantYears || p.Reports != wantScale*units || p.Round <= 0 || p.RootPeak < p.RootRSS || p.RootRSS <= 0 {
			t.Errorf("point %d: %+v; want %d× the province, %d years held, %d reports", i, p, wantScale, wantYears, wantScale*units)
		}
		if len(p.Rank) != 2 || p.Rank[0].Tonghop.N != 10 {
			t.Errorf("point %d: ranking questions %+v, want 2 of 10 timed calls", i, p.Rank)
		}
	}
	if len(res.DeliverCPU) != 2 || len(res.RootCPU) != 2 || res.RootCPU[0] <= 0 {
		t.Errorf("CPU while timed: root %v, delivering side %v; want one figure a round, the root's above zero", res.RootCPU, res.DeliverCPU)
	}
	var png bytes.Buffer
	if err := nationalbench.Plot(&png, res.Growth, sized, res.PG != nil); err != nil {
		t.Fatal(err)
	}
	if res.PG == nil {
		t.Skipf("PostgreSQL half skipped: %s", res.PGSkip)
	}
	if !res.PG.PerRound || res.PG.Round <= 0 || res.PG.Copy <= 0 || res.PG.Indexes != 0 {
		t.Errorf("PostgreSQL's load %+v: want each round by COPY into the indexed table", res.PG)
	}
	for i, p := range append(res.Growth, sized...) {
		if p.PGRound <= 0 || p.PGMem <= 0 || p.PGPeak < p.PGMem || p.Rank[1].Checked == 0 {
			t.Errorf("point %d: PostgreSQL's COPY %v, PSS %d (peak %d), %d answers compared", i, p.PGRound, p.PGMem, p.PGPeak, p.Rank[1].Checked)
		}
	}
}
