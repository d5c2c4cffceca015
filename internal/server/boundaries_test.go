package server

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
)

// thuanAn is Phường Bình Chuẩn (Thuận An, Bình Dương) split on 2025-07-01
// between the new Phường Thuận Giao (25969, a reused code) and Phường An
// Phú (25975), each with the old ward of its name.
func thuanAn() ([]hierarchy.Unit, []hierarchy.Change) {
	day := hierarchy.Day(2025, 7, 1)
	units := []hierarchy.Unit{
		{Code: "VN", Name: "Toàn quốc", Level: "country"},
		{Code: "74", Name: "Tỉnh Bình Dương", Level: "province", Parent: "VN", ValidTo: day},
		{Code: "725", Name: "Thành phố Thuận An", Level: "district", Parent: "74", ValidTo: day},
		{Code: "25969", Name: "Phường Bình Chuẩn", Level: "commune", Parent: "725", ValidTo: day},
		{Code: "25972", Name: "Phường Thuận Giao", Level: "commune", Parent: "725", ValidTo: day},
		{Code: "25975", Name: "Phường An Phú", Level: "commune", Parent: "725", ValidTo: day},
		{Code: "79", Name: "Thành phố Hồ Chí Minh", Level: "province", Parent: "VN", ValidFrom: day},
		{Code: "25969", Name: "Phường Thuận Giao", Level: "commune", Parent: "79", ValidFrom: day},
		{Code: "25975", Name: "Phường An Phú", Level: "commune", Parent: "79", ValidFrom: day},
	}
	row := func(old, oldName, new, newName, level string, partial bool) hierarchy.Change {
		return hierarchy.Change{Old: old, OldName: oldName, New: new, NewName: newName, Level: level, Partial: partial, Date: day}
	}
	changes := []hierarchy.Change{
		row("74", "Tỉnh Bình Dương", "79", "Thành phố Hồ Chí Minh", "province", false),
		row("25969", "Phường Bình Chuẩn", "25969", "Phường Thuận Giao", "commune", true),
		row("25969", "Phường Bình Chuẩn", "25975", "Phường An Phú", "commune", true),
		row("25972", "Phường Thuận Giao", "25969", "Phường Thuận Giao", "commune", false),
		row("25975", "Phường An Phú", "25975", "Phường An Phú", "commune", false),
	}
	return units, changes
}

// thuanAnNode serves the root node of thuanAn's map over real gRPC on
// loopback, with the 2021 reports of Thuận An's three old wards (dang_vien
// 301, 410, 250; women 150, 205, 124), and returns a connection and an
// admin's and a viewer's tokens.
func thuanAnNode(t *testing.T) (conn *grpc.ClientConn, admin, viewer string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	units, changes := thuanAn()
	if err := st.Initialise("VN", units); err != nil {
		t.Fatal(err)
	}
	if err := st.PutChanges(changes); err != nil {
		t.Fatal(err)
	}
	for i, r := range []struct {
		unit         string
		members, nus int64
	}{{"25969", 301, 150}, {"25972", 410, 205}, {"25975", 250, 124}} {
		res, err := st.PutSubmissions([]store.Incoming{{
			Record: store.Submission{Digest: "sha256:" + r.unit, Unit: r.unit, DataSet: "tong_ket_nam", Period: "2021",
				Revision: uint64(1), SignerFingerprint: "key-" + r.unit},
			Envelope: []byte("env"),
			Values:   []store.Value{{Element: "dang_vien", Count: r.members}, {Element: "dang_vien", Option: "nu", Count: r.nus}},
		}}, false)
		if err != nil || res[0].Outcome != store.Stored {
			t.Fatalf("report %d: %v %v", i, res, err)
		}
	}
	h, err := st.History()
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(filepath.Join(dir, audit.FileName), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tokens := &access.Tokens{Store: st, Now: time.Now}
	_, admin, err = tokens.Create("ban-to-chuc", access.Admin, "VN", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, viewer, err = tokens.Create("xem", access.Viewer, "VN", 0)
	if err != nil {
		t.Fatal(err)
	}
	tree := h.AsOf(hierarchy.Day(2026, 1, 1))
	authz := NewAuthz(Authz{Tokens: tokens, Store: st, Audit: l, Tree: tree, Self: "VN", Logger: zaptest.NewLogger(t)})
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(UnaryErrors(zaptest.NewLogger(t)), authz.Unary))
	Register(srv, Deps{Store: st, Catalog: catalog.Default(), Tree: tree, History: h, Unit: "VN", Version: "test", StartedAt: time.Now()})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err = grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, admin, viewer
}

// as is a context carrying a bearer token.
func as(tok string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tok)
}

