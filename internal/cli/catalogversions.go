package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

// newCatalogPublishCmd publishes a catalogue version of the node's own.
func newCatalogPublishCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		o outputFlags
	)
	cmd := &cobra.Command{
		Use:   "publish FILE",
		Short: "Publish a catalogue version for the node's subtree from a YAML file",
		Long: "Publish a catalogue version for the node's subtree. FILE is a YAML document in the format of\n" +
			"the built-in catalogue that lists only what it adds (data elements, breakdowns, data sets,\n" +
			"indicators, validation rules of its own); it may use the codes it inherits, never define one\n" +
			"again. The version is in force at once, reaches the subtree and goes up with its reports.",
		Example: "  tonghop catalog publish nghi-quyet-03.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			source, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			conn, err := c.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewCatalogServiceClient(conn).PublishCatalog(cmd.Context(), &tonghopv1.PublishCatalogRequest{Source: string(source)})
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeJSON(streams.Out, resp)
			}
			v := resp.Version
			fmt.Fprintf(streams.Out, say(cmd).published,
				v.Version, short(v.Digest), v.UnitCode, v.AddedDataElements, v.AddedIndicators)
			return nil
		},
	}
	c.register(cmd)
	o.register(cmd)
	return cmd
}

// newCatalogListCmd lists the catalogue versions a node knows.
func newCatalogListCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		o outputFlags
	)
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the catalogue versions published at, above and below the node, and the one in force",
		Example: "  tonghop catalog list\n  tonghop catalog list -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &c, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListCatalogVersionsResponse, error) {
				return tonghopv1.NewCatalogServiceClient(conn).ListCatalogVersions(ctx, &tonghopv1.ListCatalogVersionsRequest{})
			}, func(resp *tonghopv1.ListCatalogVersionsResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.catalogVersions, fields: []string{"version", "unit", "digest", "extends", "in_force", "elements_added", "indicators_added", "published"}}
				for _, v := range resp.Versions {
					inForce := ""
					if v.InForce {
						inForce = ws.yes
					}
					tab.add(v.Version, v.UnitCode, short(v.Digest), short(v.Extends), inForce, fmt.Sprint(v.AddedDataElements), fmt.Sprint(v.AddedIndicators), ws.when(v.PublishedAt.AsTime()))
				}
				if o.format == "table" {
					fmt.Fprintf(streams.Out, ws.inForce, resp.InForceVersion, short(resp.InForceDigest))
				}
				return tab.write(streams.Out, o.format)
			})
		},
	}
	c.register(cmd)
	o.register(cmd)
	return cmd
}

// short is the first 12 digits of a digest, as people quote it.
func short(digest string) string { return digest[:min(12, len(digest))] }
