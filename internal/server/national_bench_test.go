package server

// The gRPC side of the national benchmarks of issue 4: the same queries as
// internal/rollup/national_bench_test.go, asked of a real RollupService
// over loopback TCP (plaintext, as the administrators' port is served, with
// the error-mapping interceptor but without the token check), each call
// timed at the client. The store is built the same way: the 2024 list of
// units under a synthetic national root "VN", every commune reporting every
// cell of tong_ket_nam for each year 2012..2021, synthetic but
// deterministic. The generator below is a copy of the one in package rollup
// (a test there cannot be imported from here: server imports rollup); keep
// the two in step.
//
//	go test -run x -bench National -benchtime 2000x -timeout 30m ./internal/server
//
// Each benchmark reports p50-µs and p99-µs per call, and pg/p50, how many
// times faster than PostgreSQL's p50 (given in the issue) the call's p50 is.
// TONGHOP_NATIONAL_DIR=dir keeps the store in dir and reuses it in later
// runs.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/country"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/synth"
)

const (
	nationalCSV      = country.File2024
	nationalRoot     = "VN"
	nationalFirst    = 2012
	nationalLast     = 2021
	nationalBatch    = 500
	nationalDataSet  = "tong_ket_nam"
	nationalThanhHoa = "38"
	nationalVersion  = "1"
)

// PostgreSQL's p50 on the same data, in µs, as given in issue 4.
const (
	pgCell         = 100
	pgCompare      = 360
	pgAllProvinces = 4300
	pgSeries       = 1000
	pgStockRange   = 3300
	pgFullYearCube = 1_000_000
)

// nationalFixture is the shared store served over loopback.
type nationalFixture struct {
	st       *store.Store
	tree     *hierarchy.Tree
	engine   *rollup.Engine // the same answers without the transport
	client   tonghopv1.RollupServiceClient
	communes []string
}

var (
	nationalOnce sync.Once
	national     *nationalFixture
	nationalErr  error
)

func nationalData(b *testing.B) *nationalFixture {
	b.Helper()
	nationalOnce.Do(func() {
		b.StopTimer()
		defer b.StartTimer()
		national, nationalErr = buildNational(b)
	})
	if nationalErr != nil {
		b.Fatal(nationalErr)
	}
	return national
}

func buildNational(b *testing.B) (*nationalFixture, error) {
	start := time.Now()
	tree, err := synth.NationalTree(nationalCSV, nationalRoot)
	if err != nil {
		return nil, err
	}
	cat := catalog.Default()
	ds, ok := cat.DataSet(nationalDataSet)
	if !ok {
		return nil, fmt.Errorf("no data set %s in the catalogue", nationalDataSet)
	}
	f := &nationalFixture{tree: tree}
	for _, u := range tree.AtLevel(hierarchy.LevelCommune) {
		f.communes = append(f.communes, u.Code)
	}
	slices.Sort(f.communes)

	var path, tmp string
	reused := false
	if dir := os.Getenv("TONGHOP_NATIONAL_DIR"); dir != "" {
		d := cat.Digest()
		d = d[max(0, len(d)-12):]
		path = filepath.Join(dir, fmt.Sprintf("server-national-v%s-s%d-%s.db", nationalVersion, store.SchemaVersion, d))
		_, err := os.Stat(path + ".done")
		if reused = err == nil; !reused {
			os.Remove(path)
		}
	} else {
		if tmp, err = os.MkdirTemp("", "tonghop-national-"); err != nil {
			return nil, err
		}
		path = filepath.Join(tmp, store.FileName)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return nil, err
	}
	f.st = st
	if !reused {
		if err := st.Initialise(nationalRoot, tree.Units()); err != nil {
			return nil, err
		}
		loader := &synth.Loader{Store: st, Catalog: cat, Tree: tree, DataSet: nationalDataSet, Batch: nationalBatch}
		reports := 0
		for y := nationalFirst; y <= nationalLast; y++ {
			for _, c := range f.communes {
				if err := loader.Add(c, y, synth.Values(cat, ds, c, y)); err != nil {
					return nil, err
				}
				reports++
			}
		}
		if err := loader.Flush(); err != nil {
			return nil, err
		}
		b.Logf("built the national store: %d reports in %v", reports, time.Since(start).Round(time.Millisecond))
	}
	if tmp != "" {
		// The open file lives on, unlinked, until the process exits.
		os.RemoveAll(tmp)
	} else if !reused {
		if err := os.WriteFile(path+".done", nil, 0o600); err != nil {
			return nil, err
		}
	}

	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(UnaryErrors(zap.NewNop())))
	Register(srv, Deps{Store: st, Catalog: cat, Tree: tree, Unit: nationalRoot, Version: "bench", StartedAt: time.Now()})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	f.client = tonghopv1.NewRollupServiceClient(conn)
	f.engine = &rollup.Engine{Store: st, Catalog: cat, Tree: tree, Self: nationalRoot}
	runtime.GC()
	return f, nil
}

