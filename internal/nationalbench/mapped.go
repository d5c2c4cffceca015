package nationalbench

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"path/filepath"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/store"
)

// Boundaries2025 is the day of the map the mapped questions are asked in.
const Boundaries2025 = "2025-07-01"

// mapped is the 2025 map over a country loaded in the 2024 one: the new
// provinces all of whose old provinces the benchmark holds, their new
// communes, and the rows of the official mapping between the two.
type mapped struct {
	units   []hierarchy.Unit // the 2025 units, ValidFrom 2025-07-01, under Root
	changes []hierarchy.Change
	// provinces are the new provinces.
	provinces []string
	// commune is the new commune whose series is asked: the one formed
	// whole from the most old communes, and those communes and their old
	// provinces.
	commune      hierarchy.Unit
	sources      []string
	oldProvinces []string
}

// newMapped builds the 2025 side for tree, a 2024 country under Root; ok
// is false when tree is not in the 2024 map (it has no districts).
func newMapped(tree *hierarchy.Tree) (*mapped, bool, error) {
	if len(tree.AtLevel(hierarchy.LevelDistrict)) == 0 {
		return nil, false, nil
	}
	units2025, err := country.Units2025()
	if err != nil {
		return nil, false, err
	}
	rows, err := country.Mapping2025()
	if err != nil {
		return nil, false, err
	}
	held := func(code string) bool { _, ok := tree.Unit(code); return ok }
	// A new province is in when every old province it was made of is.
	complete := map[string]bool{}
	for _, r := range rows {
		if r.Level != hierarchy.LevelProvince {
			continue
		}
		if _, seen := complete[r.New]; !seen {
			complete[r.New] = true
		}
		complete[r.New] = complete[r.New] && held(r.Old)
	}
	m := &mapped{}
	in := map[string]bool{}
	for _, u := range units2025 {
		p := u.Code
		if u.Parent != "" {
			p = u.Parent
		}
		if !complete[p] {
			continue
		}
		if u.Parent == "" {
			u.Parent = Root
			m.provinces = append(m.provinces, u.Code)
		}
		in[u.Code] = true
		m.units = append(m.units, u)
	}
	if len(m.provinces) == 0 {
		return nil, false, nil
	}
	bySources := map[string][]hierarchy.Change{}
	for _, r := range rows {
		if held(r.Old) && in[r.New] {
			m.changes = append(m.changes, r)
			if r.Level == hierarchy.LevelCommune {
				bySources[r.New] = append(bySources[r.New], r)
			}
		}
	}
	// The series: the new commune made whole of the most old communes
	// (ties to the lowest code), so that it is exact in both systems.
	best := ""
	for code, rs := range bySources {
		if slices.ContainsFunc(rs, func(r hierarchy.Change) bool { return r.Partial }) {
			continue
		}
		if best == "" || len(rs) > len(bySources[best]) || len(rs) == len(bySources[best]) && code < best {
			best = code
		}
	}
	if best == "" {
		return nil, false, fmt.Errorf("no new commune of the benchmark's provinces is formed whole from old ones")
	}
	for _, u := range m.units {
		if u.Code == best {
			m.commune = u
		}
	}
	for _, r := range bySources[best] {
		m.sources = append(m.sources, r.Old)
		if p := tree.Path(r.Old); len(p) > 1 && !slices.Contains(m.oldProvinces, p[1]) {
			m.oldProvinces = append(m.oldProvinces, p[1])
		}
	}
	slices.Sort(m.sources)
	slices.Sort(m.oldProvinces)
	return m, true, nil
}

// datedUnits are tree's units ending on 2025-07-01 (the root excepted),
// followed by the 2025 ones: the root's units once the map has changed.
func (m *mapped) datedUnits(tree *hierarchy.Tree) []hierarchy.Unit {
	end := country.Reorganisation()
	var out []hierarchy.Unit
	for _, u := range tree.Units() {
		if u.Code != Root {
			u.ValidTo = end
		}
		out = append(out, u)
	}
	return append(out, m.units...)
}

