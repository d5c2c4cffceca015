package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// The 2025 act: the indicator shown across the change, and the day.
const (
	TransitionIndicator = "ty_le_dang_vien_nu"
	NewPeriod           = "2025"
	Boundaries          = "2025-07-01"
)

// Transition is the 2025 act as the province saw it.
type Transition struct {
	// Retired are the units whose nodes handed over and retired, children
	// before their parent.
	Retired []RetiredInfo `json:"retired"`
	// Enrolled are the new communes, enrolled directly with the province.
	Enrolled []NewUnitInfo `json:"enrolled"`
	// Verified counts the 2025 reports the province holds and verified
	// against its root alone, like the old ones.
	Received int `json:"received"`
	Verified int `json:"verified"`
	// Series is the first new commune's indicator year by year, 2020–2025,
	// in 2025 boundaries.
	Series []SeriesPoint `json:"series"`
}

// RetiredInfo is one retirement.
type RetiredInfo struct {
	UnitCode string `json:"unit_code"`
	Name     string `json:"name"`
	Parent   string `json:"parent"`
	Revoked  int    `json:"revoked_certificates"`
	Reason   string `json:"reason"`
}

// NewUnitInfo is a new commune: where it came from and its figures.
type NewUnitInfo struct {
	UnitCode string   `json:"unit_code"`
	Name     string   `json:"name"`
	Signer   string   `json:"signer"`
	Sources  []string `json:"sources"`
	// SourceReports are the reports of its sources it fetched from the
	// province and verified.
	SourceReports int `json:"source_reports"`
	// Old is the 2021 figure in 2025 boundaries (the sum over its
	// sources), New its own 2025 report's.
	Old SeriesPoint `json:"figure_2021"`
	New SeriesPoint `json:"figure_2025"`
}

// SeriesPoint is one figure with how it was made.
type SeriesPoint struct {
	Period      string   `json:"period"`
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
	Value       *float64 `json:"value"`
	Reporting   int32    `json:"reporting_units"`
	Expected    int32    `json:"expected_units"`
	Sources     []string `json:"sources,omitempty"`
}

func seriesPoint(v *tonghopv1.IndicatorValue) SeriesPoint {
	p := SeriesPoint{Period: v.Period, Numerator: v.Numerator, Denominator: v.Denominator, Value: v.Value,
		Reporting: v.ReportingUnits, Expected: v.ExpectedUnits}
	if v.Mapping != nil {
		p.Sources = v.Mapping.Sources
	}
	return p
}

// demoMap is Tỉnh Lai Châu in both maps: its 2024 units (the embedded
// list), ending on 2025-07-01, its 2025 units from the built-in country,
// and the official mapping's rows between them.
func demoMap() ([]hierarchy.Unit, []hierarchy.Change, *hierarchy.Tree, error) {
	units, err := hierarchy.ReadCSV(bytes.NewReader(laiChau))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("demo units: %w", err)
	}
	tree, err := hierarchy.NewTree(units)
	if err != nil {
		return nil, nil, nil, err
	}
	end := country.Reorganisation()
	for i := range units {
		units[i].ValidTo = end
	}
	all2025, err := country.Units2025()
	if err != nil {
		return nil, nil, nil, err
	}
	for _, u := range all2025 {
		if u.Code == Province || u.Parent == Province {
			units = append(units, u)
		}
	}
	rows, err := country.Mapping2025()
	if err != nil {
		return nil, nil, nil, err
	}
	var changes []hierarchy.Change
	for _, r := range rows {
		if _, ok := tree.Unit(r.Old); ok {
			changes = append(changes, r)
		}
	}
	return units, changes, tree, nil
}

// putChanges records the mapping in the root's store.
func putChanges(dir string, changes []hierarchy.Change) error {
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		return err
	}
	err = st.PutChanges(changes)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// stopNode stops one node; stopping it again does nothing.
func (h *hierarchyRun) stopNode(r *running) {
	if r.stopped {
		return
	}
	r.stopped = true
	r.admin.Close()
	r.cancel()
	<-r.done
}

