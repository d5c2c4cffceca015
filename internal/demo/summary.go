package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"text/tabwriter"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// Summary is what `demo --once --json` prints: every node, and what the
// root received and verified.
type Summary struct {
	Nodes []NodeInfo `json:"nodes"`
	Root  RootInfo   `json:"root"`
	// Indicators are the province's districts compared against the
	// province's targets, from the roll-up engine.
	Indicators []IndicatorTable `json:"indicators"`
	// Tokens are API tokens made for the province's REST and gRPC API.
	Tokens Tokens `json:"tokens"`
	// Round is the reporting round of Period, as the province counts it.
	Round RoundInfo `json:"round"`
	// Transition is the 2025 act: the map changes under the running nodes.
	Transition Transition `json:"transition"`
}

// Tokens are the demo's API tokens for the province.
type Tokens struct {
	Admin  string `json:"admin"`
	Viewer string `json:"viewer"`
	// SignIn are one-time links into the web app: the province, a district
	// and a commune, each on its own node.
	SignIn []SignInLink `json:"sign_in"`
}

// SignInLink is a one-time link that opens a browser session on a node.
type SignInLink struct {
	UnitCode string `json:"unit_code"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	URL      string `json:"url"`
}

// IndicatorTable is one indicator for every district and the province.
type IndicatorTable struct {
	Code      string         `json:"indicator"`
	Name      string         `json:"name"`
	Unit      string         `json:"unit"`
	Period    string         `json:"period"`
	Districts []IndicatorRow `json:"districts"`
	Province  IndicatorRow   `json:"province"`
}

// IndicatorRow is one unit's figure, with its target when one applies.
type IndicatorRow struct {
	UnitCode           string   `json:"unit_code"`
	Name               string   `json:"name"`
	Numerator          *float64 `json:"numerator"`
	Denominator        *float64 `json:"denominator"`
	Value              *float64 `json:"value"`
	Target             *float64 `json:"target,omitempty"`
	Difference         *float64 `json:"difference,omitempty"`
	ShareOfPlan        *float64 `json:"share_of_plan,omitempty"`
	Baseline           string   `json:"baseline_period,omitempty"`
	ChangeFromBaseline *float64 `json:"change_from_baseline,omitempty"`
	Met                *bool    `json:"met,omitempty"`
}

// demoTargets are what the province sets for every district in 2021, from
// 2020 as the baseline.
func demoTargets() []*tonghopv1.Target {
	note := "Nghị quyết Đại hội Đảng bộ tỉnh (mẫu)"
	return []*tonghopv1.Target{
		{Indicator: "ty_le_truong_thon_la_dang_vien", Level: "district", Period: Period, Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 60, BaselinePeriod: Baseline, Note: note},
		{Indicator: "ty_le_dang_vien_httnv_tro_len", Level: "district", Period: Period, Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 90, BaselinePeriod: Baseline, Note: note},
		{Indicator: "ty_le_dang_vien_nu", Level: "district", Period: Period, Direction: tonghopv1.Direction_DIRECTION_AT_LEAST, Value: 30, BaselinePeriod: Baseline, Note: note},
	}
}

// indicators sets the province's targets and compares its districts.
func (h *hierarchyRun) indicators(ctx context.Context) ([]IndicatorTable, error) {
	prov := h.nodes[0]
	targets := tonghopv1.NewTargetServiceClient(prov.admin)
	rollups := tonghopv1.NewRollupServiceClient(prov.admin)
	cat := tonghopv1.NewCatalogServiceClient(prov.admin)
	var out []IndicatorTable
	for _, t := range demoTargets() {
		if _, err := targets.SetTarget(ctx, &tonghopv1.SetTargetRequest{Target: t}); err != nil {
			return nil, fmt.Errorf("target %s: %w", t.Indicator, err)
		}
		ind, err := cat.GetIndicator(ctx, &tonghopv1.GetIndicatorRequest{Code: t.Indicator})
		if err != nil {
			return nil, err
		}
		cmp, err := rollups.CompareIndicator(ctx, &tonghopv1.CompareIndicatorRequest{UnitCode: Province, Indicator: t.Indicator, Period: Period})
		if err != nil {
			return nil, err
		}
		tab := IndicatorTable{Code: t.Indicator, Name: ind.Indicator.Name, Unit: ind.Indicator.Unit, Period: Period, Province: indicatorRow(cmp.Parent)}
		for _, r := range cmp.Rows {
			tab.Districts = append(tab.Districts, indicatorRow(r))
		}
		out = append(out, tab)
	}
	return out, nil
}

func indicatorRow(v *tonghopv1.IndicatorValue) IndicatorRow {
	r := IndicatorRow{UnitCode: v.UnitCode, Name: v.UnitName, Numerator: v.Numerator, Denominator: v.Denominator, Value: v.Value}
	if a := v.Achievement; a != nil {
		target, diff, share, met := a.Target.Value, a.Difference, a.ShareOfPlan, a.Met
		r.Target, r.Difference, r.ShareOfPlan, r.Met = &target, &diff, &share, &met
		r.Baseline, r.ChangeFromBaseline = a.Target.BaselinePeriod, a.ChangeFromBaseline
	}
	return r
}

// NodeInfo describes one node of the demo.
type NodeInfo struct {
	UnitCode    string `json:"unit_code"`
	Name        string `json:"name"`
	Level       string `json:"level"`
	Parent      string `json:"parent_code,omitempty"`
	GRPC        string `json:"grpc_address"`
	HTTP        string `json:"http_address"`
	Peer        string `json:"peer_address"`
	Certificate string `json:"certificate_fingerprint"`
}

// RootInfo is what the root holds.
type RootInfo struct {
	UnitCode        string           `json:"unit_code"`
	RootFingerprint string           `json:"root_certificate_fingerprint"`
	Received        int              `json:"received"`
	Verified        int              `json:"verified"`
	Rejected        int              `json:"rejected"`
	Submissions     []SubmissionInfo `json:"submissions"`
}

// SubmissionInfo is one report the root holds.
type SubmissionInfo struct {
	UnitCode string `json:"unit_code"`
	Name     string `json:"name"`
	DataSet  string `json:"data_set"`
	Period   string `json:"period"`
	Revision uint64 `json:"revision"`
	Values   int    `json:"values"`
	Members  string `json:"members"`
	Signer   string `json:"signer"`
	Digest   string `json:"digest"`
	Verified bool   `json:"verified"`
	Error    string `json:"error,omitempty"`
}

// summarise waits for every report to reach the province, then verifies
// each one there with nothing but the province's root certificate.
func (h *hierarchyRun) summarise(ctx context.Context) (Summary, error) {
	prov := h.nodes[0]
	subs := tonghopv1.NewSubmissionServiceClient(prov.admin)
	want := 2 * (len(h.nodes) - 1) // the baseline year and the report year
	var held []*tonghopv1.Submission
	err := h.waitFor(ctx, fmt.Sprintf("the province to hold all %d reports", want), func() (bool, error) {
		resp, err := subs.ListSubmissions(ctx, &tonghopv1.ListSubmissionsRequest{UnitCode: Province, IncludeSubtree: true, PageSize: 1000})
		if err != nil {
			return false, err
		}
		held = resp.Submissions
		return len(held) >= want, nil
	})
	if err != nil {
		return Summary{}, err
	}

	root := prov.node.Identity().Root()
	s := Summary{Root: RootInfo{UnitCode: Province, RootFingerprint: trust.Fingerprint(root)}}
	for _, r := range h.nodes {
		ni := NodeInfo{
			UnitCode: r.unit.Code, Name: r.unit.Name, Level: r.unit.Level, Parent: r.unit.Parent,
			GRPC: r.node.GRPCAddr(), HTTP: r.node.HTTPAddr(), Peer: r.node.PeerAddr(),
			Certificate: trust.Fingerprint(r.node.Identity().Leaf()),
		}
		s.Nodes = append(s.Nodes, ni)
	}
	for _, sub := range held {
		got, err := subs.GetSubmission(ctx, &tonghopv1.GetSubmissionRequest{Digest: sub.Digest})
		if err != nil {
			return Summary{}, err
		}
		u, _ := h.tree.Unit(sub.UnitCode)
		info := SubmissionInfo{
			UnitCode: sub.UnitCode, Name: u.Name, DataSet: sub.DataSet, Period: sub.Period, Revision: sub.Revision,
			Values: int(sub.ValueCount), Signer: sub.Signer, Digest: sub.Digest,
		}
		for _, v := range got.Values {
			if v.DataElement == "dang_vien" && v.Option == "" {
				info.Members = v.Value
			}
		}
		// End to end: the envelope as the province stores it, checked
		// against the root certificate alone.
		if _, err := submission.VerifyOffline(got.Envelope, root, h.clock.Now()); err != nil {
			info.Error = err.Error()
			s.Root.Rejected++
		} else {
			info.Verified = true
			s.Root.Verified++
		}
		s.Root.Received++
		s.Root.Submissions = append(s.Root.Submissions, info)
	}
	if s.Indicators, err = h.indicators(ctx); err != nil {
		return Summary{}, err
	}
	acc := tonghopv1.NewAccessServiceClient(prov.admin)
	for _, t := range []struct {
		role tonghopv1.Role
		name string
		into *string
	}{
		{tonghopv1.Role_ROLE_ADMIN, "quản trị tỉnh (demo)", &s.Tokens.Admin},
		{tonghopv1.Role_ROLE_VIEWER, "chuyên viên xem báo cáo (demo)", &s.Tokens.Viewer},
	} {
		resp, err := acc.CreateToken(ctx, &tonghopv1.CreateTokenRequest{Name: t.name, Role: t.role, UnitCode: Province})
		if err != nil {
			return Summary{}, fmt.Errorf("demo token: %w", err)
		}
		*t.into = resp.Secret
	}
	return s, nil
}

// signInLinks makes the one-time links into the web app: the province, a
// district and a commune, each on its own node. They are made last, once
// the 2025 act has moved the clock and retired Huyện Tam Đường's nodes, so
// that each link is valid on its node's clock and its node still serves.
func (h *hierarchyRun) signInLinks(ctx context.Context) ([]SignInLink, error) {
	var links []SignInLink
	for _, u := range []struct {
		code string
		role tonghopv1.Role
	}{{Province, tonghopv1.Role_ROLE_ADMIN}, {"105", tonghopv1.Role_ROLE_APPROVER}, {"03386", tonghopv1.Role_ROLE_APPROVER}} {
		r := h.node(u.code)
		resp, err := tonghopv1.NewAccessServiceClient(r.admin).CreateToken(ctx, &tonghopv1.CreateTokenRequest{
			Name: "Văn phòng " + r.unit.Name + " (demo)", Role: u.role, UnitCode: r.unit.Code, SignInLink: true,
		})
		if err != nil {
			return nil, fmt.Errorf("demo sign-in link: %w", err)
		}
		links = append(links, SignInLink{
			UnitCode: r.unit.Code, Name: r.unit.Name, Role: strings.ToLower(strings.TrimPrefix(u.role.String(), "ROLE_")),
			URL: "http://" + r.node.HTTPAddr() + "/#dang-nhap=" + resp.Secret,
		})
	}
	return links, nil
}

func report(o Options, s Summary) error {
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := o.Out
	prov := s.Nodes[0]
	fmt.Fprintf(w, "tonghop demo: %d nodes of Tỉnh Lai Châu running on loopback, each with its own store, key and certificate.\n\n", len(s.Nodes))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ĐƠN VỊ\tCẤP\tgRPC\tREST\tPEER (mTLS)")
	for _, n := range s.Nodes {
		indent := map[string]string{"province": "", "district": "  ", "commune": "    "}[n.Level]
		fmt.Fprintf(tw, "%s%s %s\t%s\t%s\t%s\t%s\n", indent, n.UnitCode, n.Name, n.Level, n.GRPC, n.HTTP, n.Peer)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nEach district and commune signed its %s report for %s; the reports travelled up through their parents.\n", DataSet, Period)
	fmt.Fprintf(w, "The province holds %d and verified each against its root certificate alone (%s…):\n\n", s.Root.Received, s.Root.RootFingerprint[:16])
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ĐƠN VỊ\tKỲ\tLẦN\tĐẢNG VIÊN\tKÝ BỞI\tXÁC THỰC")
	for _, sub := range s.Root.Submissions {
		ok := "✓ hợp lệ"
		if !sub.Verified {
			ok = "✗ " + sub.Error
		}
		members := sub.Members
		if n, err := parseInt(members); err == nil {
			members = numfmt.Vietnamese().Int(n)
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%d\t%s\t%s\t%s\n", sub.UnitCode, sub.Name, sub.Period, sub.Revision, members, strings.ReplaceAll(sub.Signer, "/", " › "), ok)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nReceived %d, verified %d, rejected %d.\n", s.Root.Received, s.Root.Verified, s.Root.Rejected)
	printRound(w, s.Round, func(code string) string {
		for _, n := range s.Nodes {
			if n.UnitCode == code {
				return n.Name
			}
		}
		return code
	})
	printIndicators(w, s.Indicators)
	printTransition(w, s.Transition)
	if o.Once {
		return nil
	}
	base := "http://" + prov.HTTP
	fmt.Fprintf(w, "\nThe web app, in a browser: one-time sign-in links (each opens one session, for a day):\n")
	for _, l := range s.Tokens.SignIn {
		fmt.Fprintf(w, "  %s %s (%s): %s\n", l.UnitCode, l.Name, l.Role, l.URL)
	}
	fmt.Fprintf(w, "\nAPI tokens for the province (shown once): an admin and a viewer.\n")
	fmt.Fprintf(w, "  export TONGHOP_TOKEN=%s\n", s.Tokens.Admin)
	fmt.Fprintf(w, "  export VIEWER=%s\n", s.Tokens.Viewer)
	fmt.Fprintf(w, "\nTry it (Ctrl-C stops every node):\n")
	auth := `-H "Authorization: Bearer $VIEWER"`
	fmt.Fprintf(w, "  curl %s %s/v1/node\n", auth, base)
	fmt.Fprintf(w, "  curl %s '%s/v1/submissions?unit_code=12&include_subtree=true'\n", auth, base)
	fmt.Fprintf(w, "  curl %s %s/v1/children\n", auth, base)
	fmt.Fprintf(w, "  curl %s '%s/v1/units/12/indicators/ty_le_truong_thon_la_dang_vien:compare?period=2021'\n", auth, base)
	if len(s.Root.Submissions) > 0 {
		fmt.Fprintf(w, "  curl %s %s/v1/submissions/%s\n", auth, base, s.Root.Submissions[0].Digest)
	}
	fmt.Fprintf(w, "  curl -i %s/v1/node            # no token: 401\n", base)
	fmt.Fprintf(w, "  grpcurl -plaintext %s list\n", prov.GRPC)
	fmt.Fprintf(w, "  tonghop query --addr %s --unit 12 --indicator ty_le_dang_vien_nu --period 2021 --compare\n", prov.GRPC)
	return nil
}

func parseInt(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}

// printIndicators writes the province's indicator tables for people, in
// Vietnamese number style.
func printIndicators(w io.Writer, tables []IndicatorTable) {
	vi := numfmt.Vietnamese()
	num := func(f *float64, decimals int) string {
		if f == nil {
			return "–"
		}
		r := new(big.Rat)
		r.SetFloat64(*f)
		return vi.Rat(r, decimals)
	}
	for _, t := range tables {
		fmt.Fprintf(w, "\n%s, %s (%s)\n", t.Name, t.Period, t.Code)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ĐƠN VỊ\tTỬ SỐ\tMẪU SỐ\tGIÁ TRỊ\tMỤC TIÊU\tSO VỚI MỤC TIÊU\t% KẾ HOẠCH\tSO VỚI "+Baseline+"\tĐẠT")
		missing := 0
		for _, r := range append(t.Districts, t.Province) {
			if r.Value == nil && r.Numerator == nil {
				missing++
				continue
			}
			name := r.UnitCode + " " + r.Name
			if r.UnitCode == Province {
				name = "Σ " + name
			}
			target, met := "–", "–"
			if r.Target != nil {
				target = "≥ " + num(r.Target, 0) + t.Unit
				met = map[bool]string{true: "đạt", false: "chưa đạt"}[*r.Met]
			}
			value := num(r.Value, 2)
			if r.Value != nil {
				value += t.Unit
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, num(r.Numerator, 0), num(r.Denominator, 0),
				value, target, signed(num(r.Difference, 2)), num(r.ShareOfPlan, 1), signed(num(r.ChangeFromBaseline, 2)), met)
		}
		tw.Flush()
		if missing > 0 {
			fmt.Fprintf(w, "(%d other districts of the province run no node in this demo: no data, shown as missing, not as zero)\n", missing)
		}
	}
}

func signed(s string) string {
	if s != "–" && !strings.HasPrefix(s, "-") && s != "0,00" {
		return "+" + s
	}
	return s
}