// copyRows is the mapping as PostgreSQL's COPY text rows: level, old code,
// new code, partial.
func (m *mapped) copyRows() []byte {
	var b bytes.Buffer
	for _, c := range m.changes {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%t\n", c.Level, c.Old, c.New, c.Partial)
	}
	return b.Bytes()
}

// loadMapping creates and fills PostgreSQL's mapping table.
func (s *pgServer) loadMapping(ctx context.Context, m *mapped) error {
	if _, err := s.conn.Exec(ctx, `CREATE TABLE mapping (level text NOT NULL, old_code text NOT NULL, new_code text NOT NULL, partial boolean NOT NULL,
		PRIMARY KEY (level, old_code, new_code))`); err != nil {
		return fmt.Errorf("mapping table: %w", err)
	}
	if _, err := s.conn.PgConn().CopyFrom(ctx, bytes.NewReader(m.copyRows()), "COPY mapping FROM STDIN"); err != nil {
		return fmt.Errorf("COPY mapping: %w", err)
	}
	if _, err := s.conn.Exec(ctx, `CREATE INDEX mapping_by_new ON mapping (level, new_code)`); err != nil {
		return err
	}
	_, err := s.conn.Exec(ctx, `ANALYZE mapping`)
	return err
}

// mappedQuestions are the questions asked in the 2025 boundaries.
func mappedQuestions(q *querier, m *mapped, cfg Config) []question {
	year := strconv.Itoa(cfg.LastYear)
	return []question{
		{
			name: fmt.Sprintf("all %d provinces ranked for %d in 2025 boundaries", len(m.provinces), cfg.LastYear),
			tonghop: func(ctx context.Context, _ int) (answer, error) {
				resp, err := q.rollup.CompareIndicator(ctx, &tonghopv1.CompareIndicatorRequest{
					UnitCode: Root, Indicator: indicatorRated, Period: year, Boundaries: Boundaries2025,
				})
				if err != nil {
					return nil, fmt.Errorf("%s of the provinces in %s, 2025 boundaries: %w", indicatorRated, year, err)
				}
				a := answer{fromProto(resp.Parent)}
				for _, r := range resp.Rows {
					a = append(a, fromProto(r))
				}
				return a, nil
			},
			pg: func(ctx context.Context, _ int) (answer, error) {
				total, err := q.pgIndicator(ctx, Root, indicatorRated, cfg.LastYear, cfg.LastYear, false)
				if err != nil {
					return nil, err
				}
				rows, err := q.pgMapped(ctx, indicatorRated, `SELECT m.new_code, f.period, f.element, f.option, sum(f.value)::bigint
					FROM fact f JOIN mapping m ON m.level = 'province' AND m.old_code = f.province
					WHERE f.element = ANY($1) AND f.option = ANY($2) AND f.period BETWEEN $3 AND $4
					GROUP BY m.new_code, f.period, f.element, f.option`, cfg.LastYear, cfg.LastYear)
				return append(total, rows...), err
			},
		},
		{
			name: fmt.Sprintf("%s (from %d old communes) year by year, %d–%d, in 2025 boundaries", m.commune.Name, len(m.sources), cfg.FirstYear, cfg.LastYear),
			tonghop: func(ctx context.Context, _ int) (answer, error) {
				resp, err := q.rollup.GetIndicatorSeries(ctx, &tonghopv1.GetIndicatorSeriesRequest{
					UnitCode: m.commune.Code, Indicator: indicatorShare, Period: fmt.Sprintf("%d..%d", cfg.FirstYear, cfg.LastYear), Boundaries: Boundaries2025,
				})
				if err != nil {
					return nil, fmt.Errorf("%s of %s, 2025 boundaries: %w", indicatorShare, m.commune.Code, err)
				}
				var a answer
				for _, p := range resp.Points {
					a = append(a, fromProto(p))
				}
				return a, nil
			},
			pg: func(ctx context.Context, _ int) (answer, error) {
				// Through the mapping table; the old provinces bound the
				// indexes' leading columns, as a user of the table would.
				return q.pgMapped(ctx, indicatorShare, `SELECT m.new_code, f.period, f.element, f.option, sum(f.value)::bigint
					FROM fact f JOIN mapping m ON m.level = 'commune' AND m.old_code = f.commune
					WHERE f.element = ANY($1) AND f.option = ANY($2) AND f.period BETWEEN $3 AND $4
						AND m.new_code = $5 AND f.province = ANY($6)
					GROUP BY m.new_code, f.period, f.element, f.option`, cfg.FirstYear, cfg.LastYear, m.commune.Code, m.oldProvinces)
			},
		},
	}
}