// nationalTime runs query b.N times, timing each call at the client, and
// reports the median, the 99th percentile and the speed-up on PostgreSQL.
// The first warm calls (untimed) warm the connection and bring the records
// the queries read into memory: the latencies are those of a warm page
// cache.
func nationalTime(b *testing.B, pgMicros float64, warm int, query func(ctx context.Context, i int) error) {
	b.Helper()
	ctx := context.Background()
	for i := range min(b.N, warm) {
		if err := query(ctx, i); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, b.N)
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t := time.Now()
		if err := query(ctx, i); err != nil {
			b.Fatal(err)
		}
		lat[i] = time.Since(t)
	}
	b.StopTimer()
	slices.Sort(lat)
	at := func(q float64) float64 {
		i := min(len(lat)-1, max(0, int(math.Ceil(q*float64(len(lat))))-1))
		return float64(lat[i]) / float64(time.Microsecond)
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
	if p50 := at(0.50); p50 > 0 {
		b.ReportMetric(pgMicros/p50, "pg/p50")
	}
}

func nationalRange(from, to int) period.Range {
	return period.Range{From: period.MustParse(strconv.Itoa(from)), To: period.MustParse(strconv.Itoa(to))}
}

// sameValue compares an answer over gRPC with the engine's.
func sameValue(got *tonghopv1.IndicatorValue, want rollup.IndicatorValue) error {
	if want.Value == nil {
		if got.Value != nil {
			return fmt.Errorf("%s: %v over gRPC, no value in the engine", want.Unit, *got.Value)
		}
		return nil
	}
	w, _ := want.Value.Float64()
	if got.UnitCode != want.Unit || got.Value == nil || *got.Value != w || int(got.ReportingUnits) != want.Reporting {
		return fmt.Errorf("over gRPC %s = %v (%d reporting), in the engine %s = %v (%d)", got.UnitCode, got.GetValue(), got.ReportingUnits, want.Unit, w, want.Reporting)
	}
	return nil
}

