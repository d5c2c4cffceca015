package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/status"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func newBundleCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Carry reports by file where there is no link to the parent",
		Long: `A commune with no usable link exports its outbox to one file (a USB stick, an
e-mail attachment); any node above imports it and accepts it exactly as a
delivery over the network, and writes a receipts file; imported on the
commune, the receipts clear its outbox. A file truncated or tampered with is
refused whole; importing a file twice changes nothing.`,
		Example: `  tonghop bundle export --out 03390-2021.bundle           # on the commune
  tonghop bundle import 03390-2021.bundle --receipts-out 03390-2021.receipts   # on the district
  tonghop bundle receipts 03390-2021.receipts            # back on the commune`,
	}
	var (
		ec  clientFlags
		out string
	)
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the outbox to a bundle file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("%w: --out is required", errUsage)
			}
			conn, err := ec.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewBundleServiceClient(conn).ExportBundle(cmd.Context(), &tonghopv1.ExportBundleRequest{})
			if err != nil {
				return err
			}
			if err := writeFileAtomic(out, resp.Bundle); err != nil {
				return err
			}
			ws := say(cmd)
			fmt.Fprintf(streams.Out, ws.exported, resp.Manifest.Entries, resp.Manifest.From, out, len(resp.Bundle))
			if resp.Remaining > 0 {
				fmt.Fprintf(streams.Out, ws.moreWaiting, resp.Remaining)
			}
			return nil
		},
	}
	ec.register(export)
	export.Flags().StringVar(&out, "out", "", "the bundle file to write")

	var (
		ic          clientFlags
		receiptsOut string
	)
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Accept a bundle from a node below and write its receipts file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if receiptsOut == "" {
				return fmt.Errorf("%w: --receipts-out is required: the receipts clear the exporting node's outbox", errUsage)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			conn, err := ic.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewBundleServiceClient(conn).ImportBundle(cmd.Context(), &tonghopv1.ImportBundleRequest{Bundle: data})
			if err != nil {
				return err
			}
			counts := map[tonghopv1.DeliveryOutcome]int{}
			ws := say(cmd)
			tab := &table{header: ws.bundleImport}
			for _, r := range resp.Results {
				counts[r.Outcome]++
				reason := ""
				if r.Error != nil {
					reason = status.FromProto(r.Error).Message()
				}
				tab.add(r.Digest, ws.outcome(r.Outcome), reason)
			}
			if err := writeFileAtomic(receiptsOut, resp.Receipts); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, ws.importedBundle, resp.Manifest.From,
				counts[tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED], counts[tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_DUPLICATE], counts[tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_REJECTED])
			if err := tab.write(streams.Out, "table"); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, ws.receiptsWritten, receiptsOut, resp.Manifest.From)
			return nil
		},
	}
	ic.register(imp)
	imp.Flags().StringVar(&receiptsOut, "receipts-out", "", "the receipts file to write, for the exporting node")

	var rc clientFlags
	receipts := &cobra.Command{
		Use:   "receipts FILE",
		Short: "Clear the outbox with a receipts file from the parent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			conn, err := rc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewBundleServiceClient(conn).ImportReceipts(cmd.Context(), &tonghopv1.ImportReceiptsRequest{Receipts: data})
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).receiptsCleared,
				resp.Manifest.From, resp.Cleared, resp.AlreadyCleared, resp.Waiting)
			return nil
		},
	}
	rc.register(receipts)
	cmd.AddCommand(export, imp, receipts)
	return cmd
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so that an interrupted write never leaves half a file that
// looks like a bundle.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
