package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newTargetsCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "targets", Short: "Set, list and delete targets (mục tiêu) for the node's subtree"}
	var (
		sc                                                 clientFlags
		indicator, unit, level, periodCode, baseline, note string
		value                                              float64
	)
	set := &cobra.Command{
		Use:   "set",
		Short: "Set a target for one unit or for every unit of a level",
		Example: `  tonghop targets set --indicator ty_le_truong_thon_la_dang_vien --level district --period 2021 --at-least 80 \
      --baseline 2016 --note "Nghị quyết Đại hội Đảng bộ tỉnh"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir := tonghopv1.Direction_DIRECTION_UNSPECIFIED
			for name, flag := range map[string]tonghopv1.Direction{
				"at-least": tonghopv1.Direction_DIRECTION_AT_LEAST, "at-most": tonghopv1.Direction_DIRECTION_AT_MOST, "equal": tonghopv1.Direction_DIRECTION_EQUAL,
				"above": tonghopv1.Direction_DIRECTION_ABOVE, "below": tonghopv1.Direction_DIRECTION_BELOW,
			} {
				if cmd.Flags().Changed(name) {
					if dir != tonghopv1.Direction_DIRECTION_UNSPECIFIED {
						return fmt.Errorf("%w: give one of --at-least, --at-most, --equal, --above, --below", errUsage)
					}
					dir = flag
					v, _ := cmd.Flags().GetFloat64(name)
					value = v
				}
			}
			if dir == tonghopv1.Direction_DIRECTION_UNSPECIFIED && baseline != "" {
				// A baseline alone: the change since then is stated, with no
				// target to meet.
				dir = tonghopv1.Direction_DIRECTION_NONE
			}
			conn, err := sc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewTargetServiceClient(conn).SetTarget(cmd.Context(), &tonghopv1.SetTargetRequest{Target: &tonghopv1.Target{
				Indicator: indicator, UnitCode: unit, Level: level, Period: periodCode, Direction: dir, Value: value,
				BaselinePeriod: baseline, Note: note,
			}})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).targetSet, resp.Target.Id)
			return nil
		},
	}
	sc.register(set)
	f := set.Flags()
	f.StringVar(&indicator, "indicator", "", "indicator code")
	f.StringVar(&unit, "unit", "", "the unit the target is for")
	f.StringVar(&level, "level", "", "or: every unit of this level below this node")
	f.StringVar(&periodCode, "period", "", "the period the target is for")
	f.Float64("at-least", 0, "met at this value or more")
	f.Float64("at-most", 0, "met at this value or less")
	f.Float64("equal", 0, "met at exactly this value")
	f.Float64("above", 0, `met strictly above this value ("trên 90%")`)
	f.Float64("below", 0, "met strictly below this value")
	f.StringVar(&baseline, "baseline", "", "period to measure the change from, e.g. the year a resolution was issued; alone, a baseline without a target")
	f.StringVar(&note, "note", "", "where the target comes from")

	var (
		lc clientFlags
		lo outputFlags
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the targets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &lc, &lo, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListTargetsResponse, error) {
				return tonghopv1.NewTargetServiceClient(conn).ListTargets(ctx, &tonghopv1.ListTargetsRequest{})
			}, func(resp *tonghopv1.ListTargetsResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.targets, fields: []string{"id", "indicator", "for", "period", "target", "baseline", "note"}}
				for _, t := range resp.Targets {
					who := t.UnitCode
					if who == "" {
						who = ws.whom + ws.level(t.Level)
					}
					value := strconv.FormatFloat(t.Value, 'f', -1, 64)
					tab.add(t.Id, t.Indicator, who, t.Period, directionSign(t.Direction)+value, t.BaselinePeriod, t.Note)
				}
				return tab.write(streams.Out, lo.format)
			})
		},
	}
	lc.register(list)
	lo.register(list)

	var dc clientFlags
	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a target",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := dc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			if _, err := tonghopv1.NewTargetServiceClient(conn).DeleteTarget(cmd.Context(), &tonghopv1.DeleteTargetRequest{Id: args[0]}); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).deletedTarget, args[0])
			return nil
		},
	}
	dc.register(del)
	cmd.AddCommand(set, list, del)
	return cmd
}
