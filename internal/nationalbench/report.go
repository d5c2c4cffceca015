package nationalbench

import (
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"time"

	"github.com/tonghop/tonghop/internal/numfmt"
)

// num writes x with the given decimals, Vietnamese style.
func num(x float64, decimals int) string {
	r := new(big.Rat)
	if r.SetFloat64(x) == nil {
		return "–"
	}
	return numfmt.Vietnamese().Rat(r, decimals)
}

// dur writes a duration in the unit that suits it: 42 µs, 1,3 ms, 2,41 s.
func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return num(float64(d)/float64(time.Microsecond), 0) + " µs"
	case d < 10*time.Millisecond:
		return num(float64(d)/float64(time.Millisecond), 2) + " ms"
	case d < time.Second:
		return num(float64(d)/float64(time.Millisecond), 0) + " ms"
	default:
		return num(d.Seconds(), 2) + " s"
	}
}

// size writes bytes in MiB or GiB.
func size(b int64) string {
	switch {
	case b <= 0:
		return "–"
	case b < 1<<30:
		return num(float64(b)/(1<<20), 1) + " MiB"
	default:
		return num(float64(b)/(1<<30), 2) + " GiB"
	}
}

// times is how many times a is of b: "3,2×", or "–" without both.
func times(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return num(a/b, 1) + "×"
}

// perSecond is n per d.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Markdown writes the results as a description of the run and one table
// with both systems side by side.
func (r *Results) Markdown(w io.Writer) error {
	vn := numfmt.Vietnamese()
	years := r.LastYear - r.FirstYear + 1
	ingest := r.Ingest()
	fmt.Fprintf(w, "Units: %s under a national root: %s provinces, %s districts, %s communes. ",
		filepath.Base(r.UnitsCSV), vn.Int(int64(r.Provinces)), vn.Int(int64(r.Districts)), vn.Int(int64(r.Communes)))
	fmt.Fprintf(w, "Years %d–%d, one signed report per unit and year: %s reports, %s values, %s signed (%s per report on average). ",
		r.FirstYear, r.LastYear, vn.Int(int64(r.Envelopes)), vn.Int(int64(r.Values)), size(r.EnvelopeBytes),
		num(float64(r.EnvelopeBytes)/float64(max(r.Envelopes, 1))/1024, 1)+" KiB")
	fmt.Fprintf(w, "Delivered over mutual-TLS gRPC on loopback, one connection per province, %d per call. Signing them took the load generator %s.\n\n",
		r.Batch, dur(r.Sign))
	if r.PG == nil {
		fmt.Fprintf(w, "PostgreSQL did not run: %s.\n\n", r.PGSkip)
	}

	var pgLoad time.Duration
	if r.PG != nil {
		pgLoad = r.PG.Load()
	}
	fmt.Fprintln(w, "| measure | tonghop | PostgreSQL | PostgreSQL ÷ tonghop |")
	fmt.Fprintln(w, "| --- | --- | --- | --- |")
	row := func(name, t, p, ratio string) { fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, t, p, ratio) }
	pgOr := func(s string) string {
		if r.PG == nil {
			return "–"
		}
		return s
	}
	row(fmt.Sprintf("load all %d rounds (tonghop: delivered, verified, stored, rolled up at the root; PostgreSQL: see the next line)", years),
		dur(ingest), pgOr(dur(pgLoad)), times(pgLoad.Seconds(), ingest.Seconds()))
	switch {
	case r.PG != nil && r.PG.PerRound:
		row(fmt.Sprintf("… PostgreSQL: the first %d rounds, each by COPY into the table with its 2 covering indexes, then VACUUM ANALYZE (added up); the last round's COPY / VACUUM ANALYZE", years-1),
			"", dur(r.PG.Copy)+" / "+dur(r.PG.Vacuum)+"; "+dur(r.PG.Round)+" / "+dur(r.PG.RoundVacuum), "")
	case r.PG != nil:
		row(fmt.Sprintf("… PostgreSQL: the first %d rounds by COPY into a new table / 2 covering indexes / VACUUM ANALYZE; the last round's COPY / VACUUM ANALYZE", years-1),
			"", dur(r.PG.Copy)+" / "+dur(r.PG.Indexes)+" / "+dur(r.PG.Vacuum)+"; "+dur(r.PG.Round)+" / "+dur(r.PG.RoundVacuum), "")
	}
	var lastRound, pgRound time.Duration
	if len(r.Rounds) > 0 {
		lastRound = r.Rounds[len(r.Rounds)-1]
	}
	if r.PG != nil {
		pgRound = r.PG.Round
	}
	row(fmt.Sprintf("the last yearly round, on top of the %d before it (tonghop: end to end at the root; PostgreSQL: COPY into the indexed table)", years-1),
		dur(lastRound), pgOr(dur(pgRound)), times(pgRound.Seconds(), lastRound.Seconds()))
	if n := len(r.RootCPU); n > 0 {
		who := "the root's process / the benchmark's (the provinces' side of the calls)"
		if r.RootInProcess {
			who = "the benchmark's process, the root in it / the same"
		}
		row(fmt.Sprintf("CPU used while the last round was timed: %s, on 2 cores", who),
			dur(r.RootCPU[n-1])+" / "+dur(r.DeliverCPU[n-1]), "–", "")
		var root, deliver time.Duration
		for i := range n {
			root += r.RootCPU[i]
			deliver += r.DeliverCPU[i]
		}
		row("… over all the rounds", dur(root)+" / "+dur(deliver), "–", "")
	}
	row("reports per second", num(perSecond(r.Envelopes, ingest), 0), "–", "")
	row("values per second", num(perSecond(r.Values, ingest), 0), pgOr(num(perSecond(r.Values, pgLoad), 0)),
		times(perSecond(r.Values, ingest), perSecond(r.Values, pgLoad)))
	var pgBytes int64
	if r.PG != nil {
		pgBytes = r.PG.TableBytes + r.PG.IndexBytes
	}
	row("on disk (tonghop: the bbolt file, signed envelopes included; PostgreSQL: table + indexes)", size(r.StoreBytes),
		pgOr(size(r.PG.tableOr0())+" + "+size(r.PG.indexOr0())), times(float64(pgBytes), float64(r.StoreBytes)))
	rss := "root node, peak RSS"
	if r.RootInProcess {
		rss += " (the root ran inside the benchmark: its whole process)"
	}
	row(rss, size(r.RootPeakRSS), "–", "")
	row("… at the end: anonymous (heap) / file-backed (the bbolt file's memory map)", size(r.RootAnon)+" / "+size(r.RootFile), "–", "")
	commune := size(r.CommuneRSS)
	if r.CommuneRSS == 0 {
		commune = "not measured: " + r.CommuneSkip
	}
	row("idle commune node, RSS", commune, "–", "")
	for _, a := range append(r.Answers, r.Cube) {
		name := a.Name
		if a.Checked > 0 {
			name += fmt.Sprintf(" (answers agree: %d checked)", a.Checked)
		}
		row(name+", p50 / p99 of "+vn.Int(int64(a.Tonghop.N)),
			dur(a.Tonghop.P50)+" / "+dur(a.Tonghop.P99),
			pgOr(dur(a.PG.P50)+" / "+dur(a.PG.P99)),
			pgOr(times(float64(a.PG.P50), float64(a.Tonghop.P50))+" / "+times(float64(a.PG.P99), float64(a.Tonghop.P99))))
	}
	fmt.Fprintln(w)
	if len(r.Growth) > 0 {
		fmt.Fprintln(w, "After each round, as the years accumulate:")
		fmt.Fprintln(w)
		PointsMarkdown(w, r.Growth)
	}
	fmt.Fprintln(w, "Queries are timed at the client, one at a time, after one untimed pass over the same requests (warm caches in both): tonghop over gRPC on loopback "+
		"(the administrators' port, token checked), PostgreSQL over its Unix socket with pgx's cached prepared statements. "+
		"The full-year cube has no RPC: tonghop's figure reads the root's store in process after the node stopped.")
	return nil
}