// pgMapped runs sql, which selects (new unit, period, element, option,
// sum) for the indicator's cells with the arguments $1 elements, $2
// options, $3..$4 the years, then any more, and evaluates the indicator on
// the sums of each new unit and year.
func (q *querier) pgMapped(ctx context.Context, code, sql string, from, to int, more ...any) (answer, error) {
	ind, err := q.indicator(code)
	if err != nil {
		return nil, err
	}
	var elements, options []string
	for _, r := range ind.Refs() {
		if !slices.Contains(elements, r.Element) {
			elements = append(elements, r.Element)
		}
		if !slices.Contains(options, r.Option) {
			options = append(options, r.Option)
		}
	}
	rows, err := q.pg.conn.Query(ctx, sql, append([]any{elements, options, from, to}, more...)...)
	if err != nil {
		return nil, fmt.Errorf("%s in 2025 boundaries in SQL: %w", code, err)
	}
	sums := map[sumKey]map[expr.Ref]int64{}
	for rows.Next() {
		var (
			unit   string
			period int
			ref    expr.Ref
			sum    int64
		)
		if err := rows.Scan(&unit, &period, &ref.Element, &ref.Option, &sum); err != nil {
			return nil, err
		}
		k := sumKey{unit, strconv.Itoa(period)}
		if sums[k] == nil {
			sums[k] = map[expr.Ref]int64{}
		}
		sums[k][ref] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s in 2025 boundaries in SQL: %w", code, err)
	}
	return answerOfSums(ind, sums), nil
}

// sourcesNote names the new commune's sources for the report.
func (m *mapped) sourcesNote() string {
	return m.commune.Code + " " + m.commune.Name + " ← " + strings.Join(m.sources, ", ")
}

// askMapped moves the root's map on to 2025: the 2024 units end on
// 2025-07-01 and the 2025 ones begin, with the official mapping between
// them, as `tonghop init` records a new map on a node holding the old one;
// then it asks the mapped questions of both systems. The root is stopped
// meanwhile, as an operator would to record a new map.
func askMapped(ctx context.Context, cfg Config, m *mapped, tree *hierarchy.Tree, rootDir string, pg *pgServer, cols columns, say func(string, ...any)) ([]QuestionResult, error) {
	if _, err := node.Init(rootDir, Root, m.datedUnits(tree), true, node.Options{Logger: cfg.Logger}); err != nil {
		return nil, fmt.Errorf("the 2025 map at the root: %w", err)
	}
	st, err := store.Open(filepath.Join(rootDir, store.FileName), store.Options{MustExist: true, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	err = st.PutChanges(m.changes)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("the 2025 mapping at the root: %w", err)
	}
	serveRoot := cfg.ServeCommand
	if cfg.RootInProcess {
		serveRoot = nil
	}
	root, err := startNode(ctx, serveRoot, rootDir, "", cfg.Logger.Named("root"))
	if err != nil {
		return nil, err
	}
	defer root.Stop()
	if pg != nil {
		if err := pg.loadMapping(ctx, m); err != nil {
			return nil, err
		}
	}
	conn, err := dialRoot(root.grpcAddr, rootDir)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	say("the root in the 2025 map: %d new provinces, %d rows of the mapping; the series of %s", len(m.provinces), len(m.changes), m.sourcesNote())
	q := &querier{rollup: tonghopv1.NewRollupServiceClient(conn), pg: pg, cols: cols, cat: catalog.Default()}
	return askAll(ctx, mappedQuestions(q, m, cfg), cfg, pg != nil, say)
}
