package cli

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// parentOf reads the parent's peer address from DATA_DIR/tonghop.yaml when
// the flag does not give it.
func parentOf(dataDir, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	cfg, err := config.Load(filepath.Join(dataDir, "tonghop.yaml"))
	if err != nil || cfg.Parent == "" {
		return "", fmt.Errorf("%w: give --parent (the parent's peer address), or set parent in %s", errUsage, filepath.Join(dataDir, "tonghop.yaml"))
	}
	return cfg.Parent, nil
}

func newEnrollCmd(streams IO) *cobra.Command {
	var dataDir, token, parent string
	cmd := &cobra.Command{
		Use:   "enroll",
		Short: "Obtain this node's certificate from its parent with a one-time token",
		Long: `Send this node's certificate request to the parent and save the certificate
chain it returns. The token comes from the parent's administrator
("tonghop children token UNIT"); it pins the root certificate, so the parent
is verified before anything is sent. Run it with the node stopped.`,
		Example: `  tonghop enroll --data-dir ./data/03390 --token tonghop1.03390.…`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir == "" || token == "" {
				return fmt.Errorf("%w: --data-dir and --token are required", errUsage)
			}
			addr, err := parentOf(dataDir, parent)
			if err != nil {
				return err
			}
			id, err := node.Enroll(cmd.Context(), dataDir, addr, token, node.Options{})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).enrolled,
				trust.JoinPath(id.Path()), addr, trust.SerialHex(id.Leaf()), day(id.Leaf().NotAfter))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "the node's data directory")
	f.StringVar(&token, "token", "", "one-time enrolment token from the parent")
	f.StringVar(&parent, "parent", "", "the parent's peer address (default: parent from DATA_DIR/tonghop.yaml)")
	return cmd
}

func newKeysCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Show and rotate this node's key and certificates"}
	var dataDir, parent string
	var rootOnly bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the node's certificate chain (PEM), or with --root the root certificate that verifies every report",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := trust.Load(dataDir)
			if err != nil {
				return err
			}
			if rootOnly {
				_, err := streams.Out.Write(trust.EncodeChainPEM([]*x509.Certificate{id.Root()}))
				return err
			}
			fmt.Fprintf(streams.Err, say(cmd).enrolInfo,
				trust.JoinPath(id.Path()), trust.SerialHex(id.Leaf()), trust.Fingerprint(id.Leaf()),
				day(id.Leaf().NotAfter), trust.Fingerprint(id.Root()))
			_, err = streams.Out.Write(trust.EncodeChainPEM(id.Chain))
			return err
		},
	}
	show.Flags().StringVar(&dataDir, "data-dir", "", "the node's data directory")
	show.Flags().BoolVar(&rootOnly, "root", false, "print only the root certificate")

	var rDir string
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Replace the node's key with a new one certified by the parent (node stopped)",
		Long: `Make a new key and have the parent certify it over mutual TLS with the current
certificate. The old certificate stays valid until it expires or is revoked,
so reports signed with it still verify.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr, err := parentOf(rDir, parent)
			if err != nil {
				return err
			}
			id, err := node.RotateKey(cmd.Context(), rDir, addr, node.Options{})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).newKey, trust.SerialHex(id.Leaf()), trust.Fingerprint(id.Leaf()))
			return nil
		},
	}
	rotate.Flags().StringVar(&rDir, "data-dir", "", "the node's data directory")
	rotate.Flags().StringVar(&parent, "parent", "", "the parent's peer address (default: from DATA_DIR/tonghop.yaml)")
	cmd.AddCommand(show, rotate)
	return cmd
}

func newChildrenCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "children", Short: "Admit, list and revoke child nodes"}
	var (
		tc    clientFlags
		hours int32
		all   allTokens
	)
	token := &cobra.Command{
		Use:   "token UNIT | --all",
		Short: "Make a one-time enrolment token for a direct child unit, or for every child (shown once)",
		Long: `Make a one-time enrolment token for a direct child unit, shown once.

