package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
)

func newTokensCmd(streams IO) *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Make, list and revoke API tokens for administrators and scripts"}
	var (
		cc               clientFlags
		name, role, unit string
		days             int32
		link             bool
		webURL           string
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Make a token bound to a role and a subtree; its secret is printed once",
		Example: `  tonghop tokens create --name "Chuyên viên Ban Tổ chức Huyện ủy" --role viewer --unit 106
  export TONGHOP_TOKEN=$(tonghop tokens create --name "script nhập liệu" --role editor --unit 03390)
  tonghop tokens create --sign-in-link --name "Văn phòng Đảng ủy Thị trấn Tam Đường" --role approver --unit 03390 --url http://03390.example:7401`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := access.ParseRole(role)
			if err != nil {
				return fmt.Errorf("%w: --role: %v", errUsage, err)
			}
			conn, err := cc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			resp, err := tonghopv1.NewAccessServiceClient(conn).CreateToken(cmd.Context(), &tonghopv1.CreateTokenRequest{
				Name: name, Role: tonghopv1.Role(r), UnitCode: unit, ValidDays: days, SignInLink: link,
			})
			if err != nil {
				return err
			}
			if link {
				// The secret goes in the fragment, which the browser never
				// sends to a server, so no log holds it.
				fmt.Fprintln(streams.Out, strings.TrimRight(webURL, "/")+"/#dang-nhap="+resp.Secret)
				ws := say(cmd)
				fmt.Fprintf(streams.Err, ws.signInLink, resp.Token.Id, ws.role(tonghopv1.Role(r)), unit, ws.when(resp.Token.ExpiresAt.AsTime()))
				return nil
			}
			fmt.Fprintln(streams.Out, resp.Secret)
			fmt.Fprintf(streams.Err, say(cmd).tokenMade, resp.Token.Id, say(cmd).role(tonghopv1.Role(r)), unit)
			return nil
		},
	}
	cc.register(create)
	create.Flags().StringVar(&name, "name", "", "who or what uses the token")
	create.Flags().StringVar(&role, "role", "viewer", "viewer, editor, approver or admin")
	create.Flags().StringVar(&unit, "unit", "", "root of the subtree the token may act on")
	create.Flags().Int32Var(&days, "valid-days", 0, "days until it expires (0: never; a sign-in link: one day)")
	create.Flags().BoolVar(&link, "sign-in-link", false, "make a one-time sign-in link for the web app instead of an API token")
	create.Flags().StringVar(&webURL, "url", "http://127.0.0.1:7401", "with --sign-in-link: the node's web address (its http_listen, or the proxy in front)")

	var (
		lc clientFlags
		lo outputFlags
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tokens of the caller's subtree",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &lc, &lo, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListTokensResponse, error) {
				return tonghopv1.NewAccessServiceClient(conn).ListTokens(ctx, &tonghopv1.ListTokensRequest{})
			}, func(resp *tonghopv1.ListTokensResponse) error {
				ws := say(cmd)
				tab := &table{header: ws.tokens, fields: []string{"id", "role", "unit", "state", "created", "name"}}
				for _, t := range resp.Tokens {
					state := ws.tokenValid
					switch {
					case t.RevokedAt != nil:
						state = ws.tokenRevoked
					case t.ExpiresAt != nil:
						state = ws.tokenUntil + day(t.ExpiresAt.AsTime())
					}
					role := ws.role(t.Role)
					if lo.format == "csv" {
						role = strings.ToLower(strings.TrimPrefix(t.Role.String(), "ROLE_"))
					}
					tab.add(t.Id, role, t.UnitCode, state, day(t.CreatedAt.AsTime()), t.Name)
				}
				return tab.write(streams.Out, lo.format)
			})
		},
	}
	lc.register(list)
	lo.register(list)

	var rc clientFlags
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			conn, err := rc.dial()
			if err != nil {
				return err
			}
			defer conn.Close()
			if _, err := tonghopv1.NewAccessServiceClient(conn).RevokeToken(cmd.Context(), &tonghopv1.RevokeTokenRequest{Id: args[0]}); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, say(cmd).revokedToken, args[0])
			return nil
		},
	}
	rc.register(revoke)
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func newAuditCmd(streams IO) *cobra.Command {
	var (
		c clientFlags
		o outputFlags
		n int32
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log: every write and every refusal, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return answer(cmd, &c, &o, streams.Out, func(ctx context.Context, conn *grpc.ClientConn) (*tonghopv1.ListAuditResponse, error) {
				return tonghopv1.NewAccessServiceClient(conn).ListAudit(ctx, &tonghopv1.ListAuditRequest{PageSize: n})
			}, func(resp *tonghopv1.ListAuditResponse) error {
				ws := say(cmd)
				// Problems with the log itself come first, and on the error
				// stream: records missing from an audit log are never hidden.
				for _, p := range resp.Problems {
					fmt.Fprintf(streams.Err, ws.auditProblem, p)
				}
				tab := &table{header: ws.audit, fields: []string{"time", "code", "method", "units", "caller", "detail"}}
				for _, e := range resp.Entries {
					tab.add(ws.when(e.Time.AsTime()), e.Code, e.Method, strings.Join(e.UnitCodes, ","), e.Caller, e.Detail)
				}
				return tab.write(streams.Out, o.format)
			})
		},
	}
	c.register(cmd)
	o.register(cmd)
	cmd.Flags().Int32VarP(&n, "number", "n", 50, "how many entries")
	return cmd
}
