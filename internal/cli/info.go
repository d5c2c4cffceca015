package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// names maps element and element.option codes to Vietnamese names.
type names map[string]string

func (n names) of(element, option string) string {
	if option == "" {
		return n[element]
	}
	return n[element+"."+option]
}

func fetchNames(cmd *cobra.Command, conn *grpc.ClientConn) (names, error) {
	resp, err := tonghopv1.NewCatalogServiceClient(conn).GetCatalog(cmd.Context(), &tonghopv1.GetCatalogRequest{})
	if err != nil {
		return nil, err
	}
	breakdowns := map[string]*tonghopv1.Breakdown{}
	for _, b := range resp.Catalog.Breakdowns {
		breakdowns[b.Code] = b
	}
	n := names{}
	for _, e := range resp.Catalog.DataElements {
		n[e.Code] = e.Name
		for _, bc := range e.Breakdowns {
			for _, o := range breakdowns[bc].GetOptions() {
				n[e.Code+"."+o.Code] = e.Name + " — " + o.Name
			}
		}
	}
	return n, nil
}

func newNodeCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		o outputFlags
	)
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Show which unit a node speaks for and what it runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &c, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.GetNodeResponse, error) {
				return tonghopv1.NewNodeServiceClient(conn).GetNode(ctx, &tonghopv1.GetNodeRequest{})
			}, func(resp *tonghopv1.GetNodeResponse) error {
				n, ws := resp.Node, say(cmd)
				tab, labels := &table{header: ws.nodeInfo, fields: []string{"field", "value"}}, ws.nodeRows
				if o.format == "csv" {
					labels = english().nodeRows
				}
				for i, v := range []string{
					n.UnitCode + " " + n.UnitName,
					ws.level(n.Level),
					strings.TrimSpace(n.ParentCode + " " + n.ParentAddress),
					n.Version,
					fmt.Sprint(n.SchemaVersion),
					n.CatalogVersion + " " + n.CatalogDigest[:min(12, len(n.CatalogDigest))],
					ws.when(n.StartedAt.AsTime()),
				} {
					tab.add(labels[i], v)
				}
				// A revoked certificate of the node's own chain: what it signs
				// is refused above until it enrols again.
				for _, r := range n.RevokedChain {
					tab.add(labels[7], r.UnitCode+" · "+r.Serial+" · "+ws.when(r.RevokedAt.AsTime())+" · "+r.Reason)
				}
				return tab.write(streams.Out, o.format)
			})
		},
	}
	c.register(cmd)
	o.register(cmd)
	return cmd
}

func newSectionsCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "sections", Short: "Write and read the narrative sections of a report"}
	var (
		c    clientFlags
		t    targetFlags
		file string
	)
	put := &cobra.Command{
		Use:     "put SECTION [TEXT]",
		Short:   "Store a section's text, from the argument, --file or standard input",
		Example: `  tonghop sections put --unit 106 --period 2021 II.1 --file uu-diem.txt`,
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var text string
			switch {
			case len(args) == 2:
				text = args[1]
			case file != "":
				raw, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				text = string(raw)
			default:
				raw, err := readAll(streams)
				if err != nil {
					return err
				}
				text = raw
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = tonghopv1.NewDataServiceClient(conn).PutSection(cmd.Context(), &tonghopv1.PutSectionRequest{
				UnitCode: t.unit, DataSet: t.dataSet, Period: t.period, Section: args[0],
				Content: &tonghopv1.SectionContent{Text: text},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).storedSection, args[0], len([]rune(text)))
			return nil
		},
	}
	c.register(put)
	t.register(put)
	put.Flags().StringVar(&file, "file", "", "read the text from this file")

	var (
		gc clientFlags
		gt targetFlags
		o  outputFlags
	)
	get := &cobra.Command{
		Use:   "get",
		Short: "Show the sections written for a data set and period",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &gc, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListSectionsResponse, error) {
				return tonghopv1.NewDataServiceClient(conn).ListSections(ctx, &tonghopv1.ListSectionsRequest{
					UnitCode: gt.unit, DataSet: gt.dataSet, Period: gt.period,
				})
			}, func(resp *tonghopv1.ListSectionsResponse) error {
				if o.format == "csv" {
					tab := &table{header: []string{"section", "text"}}
					for _, s := range resp.Sections {
						tab.add(s.Section, s.Text)
					}
					return tab.write(streams.Out, "csv")
				}
				for _, s := range resp.Sections {
					fmt.Fprintf(streams.Out, "%s\n%s\n\n", s.Section, s.Text)
				}
				return nil
			})
		},
	}
	gc.register(get)
	gt.register(get)
	o.register(get)
	var (
		dc clientFlags
		dt targetFlags
	)
	del := &cobra.Command{
		Use:     "delete SECTION",
		Short:   "Delete a section's text",
		Example: `  tonghop sections delete --unit 106 --period 2021 II.1`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := dc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = tonghopv1.NewDataServiceClient(conn).DeleteSection(cmd.Context(), &tonghopv1.DeleteSectionRequest{
				UnitCode: dt.unit, DataSet: dt.dataSet, Period: dt.period, Section: args[0],
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).deletedSection, args[0])
			return nil
		},
	}
	dc.register(del)
	dt.register(del)
	cmd.AddCommand(put, get, del)
	return cmd
}

func readAll(streams IO) (string, error) {
	raw, err := io.ReadAll(streams.In)
	return string(raw), err
}
