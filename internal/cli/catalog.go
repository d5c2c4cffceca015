package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newCatalogCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		o outputFlags
	)
	cmd := &cobra.Command{
		Use:       "catalog [elements|breakdowns|data-sets|indicators|rules]",
		Short:     "Show the catalogue a node uses, and the validation rules it implies and states",
		Example:   "  tonghop catalog elements\n  tonghop catalog indicators -o json\n  tonghop catalog rules",
		Args:      cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"elements", "breakdowns", "data-sets", "indicators", "rules"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			what := "elements"
			if len(args) == 1 {
				what = args[0]
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			if what == "rules" {
				return writeRules(cmd, conn, streams.Out, o)
			}
			resp, err := tonghopv1.NewCatalogServiceClient(conn).GetCatalog(cmd.Context(), &tonghopv1.GetCatalogRequest{})
			if err != nil {
				return err
			}
			cat := resp.Catalog
			if o.format == "json" {
				return writeJSON(streams.Out, resp)
			}
			var tab *table
			ws := say(cmd)
			switch what {
			case "elements":
				tab = &table{header: ws.catalogElements, fields: []string{"code", "nature", "group", "breakdowns", "name"}}
				for _, e := range cat.DataElements {
					nature := strings.ToLower(strings.TrimPrefix(e.Nature.String(), "NATURE_"))
					tab.add(e.Code, nature, e.Group, strings.Join(e.Breakdowns, ","), ws.name(e.Name, e.NameEn))
				}
			case "breakdowns":
				tab = &table{header: ws.catalogBreakdowns, fields: []string{"code", "kind", "options", "name"}}
				for _, b := range cat.Breakdowns {
					var opts []string
					for _, op := range b.Options {
						opts = append(opts, op.Code)
					}
					kind := strings.ToLower(strings.TrimPrefix(b.Kind.String(), "BREAKDOWN_KIND_"))
					tab.add(b.Code, kind, strings.Join(opts, ","), ws.name(b.Name, b.NameEn))
				}
			case "data-sets":
				tab = &table{header: ws.catalogDataSets, fields: []string{"code", "period_type", "elements", "sections", "name"}}
				for _, d := range cat.DataSets {
					pt := strings.ToLower(strings.TrimPrefix(d.PeriodType.String(), "PERIOD_TYPE_"))
					tab.add(d.Code, pt, fmt.Sprint(len(d.DataElements)), fmt.Sprint(len(d.Sections)), ws.name(d.Name, d.NameEn))
				}
			case "indicators":
				tab = &table{header: ws.catalogIndicators, fields: []string{"code", "numerator", "denominator", "factor", "name"}}
				for _, i := range cat.Indicators {
					tab.add(i.Code, i.Numerator, i.Denominator, fmt.Sprint(i.Factor), ws.name(i.Name, i.NameEn))
				}
			}
			if o.format == "table" {
				fmt.Fprintf(streams.Out, ws.catalogueHeading, cat.Version, cat.Digest[:min(12, len(cat.Digest))])
			}
			return tab.write(streams.Out, o.format)
		},
	}
	c.register(cmd)
	o.register(cmd)
	cmd.AddCommand(newCatalogPublishCmd(streams), newCatalogListCmd(streams))
	return cmd
}

func newUnitsCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "units", Short: "List and show the administrative units a node knows"}
	var (
		c                   clientFlags
		o                   outputFlags
		parent, level, asOf string
	)
	list := &cobra.Command{
		Use:     "list",
		Short:   "List units, by parent, level and date",
		Example: "  tonghop units list --parent 106\n  tonghop units list --level province --as-of 2025-07-01",
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
			client := tonghopv1.NewHierarchyServiceClient(conn)
			all := &tonghopv1.ListUnitsResponse{}
			req := &tonghopv1.ListUnitsRequest{ParentCode: parent, Level: level, AsOf: asOf}
			for {
				resp, err := client.ListUnits(cmd.Context(), req)
				if err != nil {
					return err
				}
				all.Units = append(all.Units, resp.Units...)
				all.TotalSize = resp.TotalSize
				if resp.NextPageToken == "" {
					break
				}
				req.PageToken = resp.NextPageToken
			}
			if o.format == "json" {
				return writeJSON(streams.Out, all)
			}
			return say(cmd).unitTable(all.Units).write(streams.Out, o.format)
		},
	}
	c.register(list)
	o.register(list)
	list.Flags().StringVar(&parent, "parent", "", "only children of this unit")
	list.Flags().StringVar(&level, "level", "", "only units of this level")
	list.Flags().StringVar(&asOf, "as-of", "", "only units valid on this day, YYYY-MM-DD")

	var (
		gc   clientFlags
		gout outputFlags
	)
	get := &cobra.Command{
		Use:     "get CODE",
		Short:   "Show a unit with its ancestors and children",
		Example: "  tonghop units get 106",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return answer(cmd, &gc, &gout, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.GetUnitResponse, error) {
				return tonghopv1.NewHierarchyServiceClient(conn).GetUnit(ctx, &tonghopv1.GetUnitRequest{Code: args[0]})
			}, func(resp *tonghopv1.GetUnitResponse) error {
				var path []string
				for _, a := range resp.Ancestors {
					path = append(path, a.Name)
				}
				path = append(path, resp.Unit.Name)
				if gout.format == "table" {
					fmt.Fprintf(streams.Out, "%s %s (%s)\n%s\n\n", resp.Unit.Code, resp.Unit.Name, resp.Unit.Level, strings.Join(path, " › "))
				}
				return say(cmd).unitTable(resp.Children).write(streams.Out, gout.format)
			})
		},
	}
	gc.register(get)
	gout.register(get)
	cmd.AddCommand(list, get)
	return cmd
}

func (ws *words) unitTable(units []*tonghopv1.Unit) *table {
	tab := &table{header: ws.units, fields: []string{"code", "level", "parent", "valid_from", "valid_to", "name"}}
	for _, u := range units {
		tab.add(u.Code, u.Level, u.ParentCode, u.ValidFrom, u.ValidTo, u.Name)
	}
	return tab
}

// writeRules lists the validation rules.
func writeRules(cmd *cobra.Command, conn *grpc.ClientConn, w io.Writer, o outputFlags) error {
	resp, err := tonghopv1.NewCatalogServiceClient(conn).ListValidationRules(cmd.Context(), &tonghopv1.ListValidationRulesRequest{})
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeJSON(w, resp)
	}
	ws := say(cmd)
	tab := &table{header: ws.rules, fields: []string{"code", "importance", "rule", "period_type", "message"}}
	for _, r := range resp.Rules {
		imp := ws.error
		if r.Importance == tonghopv1.Importance_IMPORTANCE_WARNING {
			imp = ws.warning
		}
		if o.format == "csv" {
			imp = strings.ToLower(strings.TrimPrefix(r.Importance.String(), "IMPORTANCE_"))
		}
		right := r.Right
		if r.Previous != "" {
			right = "previous(" + r.Previous + ")"
			if r.Right != "0" {
				right += " + " + r.Right
			}
		}
		rule := r.Left + " " + r.Operator + " " + right
		tab.add(r.Code, imp, rule, r.PeriodType, ws.name(r.Message, r.MessageEn))
	}
	return tab.write(w, o.format)
}