// TestBoundariesOverGRPC asks the 2021 figures of Thuận An in 2025
// boundaries over a real gRPC server, declares weights for the split with
// an admin token and asks again.
func TestBoundariesOverGRPC(t *testing.T) {
	conn, admin, viewer := thuanAnNode(t)
	rollupc, hier := tonghopv1.NewRollupServiceClient(conn), tonghopv1.NewHierarchyServiceClient(conn)
	compare := func() *tonghopv1.CompareIndicatorResponse {
		t.Helper()
		resp, err := rollupc.CompareIndicator(as(viewer), &tonghopv1.CompareIndicatorRequest{UnitCode: "79", Indicator: "ty_le_dang_vien_nu", Period: "2021", Boundaries: "2025-07-01"})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := compare()
	var err error
	if p := resp.Parent; p.GetValue() == 0 || p.GetNumerator() != 479 || p.GetDenominator() != 961 || p.Boundaries != "2025-07-01" || p.Mapping.GetEstimated() || !slices.Equal(p.Mapping.GetSources(), []string{"74"}) {
		t.Errorf("79 in 2025 boundaries: %v, want 479/961, exact, from 74", p)
	}
	for _, row := range resp.Rows {
		if row.Value != nil || !slices.Equal(row.Mapping.GetNotComparable(), []string{"25969"}) {
			t.Errorf("%s without weights: %v, want no value, not comparable because of 25969", row.UnitCode, row)
		}
	}
	// The default is the map of the period: 2021 has no 79.
	_, err = rollupc.GetIndicatorValue(as(viewer), &tonghopv1.GetIndicatorValueRequest{UnitCode: "79", Indicator: "ty_le_dang_vien_nu", Period: "2021"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "unit_code: no unit \"79\" in the map of 2021-12-31") {
		t.Errorf("79 in 2021's own map: %v, want InvalidArgument naming unit_code", err)
	}
	_, err = rollupc.GetIndicatorValue(as(viewer), &tonghopv1.GetIndicatorValueRequest{UnitCode: "79", Indicator: "ty_le_dang_vien_nu", Period: "2021", Boundaries: "2025-02-30"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "boundaries:") {
		t.Errorf("boundaries 2025-02-30: %v, want InvalidArgument naming boundaries", err)
	}

	declare := func(tok string, w map[string]int64, basis string) (*tonghopv1.DeclareSplitWeightsResponse, error) {
		return hier.DeclareSplitWeights(as(tok), &tonghopv1.DeclareSplitWeightsRequest{SplitWeights: &tonghopv1.SplitWeights{
			OldCode: "25969", Date: "2025-07-01", Weights: w, Basis: basis, Reason: "Biên bản bàn giao"}})
	}
	if _, err := declare(viewer, map[string]int64{"25969": 2, "25975": 1}, "đảng viên"); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a viewer declaring weights: %v, want PermissionDenied", err)
	}
	if _, err := declare(admin, map[string]int64{"25969": 2}, "đảng viên"); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "split_weights.weights: 25975 received part of 25969") {
		t.Errorf("weights missing a part: %v, want InvalidArgument naming split_weights.weights", err)
	}
	if _, err := declare(admin, map[string]int64{"25969": 2, "25975": 1}, ""); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "split_weights.basis") {
		t.Errorf("weights without a basis: %v, want InvalidArgument naming split_weights.basis", err)
	}
	got, err := declare(admin, map[string]int64{"25969": 2, "25975": 1}, "đảng viên ngày 30/6/2025")
	if err != nil {
		t.Fatal(err)
	}
	if got.SplitWeights.DeclaredBy != "ban-to-chuc" || got.SplitWeights.DeclaredAt == nil {
		t.Errorf("declared: %v, want the admin token's name and a time", got.SplitWeights)
	}
	list, err := hier.ListSplitWeights(as(viewer), &tonghopv1.ListSplitWeightsRequest{})
	if err != nil || len(list.SplitWeights) != 1 || list.SplitWeights[0].Basis != "đảng viên ngày 30/6/2025" || list.SplitWeights[0].DeclaredBy != "ban-to-chuc" {
		t.Errorf("ListSplitWeights = %v, %v", list, err)
	}

	// 301 members by 2:1 → 201 and 100; 150 women → 100 and 50.
	want := map[string][2]float64{"25969": {410 + 201, 205 + 100}, "25975": {250 + 100, 124 + 50}}
	for _, row := range compare().Rows {
		w := want[row.UnitCode]
		if row.GetDenominator() != w[0] || row.GetNumerator() != w[1] || !row.Mapping.GetEstimated() || !slices.Equal(row.Mapping.GetApportioned(), []string{"25969"}) {
			t.Errorf("%s with weights: %v, want %v/%v, estimated", row.UnitCode, row, w[1], w[0])
		}
	}

	changesResp, err := hier.ListMapChanges(as(viewer), &tonghopv1.ListMapChangesRequest{NewCode: "25969"})
	if err != nil || len(changesResp.Changes) != 2 {
		t.Errorf("ListMapChanges(new 25969) = %v, %v; want two rows", changesResp, err)
	}
	events, err := hier.ListMapEvents(as(viewer), &tonghopv1.ListMapEventsRequest{Kind: hierarchy.EventSplit})
	if err != nil || len(events.Events) != 1 || !slices.Equal(events.Events[0].NewCodes, []string{"25969", "25975"}) {
		t.Errorf("ListMapEvents(split) = %v, %v", events, err)
	}
	unitsResp, err := hier.ListUnits(as(viewer), &tonghopv1.ListUnitsRequest{ParentCode: "725", AsOf: "2021-12-31"})
	if err != nil || len(unitsResp.Units) != 3 || unitsResp.Units[0].Name != "Phường Bình Chuẩn" {
		t.Errorf("ListUnits(725 as of 2021) = %v, %v", unitsResp, err)
	}
}
