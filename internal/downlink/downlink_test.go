package downlink

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/store"
)

// parent answers the two fetches as Huyện Tam Đường would to one of its
// communes.
type parent struct {
	tonghopv1.UnimplementedPeerServiceServer
}

var deadline = time.Date(2021, 12, 25, 10, 0, 0, 0, time.UTC)

func (parent) FetchTargets(context.Context, *tonghopv1.FetchTargetsRequest) (*tonghopv1.FetchTargetsResponse, error) {
	return &tonghopv1.FetchTargetsResponse{Targets: []*tonghopv1.Target{{
		Id: "106-nu", Indicator: "ty_le_dang_vien_nu", Level: "commune", Period: "2021",
		Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 30, SetBy: "106", UpdatedAt: timestamppb.New(deadline),
	}}}, nil
}

func (parent) FetchRounds(context.Context, *tonghopv1.FetchRoundsRequest) (*tonghopv1.FetchRoundsResponse, error) {
	return &tonghopv1.FetchRoundsResponse{
		Rounds: []*tonghopv1.Round{{Id: "106/tong_ket_nam/2021", OpenerUnitCode: "106", DataSet: "tong_ket_nam", Period: "2021",
			Deadline: timestamppb.New(deadline), Reference: "Công văn số 365-CV/TU ngày 23/9/2021", OpenedAt: timestamppb.New(deadline.AddDate(0, -3, 0))}},
		Reviews: []*tonghopv1.Review{{UnitCode: "03394", DataSet: "tong_ket_nam", Period: "2021", State: tonghopv1.ReportState_REPORT_STATE_RETURNED,
			Revision: 1, Digest: "sha256:3f1c0b", Comment: "Thiếu số đảng viên nữ", UpdateTime: timestamppb.New(deadline), UpdatedBy: "106"}},
	}, nil
}

// TestSync fetches from a parent on loopback into a real store and reads
// back what it kept, twice: a second sync replaces, it does not add.
func TestSync(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	tonghopv1.RegisterPeerServiceServer(srv, parent{})
	go srv.Serve(lis)
	defer srv.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Initialise("03394", []hierarchy.Unit{
		{Code: "106", Name: "Huyện Tam Đường", Level: "district"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
	}); err != nil {
		t.Fatal(err)
	}
	s := &Syncer{Store: st, Conn: conn, Self: "03394", Interval: time.Hour, Logger: zaptest.NewLogger(t)}
	for range 2 {
		if err := s.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := st.Targets()
	if err != nil || len(ts) != 1 || ts[0].Indicator != "ty_le_dang_vien_nu" || ts[0].Value != 30 || ts[0].Level != "commune" || !ts[0].UpdatedAt.Equal(deadline) {
		t.Errorf("targets kept: %+v, %v", ts, err)
	}
	rs, err := st.Rounds()
	if err != nil || len(rs) != 1 || rs[0].Opener != "106" || !rs[0].Deadline.Equal(deadline) || rs[0].Reference != "Công văn số 365-CV/TU ngày 23/9/2021" {
		t.Errorf("rounds kept: %+v, %v", rs, err)
	}
	said, err := st.ParentReviews()
	if err != nil || len(said) != 1 || said[0].State != review.Returned || said[0].Comment != "Thiếu số đảng viên nữ" || said[0].Digest != "sha256:3f1c0b" {
		t.Errorf("the parent's word kept: %+v, %v", said, err)
	}
}

// catalogParent is parent handing down two catalogue versions.
type catalogParent struct{ parent }

func (catalogParent) FetchCatalogs(context.Context, *tonghopv1.FetchCatalogsRequest) (*tonghopv1.FetchCatalogsResponse, error) {
	return &tonghopv1.FetchCatalogsResponse{Versions: [][]byte{[]byte("first"), []byte("second")}}, nil
}

func serve(t *testing.T, p tonghopv1.PeerServiceServer) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	tonghopv1.RegisterPeerServiceServer(srv, p)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestSyncCatalogs: the versions from above are handed on in order; one
// refused does not keep the next out, and the sync says it failed; a parent
// from before catalogue versions hands down none, which is no failure.
func TestSyncCatalogs(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Initialise("03394", []hierarchy.Unit{{Code: "106", Name: "Huyện Tam Đường", Level: "district"}, {Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"}}); err != nil {
		t.Fatal(err)
	}
	var kept []string
	refused := errors.New("clashes with a version published here")
	keep := func(raw []byte) (bool, error) {
		if string(raw) == "first" {
			return false, refused
		}
		kept = append(kept, string(raw))
		return true, nil
	}
	s := &Syncer{Store: st, Conn: serve(t, catalogParent{}), Self: "03394", Interval: time.Hour, Logger: zaptest.NewLogger(t), Catalogs: keep}
	if err := s.Sync(context.Background()); !errors.Is(err, refused) || len(kept) != 1 || kept[0] != "second" {
		t.Fatalf("sync: %v, kept %q", err, kept)
	}
	s.Conn = serve(t, parent{})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("a parent without catalogue versions: %v", err)
	}
}