// newCommunes are the 2025 communes formed from the demo's communes of
// Huyện Tam Đường, by the official mapping, and their sources.
func (h *hierarchyRun) newCommunes() ([]string, map[string][]string) {
	var codes []string
	sources := map[string][]string{}
	mine := Districts()["106"]
	for _, c := range h.changes {
		if c.Level == hierarchy.LevelCommune && slices.Contains(mine, c.Old) && !slices.Contains(codes, c.New) {
			codes = append(codes, c.New)
		}
	}
	for _, c := range h.changes {
		if slices.Contains(codes, c.New) {
			sources[c.New] = append(sources[c.New], c.Old)
		}
	}
	slices.Sort(codes)
	return codes, sources
}

// transition is the 2025 act. On 2025-07-01 Tam Đường's communes hand over
// to their district and retire, the district hands over to the province
// and retires; the new communes the official mapping formed from them
// enrol directly with the province, fetch their sources' reports, and
// report 2025; the province verifies the new reports like the old ones and
// answers in 2025 boundaries: each new commune's 2021 figure (the sum over
// its sources) beside its 2025 report, and a 2020–2025 series.
func (h *hierarchyRun) transition(ctx, runCtx context.Context) (Transition, error) {
	var tr Transition
	h.clock.set(time.Date(2025, time.July, 1, 8, 0, 0, 0, numfmt.Zone()))
	prov, district := h.nodes[0], h.node("106")
	retire := func(r *running, parent *running) error {
		h.stopNode(r)
		res, err := node.Retire(ctx, r.dir, parent.node.PeerAddr(), "Nghị quyết 1670/NQ-UBTVQH15", h.opts(h.o.Logger))
		if err != nil {
			return fmt.Errorf("retiring %s: %w", r.unit.Code, err)
		}
		tr.Retired = append(tr.Retired, RetiredInfo{UnitCode: r.unit.Code, Name: r.unit.Name, Parent: parent.unit.Code,
			Revoked: len(res.RevokedSerials), Reason: res.Reason})
		return nil
	}
	for _, c := range Districts()["106"] {
		if err := retire(h.node(c), district); err != nil {
			return tr, err
		}
	}
	if err := retire(district, prov); err != nil {
		return tr, err
	}

	codes, sources := h.newCommunes()
	subs := tonghopv1.NewSubmissionServiceClient(prov.admin)
	rollups := tonghopv1.NewRollupServiceClient(prov.admin)
	var digests []string
	for _, code := range codes {
		r, err := h.startIn(runCtx, code, code+"-2025", prov)
		if err != nil {
			return tr, err
		}
		// The sources' reports, fetched from the province and verified.
		src, err := node.FetchSources(ctx, r.dir, prov.node.PeerAddr(), DataSet, h.opts(h.o.Logger))
		if err != nil {
			return tr, fmt.Errorf("sources of %s: %w", code, err)
		}
		if err := h.enterValues(ctx, r, NewPeriod, Sample(r.unit, NewPeriod)); err != nil {
			return tr, err
		}
		if _, err := tonghopv1.NewSubmissionServiceClient(r.admin).Submit(ctx, &tonghopv1.SubmitRequest{UnitCode: code, DataSet: DataSet, Period: NewPeriod}); err != nil {
			return tr, fmt.Errorf("submitting %s: %w", code, err)
		}
		info := NewUnitInfo{UnitCode: code, Name: r.unit.Name, Signer: trust.JoinPath(r.node.Identity().Path()),
			Sources: sources[code], SourceReports: len(src.Reports)}
		tr.Enrolled = append(tr.Enrolled, info)
	}
	err := h.waitFor(ctx, "the province to hold the new communes' 2025 reports", func() (bool, error) {
		digests = digests[:0]
		for _, code := range codes {
			resp, err := subs.ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: code, Period: NewPeriod})
			if err != nil {
				return false, err
			}
			for _, s := range resp.Submissions {
				digests = append(digests, s.Digest)
			}
		}
		return len(digests) == len(codes), nil
	})
	if err != nil {
		return tr, err
	}
	root := prov.node.Identity().Root()
	for _, d := range digests {
		got, err := subs.GetSubmission(ctx, &tonghopv1.GetSubmissionRequest{Digest: d})
		if err != nil {
			return tr, err
		}
		tr.Received++
		if _, err := submission.VerifyOffline(got.Envelope, root, h.clock.Now()); err == nil {
			tr.Verified++
		}
	}
	for i := range tr.Enrolled {
		e := &tr.Enrolled[i]
		for _, p := range []struct {
			period string
			into   *SeriesPoint
		}{{Period, &e.Old}, {NewPeriod, &e.New}} {
			resp, err := rollups.GetIndicatorValue(ctx, &tonghopv1.GetIndicatorValueRequest{
				UnitCode: e.UnitCode, Indicator: TransitionIndicator, Period: p.period, Boundaries: Boundaries,
			})
			if err != nil {
				return tr, fmt.Errorf("%s of %s in %s: %w", TransitionIndicator, e.UnitCode, p.period, err)
			}
			*p.into = seriesPoint(resp.Value)
		}
	}
	series, err := rollups.GetIndicatorSeries(ctx, &tonghopv1.GetIndicatorSeriesRequest{
		UnitCode: codes[0], Indicator: TransitionIndicator, Period: Baseline + ".." + NewPeriod, Boundaries: Boundaries,
	})
	if err != nil {
		return tr, fmt.Errorf("the series of %s: %w", codes[0], err)
	}
	for _, p := range series.Points {
		tr.Series = append(tr.Series, seriesPoint(p))
	}
	return tr, nil
}