With --all, one token for every direct child that holds no valid certificate
(with --include-enrolled, for every child), all made in one step and written
as one CSV file (--out, readable by its owner only; it is never overwritten):
a province enrols its districts, or a district its communes, from one file.
Each row says the unit, its token, until when it serves (Hà Nội time) and the
command its operator runs.`,
		Example: `  tonghop children token 03390
  tonghop children token --all --out ma-dang-ky.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if all.all {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := tc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			if all.all {
				return all.create(cmd, conn, hours, streams)
			}
			resp, err := tonghopv1.NewChildrenServiceClient(conn).CreateEnrollmentToken(cmd.Context(), &tonghopv1.CreateEnrollmentTokenRequest{UnitCode: args[0], ValidHours: hours})
			if err != nil {
				return err
			}
			fmt.Fprintln(streams.Out, resp.Token)
			ws := say(cmd)
			fmt.Fprintf(streams.Err, ws.childToken, ws.when(resp.ExpiresAt.AsTime()), resp.Token)
			return nil
		},
	}
	tc.register(token)
	token.Flags().Int32Var(&hours, "valid-hours", 0, "hours the token stays usable (default 168)")
	all.register(token)

	var (
		lc clientFlags
		lo outputFlags
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the direct children and their certificates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &lc, &lo, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListChildrenResponse, error) {
				return tonghopv1.NewChildrenServiceClient(conn).ListChildren(ctx, &tonghopv1.ListChildrenRequest{})
			}, func(resp *tonghopv1.ListChildrenResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.children, fields: []string{"unit", "state", "certificate", "valid_until", "name"}}
				for _, c := range resp.Children {
					state, serial, until := ws.childNotEnrolled, "", ""
					if c.TokenPending {
						state = ws.childTokenIssued
					}
					for _, cert := range c.Certificates {
						serial, until = cert.Serial, day(cert.NotAfter.AsTime())
						state = ws.childEnrolled
						if cert.RevokedAt != nil {
							state = ws.childRevoked
						}
					}
					tab.add(c.UnitCode, state, serial, until, c.Name)
				}
				return tab.write(streams.Out, lo.format)
			})
		},
	}
	lc.register(list)
	lo.register(list)

	var (
		rc     clientFlags
		reason string
	)
	revoke := &cobra.Command{
		Use:     "revoke UNIT",
		Short:   "Revoke every certificate of a direct child; every level above learns of it",
		Example: `  tonghop children revoke 03394 --reason "khóa bị lộ"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := rc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewChildrenServiceClient(conn).RevokeChild(cmd.Context(), &tonghopv1.RevokeChildRequest{UnitCode: args[0], Reason: reason})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).revokedCerts, len(resp.Revoked), args[0])
			return nil
		},
	}
	rc.register(revoke)
	revoke.Flags().StringVar(&reason, "reason", "", "why, recorded and relayed upward")
	cmd.AddCommand(token, list, newChildrenStatusCmd(streams), revoke)
	return cmd
}

func newSubmitCmd(streams IO) *cobra.Command {
	var (
		c         clientFlags
		t         targetFlags
		overrides []string
		ob        onBehalfFlags
	)
	cmd := &cobra.Command{
		Use:   "submit",
		Short: "Sign the node's own report for a data set and period and send it up",
		Long: `Sign the node's own report for a data set and period and send it up.

Validation errors block signing; each can be overridden with a reason,
which the signed report states for every level above to see.

With --on-behalf, a node enters, validates and signs the report of a unit
below it that runs no node of its own (--unit), with its values given here;
the report says it was entered and signed by this node on the unit's behalf.
Once the unit signs a revision itself, that one prevails and a revision on
its behalf is refused.`,
		Example: `  tonghop submit --unit 106 --period 2021
  tonghop submit --unit 106 --period 2021 --override dang_vien/gioi_tinh/sum="Một đồng chí chưa cập nhật hồ sơ"
  tonghop submit --on-behalf --unit 03394 --period 2021 dang_vien=90 dang_vien.nam=50 dang_vien.nu=40
  tonghop submit --on-behalf --unit 03394 --period 2021 --values the-sin-2021.csv`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req := &tonghopv1.SubmitRequest{UnitCode: t.unit, DataSet: t.dataSet, Period: t.period}
			for _, o := range overrides {
				ov, err := parseOverride(o)
				if err != nil {
					return err
				}
				req.Overrides = append(req.Overrides, ov)
			}
			if !ob.onBehalf && (len(args) > 0 || ob.file != "") {
				return fmt.Errorf("%w: values are given to submit only with --on-behalf; the node's own are entered with `tonghop values`", errUsage)
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			var s *tonghopv1.Submission
			if ob.onBehalf {
				if s, err = ob.submit(cmd, conn, req, args); err != nil {
					return err
				}
			} else {
				resp, err := tonghopv1.NewSubmissionServiceClient(conn).Submit(cmd.Context(), req)
				if err != nil {
					return err
				}
				s = resp.Submission
			}
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.signed,
				s.Revision, s.UnitCode, s.DataSet, s.Period, s.ValueCount, s.SectionCount, s.Digest, ws.forward(s.ForwardState))
			if s.EnteredBy != "" {
				fmt.Fprintf(streams.Out, ws.signedOnBehalf, s.EnteredBy, s.UnitCode)
			}
			if len(s.Violations) > 0 {
				fmt.Fprintf(streams.Out, ws.statesViolations, len(s.Violations))
				ws.writeViolations(streams.Out, s.Violations, numfmt.Vietnamese())
			}
			return nil
		},
	}
	c.register(cmd)
	t.register(cmd)
	cmd.Flags().StringArrayVar(&overrides, "override", nil, "RULE=REASON: submit a validation error anyway, with the reason (repeatable)")
	ob.register(cmd)
	return cmd
}

func newSubmissionsCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "submissions", Short: "List and fetch the signed reports a node holds"}
	var (
		c                     clientFlags
		o                     outputFlags
		unit, dataSet, period string
		subtree, all          bool
	)
	list := &cobra.Command{
		Use:     "list",
		Short:   "List submissions: the latest revision of each report, or all with --all",
		Example: "  tonghop submissions list --unit 106 --subtree --period 2021",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			client := tonghopv1.NewSubmissionServiceClient(conn)
			req := &tonghopv1.ListSubmissionsRequest{UnitCode: unit, IncludeSubtree: subtree, DataSet: dataSet, Period: period, IncludeSuperseded: all, PageSize: 1000}
			out := &tonghopv1.ListSubmissionsResponse{}
			for {
				resp, err := client.ListSubmissions(cmd.Context(), req)
				if err != nil {
					return err
				}
				out.Submissions = append(out.Submissions, resp.Submissions...)
				if resp.NextPageToken == "" {
					break
				}
				req.PageToken = resp.NextPageToken
			}
			if o.format == "json" {
				return writeJSON(streams.Out, out)
			}
			ws := say(cmd)
			tab := &table{header: ws.submissions, fields: []string{"unit", "data_set", "period", "rev", "values", "signer", "received", "state", "digest"}}
			for _, s := range out.Submissions {
				rev := fmt.Sprint(s.Revision)
				if s.Superseded {
					rev += ws.superseded
				}
				signer := s.Signer
				if s.EnteredBy != "" {
					signer += ws.onBehalf
				}
				tab.add(s.UnitCode, s.DataSet, s.Period, rev, o.style().Int(int64(s.ValueCount)), signer,
					ws.when(s.ReceivedAt.AsTime()), ws.forward(s.ForwardState), s.Digest)
			}
			return tab.write(streams.Out, o.format)
		},
	}
	c.register(list)
	o.register(list)
	list.Flags().StringVar(&unit, "unit", "", "only this unit")
	list.Flags().BoolVar(&subtree, "subtree", false, "with --unit: the unit and every unit below it")
	list.Flags().StringVar(&dataSet, "data-set", "", "only this data set")
	list.Flags().StringVar(&period, "period", "", "only this period")
	list.Flags().BoolVar(&all, "all", false, "every revision, not only the latest")

	var (
		gc  clientFlags
		out string
	)
	get := &cobra.Command{
		Use:     "get DIGEST",
		Short:   "Show a submission; --envelope FILE saves the signed envelope for `tonghop verify`",
		Example: "  tonghop submissions get sha256:… --envelope 03390-2021.dsse.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := gc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewSubmissionServiceClient(conn).GetSubmission(cmd.Context(), &tonghopv1.GetSubmissionRequest{Digest: args[0]})
			if err != nil {
				return err
			}
			if out != "" {
				if err := os.WriteFile(out, resp.Envelope, 0o644); err != nil {
					return err
				}
			}
			s, ws := resp.Submission, say(cmd)
			fmt.Fprintf(streams.Out, ws.submissionHeading, s.UnitCode, s.DataSet, s.Period, s.Revision,
				ws.when(s.SignedAt.AsTime()), s.Signer, s.SignerFingerprint[:min(16, len(s.SignerFingerprint))])
			tab := &table{header: ws.values}
			for _, v := range resp.Values {
				tab.add(v.DataElement, v.Option, v.Value)
			}
			return tab.write(streams.Out, "table")
		},
	}
	gc.register(get)
	get.Flags().StringVar(&out, "envelope", "", "write the signed envelope (DSSE JSON) to this file")

	var oc clientFlags
	outbox := &cobra.Command{
		Use:   "outbox",
		Short: "Show what waits for delivery to the parent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := oc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewSubmissionServiceClient(conn).ListOutbox(cmd.Context(), &tonghopv1.ListOutboxRequest{})
			if err != nil {
				return err
			}
			ws := say(cmd)
			if resp.ParentAddress == "" {
				// The root sends nothing up: there is no outbox to show.
				fmt.Fprintln(streams.Out, ws.rootOutbox)
				return nil
			}
			fmt.Fprintf(streams.Out, ws.outboxWaiting, len(resp.Entries), resp.ParentAddress)
			tab := &table{header: ws.outbox}
			for _, e := range resp.Entries {
				tab.add(e.UnitCode, e.Period, fmt.Sprint(e.Revision), ws.when(e.QueuedAt.AsTime()), fmt.Sprint(e.Attempts), e.LastError)
			}
			return tab.write(streams.Out, "table")
		},
	}
	oc.register(outbox)
	var qc clientFlags
	requeue := &cobra.Command{
		Use:   "requeue DIGEST",
		Short: "Send a submission the parent refused again, once the cause is fixed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := qc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewSubmissionServiceClient(conn).RequeueSubmission(cmd.Context(), &tonghopv1.RequeueSubmissionRequest{Digest: args[0]})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).requeued, resp.Submission.Digest, resp.Submission.Revision, resp.Submission.UnitCode, resp.Submission.Period)
			return nil
		},
	}
	qc.register(requeue)
	cmd.AddCommand(list, get, outbox, requeue)
	return cmd
}

func newVerifyCmd(streams IO) *cobra.Command {
	var rootFile string
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Verify a signed report offline against the root certificate",
		Long: `Check a signed report (DSSE envelope) with nothing but the root certificate:
the signature, the signer's certificate chain to the root (name constraints
included), and that the signer is the unit the report is about. Exit status 0
means it verifies. The root certificate comes from "tonghop keys show --root"
on any node of the hierarchy.`,
		Example: "  tonghop verify --root lai-chau-root.pem 03390-2021.dsse.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rootFile == "" {
				return fmt.Errorf("%w: --root is required", errUsage)
			}
			rawRoot, err := os.ReadFile(rootFile)
			if err != nil {
				return err
			}
			block, _ := pem.Decode(rawRoot)
			if block == nil {
				return fmt.Errorf("%s: no PEM certificate", rootFile)
			}
			root, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return fmt.Errorf("%s: %w", rootFile, err)
			}
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			v, err := submission.VerifyOffline(raw, root, time.Now())
			if err != nil {
				return fmt.Errorf("%s does not verify: %w", args[0], err)
			}
			s := v.Submission
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.verified,
				v.Digest, s.Unit, s.DataSet, s.Period, s.Revision, numfmt.Vietnamese().Int(int64(len(s.Values))), len(s.Sections),
				ws.when(s.SignedAt), strings.Join(v.SignerPath, " › "), v.SignerFingerprint[:16], trust.Fingerprint(root)[:16])
			return nil
		},
	}
	cmd.Flags().StringVar(&rootFile, "root", "", "root certificate (PEM)")
	return cmd
}
