package node

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/uplink"
)

// successions are the rows of the reorganisations history records, as
// the parent hands a new child its sources.
func successions(history *hierarchy.History) func() []enrolment.Succession {
	return func() []enrolment.Succession {
		var out []enrolment.Succession
		for _, c := range history.Changes() {
			out = append(out, enrolment.Succession{Old: c.Old, New: c.New, Partial: c.Partial, Date: c.Date})
		}
		return out
	}
}

// RetireResult is what retiring a node did.
type RetireResult struct {
	Retirement store.Retirement
	// Refused are the outbox entries the parent refused while draining:
	// they stay stored here, and the parent never got them.
	Refused        []store.Submission
	RevokedSerials []string
	Reason         string
}

// Retire retires the node of a unit that a reorganisation abolished: it
// delivers everything still in the outbox to the parent at parentAddr,
// makes its store read-only (its history stays, for reading), and tells
// the parent, which revokes the ended unit's certificates so that its key
// signs nothing more anywhere. Reports it signed before stay verifiable.
// The node must not be running. Running Retire again after an interrupted
// run finishes the job.
func Retire(ctx context.Context, dataDir, parentAddr, note string, opts Options) (RetireResult, error) {
	now := time.Now
	if opts.Clock != nil {
		now = opts.Clock
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	id, err := trust.Load(dataDir)
	if err != nil {
		return RetireResult{}, err
	}
	st, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{MustExist: true, Logger: log, Clock: opts.Clock})
	if err != nil {
		return RetireResult{}, err
	}
	defer st.Close()
	roots := x509.NewCertPool()
	roots.AddCert(id.Root())
	path := id.Path()
	if len(path) < 2 {
		return RetireResult{}, fmt.Errorf("%w: the root of a hierarchy has no parent to retire to", ErrConfig)
	}
	parentPath := path[:len(path)-1]
	// The hand-over happens as of this node's last valid moment when its
	// certificate has ended with its unit: the parent is judged as it was
	// then, since a district that ended with its communes retires them on
	// the same day with a certificate ended too.
	then := now
	if end := id.Leaf().NotAfter; now().After(end) {
		then = func() time.Time { return end.Add(-time.Second) }
	}
	conn, err := grpc.NewClient(parentAddr, grpc.WithTransportCredentials(credentials.NewTLS(trust.ClientTLS(id, roots, parentPath, then))),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxPeerMessageBytes)))
	if err != nil {
		return RetireResult{}, err
	}
	defer conn.Close()

	var res RetireResult
	ret, retired, err := st.Retired()
	if err != nil {
		return res, err
	}
	if !retired {
		verifier := &submission.Verifier{Roots: roots, Revocations: trust.NewRevocations(nil), Now: then}
		fw := uplink.NewForwarder(st, conn, func(receipt []byte, digest string) error {
			_, err := submission.CheckReceipt(receipt, digest, parentPath, verifier)
			return err
		}, log.Named("uplink"))
		if err := fw.Drain(ctx); err != nil {
			return res, fmt.Errorf("handing over the outbox: %w", err)
		}
		if ret, err = st.Retire(store.Retirement{At: now().UTC(), Note: note, Parent: trust.JoinPath(parentPath)}); err != nil {
			return res, err
		}
	}
	res.Retirement = ret
	refused, _, _, err := st.Submissions(store.SubmissionFilter{Forward: store.Rejected}, nil, 0)
	if err != nil {
		return res, err
	}
	res.Refused = refused
	resp, err := tonghopv1.NewPeerServiceClient(conn).Retire(ctx, &tonghopv1.RetireRequest{Note: note})
	if err != nil {
		return res, fmt.Errorf("the store is read-only now, but the parent did not record the retirement (run retire again): %w", err)
	}
	res.RevokedSerials, res.Reason = resp.RevokedSerials, resp.Reason
	return res, nil
}

// SourceReport is a report of a source unit fetched from the parent and
// verified here.
type SourceReport struct {
	Envelope []byte
	Verified submission.Verified
}

// Sources is what FetchSources brought.
type Sources struct {
	Units   []*tonghopv1.SourceUnit
	Reports []SourceReport
}

// ErrSourceReport means the parent handed over a report of a source that
// does not verify, or is not one of the sources' own.
var ErrSourceReport = errors.New("a source report does not verify")

// FetchSources asks the parent at parentAddr, over mutual TLS, for the
// units this node's unit was formed from and the reports the parent holds
// that they signed, and verifies every report against this node's root, as
// of when it was signed, and that its signer is one of the sources. The
// node must not be running (it reads the data directory's identity).
func FetchSources(ctx context.Context, dataDir, parentAddr, dataSet string, opts Options) (Sources, error) {
	now := time.Now
	if opts.Clock != nil {
		now = opts.Clock
	}
	id, err := trust.Load(dataDir)
	if err != nil {
		return Sources{}, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(id.Root())
	path := id.Path()
	conn, err := grpc.NewClient(parentAddr, grpc.WithTransportCredentials(credentials.NewTLS(trust.ClientTLS(id, roots, path[:len(path)-1], now))),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxPeerMessageBytes)))
	if err != nil {
		return Sources{}, err
	}
	defer conn.Close()
	client := tonghopv1.NewPeerServiceClient(conn)
	var out Sources
	token := ""
	for {
		resp, err := client.FetchSources(ctx, &tonghopv1.FetchSourcesRequest{DataSet: dataSet, PageToken: token})
		if err != nil {
			return Sources{}, err
		}
		if token == "" {
			out.Units = resp.Sources
		}
		for _, raw := range resp.Envelopes {
			v, err := submission.VerifyOffline(raw, id.Root(), now())
			if err != nil {
				return Sources{}, fmt.Errorf("%w: %s: %w", ErrSourceReport, envelope.Digest(raw), err)
			}
			if !slices.ContainsFunc(out.Units, func(s *tonghopv1.SourceUnit) bool { return s.UnitCode == v.Submission.Unit }) {
				return Sources{}, fmt.Errorf("%w: %s is a report of %s, not of a source", ErrSourceReport, v.Digest, v.Submission.Unit)
			}
			out.Reports = append(out.Reports, SourceReport{Envelope: raw, Verified: v})
		}
		if token = resp.NextPageToken; token == "" {
			return out, nil
		}
	}
}