// printTransition writes the 2025 act for people.
func printTransition(w io.Writer, t Transition) {
	vi := numfmt.Vietnamese()
	fmt.Fprintf(w, "\nOn 01/07/2025 the map changes: Huyện Tam Đường is abolished and its communes merge.\n")
	for _, r := range t.Retired {
		fmt.Fprintf(w, "  %s %s handed its outbox to %s and retired (read-only); %d certificate(s) revoked.\n", r.UnitCode, r.Name, r.Parent, r.Revoked)
	}
	fmt.Fprintf(w, "The new communes enrol directly with the province, fetch their sources' reports and report %s:\n\n", NewPeriod)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ĐƠN VỊ MỚI\tKÝ BỞI\tHỢP NHẤT TỪ\tBÁO CÁO NGUỒN\t2021 (RANH GIỚI 2025)\tĐƠN VỊ BÁO CÁO\t2025")
	for _, e := range t.Enrolled {
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%s\t%d/%d\t%s\n", e.UnitCode, e.Name, strings.ReplaceAll(e.Signer, "/", " › "),
			strings.Join(e.Sources, ", "), e.SourceReports, ratio(vi, e.Old), e.Old.Reporting, e.Old.Expected, ratio(vi, e.New))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nThe province holds %d reports of %s and verified %d against its root alone, like those signed under the old chain.\n", t.Received, NewPeriod, t.Verified)
	if len(t.Enrolled) > 0 {
		fmt.Fprintf(w, "\nTỷ lệ đảng viên nữ, %s %s, %s–%s in 2025 boundaries:\n", t.Enrolled[0].UnitCode, t.Enrolled[0].Name, Baseline, NewPeriod)
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KỲ\tTỬ SỐ\tMẪU SỐ\tGIÁ TRỊ\tĐƠN VỊ BÁO CÁO")
		for _, p := range t.Series {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\n", p.Period, count(vi, p.Numerator), count(vi, p.Denominator), percent(vi, p.Value), p.Reporting, p.Expected)
		}
		tw.Flush()
	}
}

func ratio(vi numfmt.Style, p SeriesPoint) string {
	if p.Value == nil {
		return "–"
	}
	return count(vi, p.Numerator) + "/" + count(vi, p.Denominator) + " = " + percent(vi, p.Value)
}

func count(vi numfmt.Style, v *float64) string {
	if v == nil {
		return "–"
	}
	return vi.Int(int64(*v))
}

func percent(vi numfmt.Style, v *float64) string {
	if v == nil {
		return "–"
	}
	r := new(big.Rat)
	r.SetFloat64(*v)
	return vi.Rat(r, 2) + "%"
}
