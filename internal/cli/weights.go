package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newWeightsCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "weights",
		Short: "Declare and list the weights that apportion a split unit's figures",
		Long: `A unit split between several new units in a reorganisation (a "partial" row
of the mapping) has figures that cannot be divided exactly: in the boundaries
of the new map its parts are "not exactly comparable" and have no value. Once
weights are declared for the split, by members, population or any basis
stated, each part gets its share, in whole numbers that add up to the old
unit's figure (largest remainders), marked as an estimate. Who declared them,
when, on what basis and why is on record.`,
	}
	var (
		dc                       clientFlags
		old, date, basis, reason string
		weights                  []string
	)
	declare := &cobra.Command{
		Use:   "declare",
		Short: "Declare the weights of a split",
		Example: `  tonghop weights declare --old 25969 --date 2025-07-01 --weight 25969=2 --weight 25975=1 \
      --basis "đảng viên ngày 30/6/2025" --reason "Biên bản bàn giao đảng viên"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := map[string]int64{}
			for _, kv := range weights {
				code, v, ok := strings.Cut(kv, "=")
				n, err := strconv.ParseInt(v, 10, 64)
				if !ok || code == "" || err != nil {
					return fmt.Errorf("%w: --weight %q: give NEW_CODE=WEIGHT, e.g. 25975=1", errUsage, kv)
				}
				w[code] = n
			}
			conn, err := dc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewHierarchyServiceClient(conn).DeclareSplitWeights(cmd.Context(), &tonghopv1.DeclareSplitWeightsRequest{
				SplitWeights: &tonghopv1.SplitWeights{OldCode: old, Date: date, Weights: w, Basis: basis, Reason: reason},
			})
			if err != nil {
				return err
			}
			sw := resp.SplitWeights
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.weightsDeclared, sw.OldCode, sw.Date, sw.DeclaredBy,
				ws.when(sw.DeclaredAt.AsTime()), weightsString(sw.Weights))
			return nil
		},
	}
	dc.register(declare)
	f := declare.Flags()
	f.StringVar(&old, "old", "", "code of the split unit")
	f.StringVar(&date, "date", "2025-07-01", "day of the split, YYYY-MM-DD")
	f.StringArrayVar(&weights, "weight", nil, "NEW_CODE=WEIGHT, once for every new unit that received part of it")
	f.StringVar(&basis, "basis", "", "what the weights are, e.g. \"đảng viên ngày 30/6/2025\"")
	f.StringVar(&reason, "reason", "", "why, e.g. the record of the hand-over")

	var (
		lc   clientFlags
		lo   outputFlags
		lOld string
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the declared weights",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &lc, &lo, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListSplitWeightsResponse, error) {
				return tonghopv1.NewHierarchyServiceClient(conn).ListSplitWeights(ctx, &tonghopv1.ListSplitWeightsRequest{OldCode: lOld})
			}, func(resp *tonghopv1.ListSplitWeightsResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.weights, fields: []string{"old_code", "date", "weights", "basis", "reason", "declared_by", "declared_at"}}
				for _, sw := range resp.SplitWeights {
					tab.add(sw.OldCode, sw.Date, weightsString(sw.Weights), sw.Basis, sw.Reason, sw.DeclaredBy, ws.when(sw.DeclaredAt.AsTime()))
				}
				return tab.write(streams.Out, lo.format)
			})
		},
	}
	lc.register(list)
	lo.register(list)
	list.Flags().StringVar(&lOld, "old", "", "only the split of this unit")
	cmd.AddCommand(declare, list)
	return cmd
}

// weightsString writes weights as "25969=2 25975=1", by code.
func weightsString(w map[string]int64) string {
	codes := make([]string, 0, len(w))
	for c := range w {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c + "=" + strconv.FormatInt(w[c], 10)
	}
	return strings.Join(parts, " ")
}
