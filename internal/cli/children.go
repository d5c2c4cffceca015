package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/numfmt"
)

// allTokens are the flags of `children token --all`.
type allTokens struct {
	all, enrolled bool
	out           string
}

func (a *allTokens) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&a.all, "all", false, "a token for every direct child that holds no valid certificate")
	cmd.Flags().BoolVar(&a.enrolled, "include-enrolled", false, "with --all: also for the children that hold a valid certificate")
	cmd.Flags().StringVar(&a.out, "out", "", "with --all: the CSV file to write (default: standard output)")
}

// create makes the tokens and writes them as CSV, to a new file only its
// owner can read: the tokens are secrets.
func (a *allTokens) create(cmd *cobra.Command, conn *grpc.ClientConn, hours int32, streams IO) error {
	if a.enrolled && !a.all {
		return fmt.Errorf("%w: --include-enrolled goes with --all", errUsage)
	}
	w := streams.Out
	var f *os.File
	if a.out != "" && a.out != "-" {
		var err error
		// O_EXCL: a file of tokens already handed out is never replaced.
		if f, err = os.OpenFile(a.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	resp, err := tonghopv1.NewChildrenServiceClient(conn).CreateEnrollmentTokens(cmd.Context(), &tonghopv1.CreateEnrollmentTokensRequest{
		ValidHours: hours, IncludeEnrolled: a.enrolled})
	if err != nil {
		if f != nil {
			f.Close()
			os.Remove(a.out)
		}
		return err
	}
	ws := say(cmd)
	if err := writeTokens(w, ws, resp.Tokens); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
	}
	if len(resp.Tokens) == 0 {
		fmt.Fprint(streams.Err, ws.allEnrolled)
		return nil
	}
	where := ws.tokensAbove
	if f != nil {
		where = fmt.Sprintf(ws.tokensInFile, a.out)
	}
	fmt.Fprintf(streams.Err, ws.tokensMade, len(resp.Tokens), where, ws.when(resp.Tokens[0].ExpiresAt.AsTime()))
	return nil
}

// writeTokens writes one row per child: its unit, token, expiry in Hà Nội
// time and the command its operator runs.
func writeTokens(w io.Writer, ws *words, tokens []*tonghopv1.ChildToken) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"unit_code", "name", "token", "expires_at", "command"})
	for _, t := range tokens {
		cw.Write([]string{t.UnitCode, t.Name, t.Token, ws.when(t.ExpiresAt.AsTime()), "tonghop enroll --data-dir DIR --token " + t.Token})
	}
	cw.Flush()
	return cw.Error()
}

func newChildrenStatusCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		o outputFlags
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Each direct child at a glance: enrolled or not, its last report, when its certificate ends",
		Long: `Each direct child at a glance, in Vietnamese: whether it has enrolled (a valid
certificate), holds an unused token, or was revoked; the newest report this
node received from its subtree and when; and when its certificate ends, with
the days left. Times are Hà Nội time. A line below counts each state.`,
		Example: `  tonghop children status
  tonghop children status -o csv > tinh-trang.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &c, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListChildrenResponse, error) {
				return tonghopv1.NewChildrenServiceClient(conn).ListChildren(ctx, &tonghopv1.ListChildrenRequest{})
			}, func(resp *tonghopv1.ListChildrenResponse) error {
				return writeChildrenStatus(streams.Out, say(cmd), o.format, resp.Children, time.Now())
			})
		},
	}
	c.register(cmd)
	o.register(cmd)
	return cmd
}

// childState names a child's state.
func childState(ws *words, c *tonghopv1.Child) string {
	revoked := false
	for _, cert := range c.Certificates {
		revoked = revoked || cert.RevokedAt != nil
	}
	switch {
	case c.Enrolled:
		return ws.childEnrolled
	case c.TokenPending:
		return ws.childTokenIssued
	case revoked:
		return ws.childRevoked
	case len(c.Certificates) > 0:
		return ws.childExpired
	}
	return ws.childNotEnrolled
}

func writeChildrenStatus(w io.Writer, ws *words, format string, children []*tonghopv1.Child, now time.Time) error {
	tab := &table{header: ws.childrenStatus, fields: []string{"unit", "name", "state", "certificate_ends", "last_report", "received"}}
	counts := map[string]int{}
	var order []string
	for _, c := range children {
		state := childState(ws, c)
		if counts[state] == 0 {
			order = append(order, state)
		}
		counts[state]++
		expires := ""
		var latest *tonghopv1.IssuedCertificate
		for _, cert := range c.Certificates {
			if cert.RevokedAt == nil && (latest == nil || cert.NotAfter.AsTime().After(latest.NotAfter.AsTime())) {
				latest = cert
			}
		}
		if latest != nil {
			end := latest.NotAfter.AsTime()
			expires = minute(end)
			if left := end.Sub(now); left > 0 {
				format := ws.daysLeft
				// A running child renews by itself once less than a third
				// of its certificate's life is left: past that, it has not
				// managed to (offline, or its renewal failing).
				if left < end.Sub(latest.NotBefore.AsTime())/enrolment.RenewShare {
					format = ws.daysNotRenewed
				}
				expires += fmt.Sprintf(format, int(left.Hours()/24))
			}
		}
		last, at := ws.noReport, ""
		if r := c.LastReport; r != nil {
			last = fmt.Sprintf(ws.lastReport, r.UnitCode, r.DataSet, r.Period, r.Revision)
			if r.EnteredBy != "" {
				last += ws.onBehalf
			}
			at = minute(r.ReceivedAt.AsTime())
		}
		tab.add(c.UnitCode, c.Name, state, expires, last, at)
	}
	if err := tab.write(w, format); err != nil {
		return err
	}
	if format == "csv" {
		return nil
	}
	summary := fmt.Sprintf(ws.childrenCount, len(children))
	for i, s := range order {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		summary += sep + fmt.Sprintf(ws.stateCount, counts[s], s)
	}
	_, err := fmt.Fprintln(w, summary+".")
	return err
}

// minute writes t to the minute in Hà Nội time, unlabelled: the column
// header says it.
func minute(t time.Time) string { return t.In(numfmt.Zone()).Format("2006-01-02 15:04") }
