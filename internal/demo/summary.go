package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// Summary is what `demo --once --json` prints: every node, and what the
// root received and verified.
type Summary struct {
	Nodes []NodeInfo `json:"nodes"`
	Root  RootInfo   `json:"root"`
}

// NodeInfo describes one node of the demo.
type NodeInfo struct {
	UnitCode    string `json:"unit_code"`
	Name        string `json:"name"`
	Level       string `json:"level"`
	Parent      string `json:"parent_code,omitempty"`
	GRPC        string `json:"grpc_address"`
	HTTP        string `json:"http_address"`
	Peer        string `json:"peer_address"`
	Certificate string `json:"certificate_fingerprint"`
}

// RootInfo is what the root holds.
type RootInfo struct {
	UnitCode        string           `json:"unit_code"`
	RootFingerprint string           `json:"root_certificate_fingerprint"`
	Received        int              `json:"received"`
	Verified        int              `json:"verified"`
	Rejected        int              `json:"rejected"`
	Submissions     []SubmissionInfo `json:"submissions"`
}

// SubmissionInfo is one report the root holds.
type SubmissionInfo struct {
	UnitCode string `json:"unit_code"`
	Name     string `json:"name"`
	DataSet  string `json:"data_set"`
	Period   string `json:"period"`
	Revision uint64 `json:"revision"`
	Values   int    `json:"values"`
	Members  string `json:"members"`
	Signer   string `json:"signer"`
	Digest   string `json:"digest"`
	Verified bool   `json:"verified"`
	Error    string `json:"error,omitempty"`
}

// summarise waits for every report to reach the province, then verifies
// each one there with nothing but the province's root certificate.
func (h *hierarchyRun) summarise(ctx context.Context) (Summary, error) {
	prov := h.nodes[0]
	subs := tonghopv1.NewSubmissionServiceClient(prov.admin)
	want := len(h.nodes) - 1
	var held []*tonghopv1.Submission
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := subs.ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: Province, IncludeSubtree: true, PageSize: 1000})
		if err != nil {
			return Summary{}, err
		}
		if held = resp.Submissions; len(held) >= want {
			break
		}
		if time.Now().After(deadline) {
			return Summary{}, fmt.Errorf("after %v the province holds %d of %d reports", waitTimeout, len(held), want)
		}
		select {
		case <-ctx.Done():
			return Summary{}, ctx.Err()
		case <-tick.C:
		}
	}

	root := prov.node.Identity().Root()
	s := Summary{Root: RootInfo{UnitCode: Province, RootFingerprint: trust.Fingerprint(root)}}
	for _, r := range h.nodes {
		ni := NodeInfo{
			UnitCode: r.unit.Code, Name: r.unit.Name, Level: r.unit.Level, Parent: r.unit.Parent,
			GRPC: r.node.GRPCAddr(), HTTP: r.node.HTTPAddr(), Peer: r.node.PeerAddr(),
			Certificate: trust.Fingerprint(r.node.Identity().Leaf()),
		}
		s.Nodes = append(s.Nodes, ni)
	}
	for _, sub := range held {
		got, err := subs.GetSubmission(ctx, &tonghopv1.GetSubmissionRequest{Digest: sub.Digest})
		if err != nil {
			return Summary{}, err
		}
		u, _ := h.tree.Unit(sub.UnitCode)
		info := SubmissionInfo{
			UnitCode: sub.UnitCode, Name: u.Name, DataSet: sub.DataSet, Period: sub.Period, Revision: sub.Revision,
			Values: int(sub.ValueCount), Signer: sub.Signer, Digest: sub.Digest,
		}
		for _, v := range got.Values {
			if v.DataElement == "dang_vien" && v.Option == "" {
				info.Members = v.Value
			}
		}
		// End to end: the envelope as the province stores it, checked
		// against the root certificate alone.
		if _, err := submission.VerifyOffline(got.Envelope, root, time.Now()); err != nil {
			info.Error = err.Error()
			s.Root.Rejected++
		} else {
			info.Verified = true
			s.Root.Verified++
		}
		s.Root.Received++
		s.Root.Submissions = append(s.Root.Submissions, info)
	}
	return s, nil
}

func report(o Options, s Summary) error {
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := o.Out
	prov := s.Nodes[0]
	fmt.Fprintf(w, "tonghop demo: %d nodes of Tỉnh Lai Châu running on loopback, each with its own store, key and certificate.\n\n", len(s.Nodes))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ĐƠN VỊ\tCẤP\tgRPC\tREST\tPEER (mTLS)")
	for _, n := range s.Nodes {
		indent := map[string]string{"province": "", "district": "  ", "commune": "    "}[n.Level]
		fmt.Fprintf(tw, "%s%s %s\t%s\t%s\t%s\t%s\n", indent, n.UnitCode, n.Name, n.Level, n.GRPC, n.HTTP, n.Peer)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nEach district and commune signed its %s report for %s; the reports travelled up through their parents.\n", DataSet, Period)
	fmt.Fprintf(w, "The province holds %d and verified each against its root certificate alone (%s…):\n\n", s.Root.Received, s.Root.RootFingerprint[:16])
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ĐƠN VỊ\tLẦN\tĐẢNG VIÊN\tKÝ BỞI\tXÁC THỰC")
	for _, sub := range s.Root.Submissions {
		ok := "✓ hợp lệ"
		if !sub.Verified {
			ok = "✗ " + sub.Error
		}
		members := sub.Members
		if n, err := parseInt(members); err == nil {
			members = numfmt.Vietnamese().Int(n)
		}
		fmt.Fprintf(tw, "%s %s\t%d\t%s\t%s\t%s\n", sub.UnitCode, sub.Name, sub.Revision, members, strings.ReplaceAll(sub.Signer, "/", " › "), ok)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nReceived %d, verified %d, rejected %d.\n", s.Root.Received, s.Root.Verified, s.Root.Rejected)
	if o.Once {
		return nil
	}
	base := "http://" + prov.HTTP
	fmt.Fprintf(w, "\nTry it (Ctrl-C stops every node):\n")
	fmt.Fprintf(w, "  curl %s/v1/node\n", base)
	fmt.Fprintf(w, "  curl '%s/v1/submissions?unit_code=12&include_subtree=true'\n", base)
	fmt.Fprintf(w, "  curl %s/v1/children\n", base)
	if len(s.Root.Submissions) > 0 {
		fmt.Fprintf(w, "  curl %s/v1/submissions/%s\n", base, s.Root.Submissions[0].Digest)
	}
	fmt.Fprintf(w, "  grpcurl -plaintext %s list\n", prov.GRPC)
	return nil
}

func parseInt(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}
