package node

import (
	"context"
	"crypto/x509"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// fetchHistory stores the reports of the node's own unit its parent holds,
// those entered on the unit's behalf before it ran a node among them, so
// that the unit has its history and its own first revision comes after
// them and supersedes them at every level.
func fetchHistory(ctx context.Context, dataDir, parentAddr string, id trust.Identity, now func() time.Time) error {
	roots := x509.NewCertPool()
	roots.AddCert(id.Root())
	path := id.Path()
	conn, err := grpc.NewClient(parentAddr, grpc.WithTransportCredentials(credentials.NewTLS(trust.ClientTLS(id, roots, path[:len(path)-1], now))),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxPeerMessageBytes)))
	if err != nil {
		return err
	}
	defer conn.Close()
	resp, err := tonghopv1.NewPeerServiceClient(conn).FetchHistory(ctx, &tonghopv1.FetchHistoryRequest{})
	if err != nil || len(resp.Envelopes) == 0 {
		return err
	}
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{MustExist: true})
	if err != nil {
		return err
	}
	defer st.Close()
	history, err := st.History()
	if err != nil {
		return err
	}
	tree := nodeTree(history, path[len(path)-1], now())
	items := make([]store.Incoming, 0, len(resp.Envelopes))
	for _, raw := range resp.Envelopes {
		c, err := submission.CheckHistory(raw, path, roots, tree)
		if err != nil {
			return err
		}
		items = append(items, store.Incoming{Record: c.Record(), Envelope: raw, Values: c.Values(), KeyOwner: c.KeyOwner})
	}
	_, err = st.PutHistory(items)
	return err
}