func (p *PGResults) tableOr0() int64 {
	if p == nil {
		return 0
	}
	return p.TableBytes
}

func (p *PGResults) indexOr0() int64 {
	if p == nil {
		return 0
	}
	return p.IndexBytes
}

// PointsMarkdown writes growth points as a table, one row each.
func PointsMarkdown(w io.Writer, points []Point) {
	if len(points) == 0 {
		return
	}
	head := "| size | years held | reports in the round | round at the root / PostgreSQL's COPY | root RSS / peak | PostgreSQL PSS / peak |"
	sep := "| --- | --- | --- | --- | --- | --- |"
	for _, name := range rankLabels()[:len(points[0].Rank)] {
		head += " " + name + ", p99 tonghop / PostgreSQL |"
		sep += " --- |"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)
	vn := numfmt.Vietnamese()
	for _, p := range points {
		fmt.Fprintf(w, "| %d× | %d | %s | %s / %s | %s / %s | %s / %s |", p.Scale, p.Years, vn.Int(int64(p.Reports)),
			dur(p.Round), dur(p.PGRound), size(p.RootRSS), size(p.RootPeak), size(p.PGMem), size(p.PGPeak))
		for _, q := range p.Rank {
			fmt.Fprintf(w, " %s / %s |", dur(q.Tonghop.P99), dur(q.PG.P99))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// rankLabels name the ranking questions (rankings) whatever the country's
// size.
func rankLabels() []string {
	return []string{"the biggest province's children ranked", "all provinces ranked"}
}