func sameComparison(got *tonghopv1.CompareIndicatorResponse, want rollup.Comparison) error {
	if len(got.Rows) != len(want.Rows) {
		return fmt.Errorf("%d rows over gRPC, %d in the engine", len(got.Rows), len(want.Rows))
	}
	if err := sameValue(got.Parent, want.Parent); err != nil {
		return err
	}
	for i := range want.Rows {
		if err := sameValue(got.Rows[i], want.Rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkNationalGRPCCell: one cell (members admitted, a count indicator
// of one element) of a random commune and year each time.
func BenchmarkNationalGRPCCell(b *testing.B) {
	f := nationalData(b)
	const code = "so_dang_vien_ket_nap"
	rng := rand.New(rand.NewPCG(4, 2021))
	qs := make([]*tonghopv1.GetIndicatorValueRequest, b.N)
	for i := range qs {
		y := nationalFirst + rng.IntN(nationalLast-nationalFirst+1)
		qs[i] = &tonghopv1.GetIndicatorValueRequest{UnitCode: f.communes[rng.IntN(len(f.communes))], Indicator: code, Period: strconv.Itoa(y)}
	}
	for _, q := range qs[:min(len(qs), 100)] {
		got, err := f.client.GetIndicatorValue(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		want, err := f.engine.Indicator(q.UnitCode, code, period.Range{From: period.MustParse(q.Period), To: period.MustParse(q.Period)}, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if err := sameValue(got.Value, want); err != nil {
			b.Fatal(err)
		}
	}
	nationalTime(b, pgCell, b.N, func(ctx context.Context, i int) error {
		_, err := f.client.GetIndicatorValue(ctx, qs[i])
		return err
	})
}

func benchCompare(b *testing.B, pg float64, unit, level, code string) {
	f := nationalData(b)
	req := &tonghopv1.CompareIndicatorRequest{UnitCode: unit, Indicator: code, Period: strconv.Itoa(nationalLast), Level: level}
	got, err := f.client.CompareIndicator(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	r := nationalRange(nationalLast, nationalLast)
	var want rollup.Comparison
	if level == "" {
		want, err = f.engine.CompareChildren(unit, code, r, time.Time{})
	} else {
		want, err = f.engine.CompareLevel(unit, level, code, r, time.Time{})
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := sameComparison(got, want); err != nil {
		b.Fatal(err)
	}
	nationalTime(b, pg, 20, func(ctx context.Context, _ int) error {
		_, err := f.client.CompareIndicator(ctx, req)
		return err
	})
}

// BenchmarkNationalGRPCCompareThanhHoa: Thanh Hóa's 26 districts ranked.
func BenchmarkNationalGRPCCompareThanhHoa(b *testing.B) {
	benchCompare(b, pgCompare, nationalThanhHoa, "", "ty_le_truong_thon_la_dang_vien")
}

// BenchmarkNationalGRPCAllProvinces: the 63 provinces ranked.
func BenchmarkNationalGRPCAllProvinces(b *testing.B) {
	benchCompare(b, pgAllProvinces, nationalRoot, "", "ty_le_dang_vien_httnv_tro_len")
}

// BenchmarkNationalGRPCCubeDistricts: the 696 districts of the country
// ranked, for one indicator and year.
func BenchmarkNationalGRPCCubeDistricts(b *testing.B) {
	benchCompare(b, pgFullYearCube, nationalRoot, hierarchy.LevelDistrict, "ty_le_truong_thon_la_dang_vien")
}

// BenchmarkNationalGRPCSeries10y: Thanh Hóa's share of women members for
// each year 2012..2021.
func BenchmarkNationalGRPCSeries10y(b *testing.B) {
	f := nationalData(b)
	const code = "ty_le_dang_vien_nu"
	req := &tonghopv1.GetIndicatorSeriesRequest{UnitCode: nationalThanhHoa, Indicator: code, Period: fmt.Sprintf("%d..%d", nationalFirst, nationalLast)}
	got, err := f.client.GetIndicatorSeries(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	want, err := f.engine.Series(nationalThanhHoa, code, nationalRange(nationalFirst, nationalLast), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	if len(got.Points) != len(want) {
		b.Fatalf("%d points over gRPC, %d in the engine", len(got.Points), len(want))
	}
	for i := range want {
		if err := sameValue(got.Points[i], want[i]); err != nil {
			b.Fatal(err)
		}
	}
	nationalTime(b, pgSeries, 20, func(ctx context.Context, _ int) error {
		_, err := f.client.GetIndicatorSeries(ctx, req)
		return err
	})
}

// BenchmarkNationalGRPCStockRange: Thanh Hóa's share of women members over
// 2012..2021, from two stocks, which is the 2021 figure. (There is no RPC
// for a bare element; the engine benchmark asks Engine.Value for one.)
func BenchmarkNationalGRPCStockRange(b *testing.B) {
	f := nationalData(b)
	const code = "ty_le_dang_vien_nu"
	req := &tonghopv1.GetIndicatorValueRequest{UnitCode: nationalThanhHoa, Indicator: code, Period: fmt.Sprintf("%d..%d", nationalFirst, nationalLast)}
	got, err := f.client.GetIndicatorValue(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	want, err := f.engine.Indicator(nationalThanhHoa, code, nationalRange(nationalLast, nationalLast), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	if err := sameValue(got.Value, want); err != nil {
		b.Fatal(err)
	}
	nationalTime(b, pgStockRange, 20, func(ctx context.Context, _ int) error {
		_, err := f.client.GetIndicatorValue(ctx, req)
		return err
	})
}
