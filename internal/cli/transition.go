package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/numfmt"
)

func newRetireCmd(streams IO) *cobra.Command {
	var dataDir, parent, note string
	cmd := &cobra.Command{
		Use:   "retire",
		Short: "Retire the node of a unit the map abolished: hand over the outbox, then read-only",
		Long: `Retire the node of a unit that a reorganisation abolished (a district on
2025-07-01). It delivers everything still in the outbox to the parent, makes
the node's store read-only for good (its history stays, for reading), and
tells the parent, which revokes the unit's certificates: the key signs
nothing more anywhere, while every report it signed before stays stored
above and verifiable, online and with "tonghop verify". Run it with the node
stopped, before or after the unit's last day; a node whose certificate ended
with its unit may still connect to hand over its outbox for 90 days. If it
is interrupted, run it again.`,
		Example: `  tonghop retire --data-dir /srv/tonghop/106 --note "Nghị quyết 1670/NQ-UBTVQH15"`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir == "" {
				return fmt.Errorf("%w: --data-dir is required", errUsage)
			}
			addr, err := parentOf(dataDir, parent)
			if err != nil {
				return err
			}
			res, err := node.Retire(cmd.Context(), dataDir, addr, note, node.Options{})
			if err != nil {
				return err
			}
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.retired,
				res.Retirement.At.In(numfmt.Zone()).Format("02/01/2006 15:04"), res.Retirement.Parent)
			fmt.Fprintf(streams.Out, ws.parentRevoked, len(res.RevokedSerials), res.Reason)
			for _, r := range res.Refused {
				fmt.Fprintf(streams.Out, ws.refusedKept, r.Unit, r.DataSet, r.Period, r.Revision, r.ForwardError)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "the node's data directory")
	f.StringVar(&parent, "parent", "", "the parent's peer address (default: parent from DATA_DIR/tonghop.yaml)")
	f.StringVar(&note, "note", "", "why, for the record (e.g. the resolution)")
	return cmd
}

func newSourcesCmd(streams IO) *cobra.Command {
	var dataDir, parent, dataSet string
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "The units this node's unit was formed from, and their reports held by the parent",
		Long: `Ask the parent which units this node's unit was formed from in the
reorganisation that created it, and fetch the reports the parent holds that
they signed. Every report is verified against the root, as of when it was
signed. Run it with the node stopped, after "tonghop enroll".`,
		Example: `  tonghop sources --data-dir /srv/tonghop/03390`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir == "" {
				return fmt.Errorf("%w: --data-dir is required", errUsage)
			}
			addr, err := parentOf(dataDir, parent)
			if err != nil {
				return err
			}
			src, err := node.FetchSources(cmd.Context(), dataDir, addr, dataSet, node.Options{})
			if err != nil {
				return err
			}
			ws := say(cmd)
			t := &table{header: ws.sources}
			for _, u := range src.Units {
				how := ws.whole
				if u.Partial {
					how = ws.part
				}
				t.add(u.UnitCode+" "+u.UnitName, ws.level(u.Level), how, u.Effective)
			}
			if err := t.write(streams.Out, "table"); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, ws.sourcesVerified, numfmt.Vietnamese().Int(int64(len(src.Reports))))
			for _, r := range src.Reports {
				s := r.Verified.Submission
				fmt.Fprintf(streams.Out, ws.sourceReport, s.Unit, s.DataSet, s.Period, s.Revision,
					s.SignedAt.In(numfmt.Zone()).Format(time.DateOnly), strings.Join(r.Verified.SignerPath, " › "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "the node's data directory")
	f.StringVar(&parent, "parent", "", "the parent's peer address (default: parent from DATA_DIR/tonghop.yaml)")
	f.StringVar(&dataSet, "data-set", "", "only reports of this data set")
	return cmd
}
