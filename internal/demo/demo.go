// Package demo runs tonghop for a newcomer: a real node on loopback with its
// own bbolt file, real unit codes (Lai Châu province, 2024 boundaries),
// sample statistics of Huyện Tam Đường entered through the public API, and
// REST left serving so the printed curl lines work.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/node"
	"github.com/tonghop/tonghop/internal/numfmt"
)

// laiChau is Tỉnh Lai Châu with its districts and communes, as in the
// official list of 2024 (before the 2025 reorganisation).
//
//go:embed lai-chau-2024.csv
var laiChau []byte

// Unit is the unit whose node the demo runs: Huyện Tam Đường.
const Unit = "106"

// DataSet and Period are what the sample statistics are entered for.
const (
	DataSet = "tong_ket_nam"
	Period  = "2021"
)

// Options configure a demo run.
type Options struct {
	// DataDir holds the node's files; empty means a temporary directory
	// removed at the end.
	DataDir    string
	GRPCListen string
	HTTPListen string
	// Once stops after printing instead of serving until ctx ends.
	Once bool
	// JSON prints one JSON object describing the run instead of text.
	JSON   bool
	Out    io.Writer
	Logger *zap.Logger
}

// sample is the 2021 figures of Huyện Tam Đường as its report gives them,
// with the report's own inconsistency resolved (female 884, so male 1.791):
// a demo shows a report that adds up.
func sample() []*tonghopv1.DataValue {
	v := func(element, option string, n int) *tonghopv1.DataValue {
		return &tonghopv1.DataValue{DataElement: element, Option: option, Value: strconv.Itoa(n)}
	}
	return []*tonghopv1.DataValue{
		v("to_chuc_co_so_dang", "", 51),
		v("to_chuc_co_so_dang", "dang_bo_co_so", 16),
		v("to_chuc_co_so_dang", "chi_bo_co_so", 35),
		v("chi_bo_truc_thuoc", "", 209),
		v("thon_to_dan_pho", "", 126),
		v("thon_to_dan_pho_co_chi_bo", "", 126),
		v("truong_thon_la_dang_vien", "", 68),
		v("bi_thu_kiem_truong_thon", "", 15),
		v("dang_vien", "", 2675),
		v("dang_vien", "nam", 1791),
		v("dang_vien", "nu", 884),
		v("dang_vien", "chinh_thuc", 2572),
		v("dang_vien", "du_bi", 103),
		v("dang_vien", "dan_toc_thieu_so", 1398),
		v("dang_vien", "dan_toc_kinh", 1277),
		v("dang_vien_xep_loai", "", 2474),
		v("dang_vien_xep_loai", "htxsnv", 303),
		v("dang_vien_xep_loai", "httnv", 2034),
		v("dang_vien_xep_loai", "htnv", 116),
		v("dang_vien_xep_loai", "khtnv", 21),
	}
}

// Summary is what `demo --json` prints.
type Summary struct {
	Node struct {
		UnitCode string `json:"unit_code"`
		Name     string `json:"name"`
		Level    string `json:"level"`
		GRPC     string `json:"grpc_address"`
		HTTP     string `json:"http_address"`
		DataDir  string `json:"data_dir"`
	} `json:"node"`
	DataSet  string            `json:"data_set"`
	Period   string            `json:"period"`
	Values   map[string]string `json:"values"`
	Sections []string          `json:"sections"`
}

// Run runs the demo until ctx ends (or at once with Options.Once).
func Run(ctx context.Context, o Options) error {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "tonghop-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.DataDir = dir
	}
	units, err := hierarchy.ReadCSV(bytes.NewReader(laiChau))
	if err != nil {
		return fmt.Errorf("demo units: %w", err)
	}
	if _, err := node.Init(o.DataDir, Unit, units, true, node.Options{Logger: o.Logger}); err != nil {
		return err
	}
	cfg := config.Default()
	cfg.DataDir, cfg.Unit = o.DataDir, Unit
	if o.GRPCListen != "" {
		cfg.GRPCListen = o.GRPCListen
	}
	if o.HTTPListen != "" {
		cfg.HTTPListen = o.HTTPListen
	}
	n, err := node.New(cfg, node.Options{Logger: o.Logger})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()

	summary, err := enter(ctx, n)
	if err == nil {
		summary.Node.DataDir = o.DataDir
		err = report(o, n, summary)
	}
	if err != nil || o.Once {
		stop()
		if runErr := <-done; err == nil {
			err = runErr
		}
		return err
	}
	return <-done
}

// enter writes the sample through the node's own gRPC API, as any client would.
func enter(ctx context.Context, n *node.Node) (*Summary, error) {
	conn, err := grpc.NewClient(n.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	data := tonghopv1.NewDataServiceClient(conn)
	if _, err := data.PutValues(ctx, &tonghopv1.PutValuesRequest{
		UnitCode: Unit, DataSet: DataSet, Period: Period, Values: sample(),
	}); err != nil {
		return nil, fmt.Errorf("entering sample values: %w", err)
	}
	for code, text := range map[string]string{
		"II.1":  "Công tác xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên được cấp ủy từ huyện đến cơ sở quan tâm triển khai thực hiện đồng bộ, kịp thời, đúng quy định.",
		"III.1": "Hằng năm, trên 90% tổ chức cơ sở đảng, đảng viên hoàn thành tốt nhiệm vụ trở lên, kết nạp từ 70 đảng viên trở lên.",
	} {
		if _, err := data.PutSection(ctx, &tonghopv1.PutSectionRequest{
			UnitCode: Unit, DataSet: DataSet, Period: Period, Section: code,
			Content: &tonghopv1.SectionContent{Text: text},
		}); err != nil {
			return nil, fmt.Errorf("entering section %s: %w", code, err)
		}
	}
	got, err := data.GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: Unit, DataSet: DataSet, Period: Period})
	if err != nil {
		return nil, err
	}
	secs, err := data.ListSections(ctx, &tonghopv1.ListSectionsRequest{UnitCode: Unit, DataSet: DataSet, Period: Period})
	if err != nil {
		return nil, err
	}
	s := &Summary{DataSet: DataSet, Period: Period, Values: map[string]string{}}
	u := n.Unit()
	s.Node.UnitCode, s.Node.Name, s.Node.Level = u.Code, u.Name, u.Level
	s.Node.GRPC, s.Node.HTTP = n.GRPCAddr(), n.HTTPAddr()
	for _, v := range got.Values {
		key := v.DataElement
		if v.Option != "" {
			key += "." + v.Option
		}
		s.Values[key] = v.Value
	}
	for _, sec := range secs.Sections {
		s.Sections = append(s.Sections, sec.Section)
	}
	return s, nil
}

func report(o Options, n *node.Node, s *Summary) error {
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := o.Out
	fmt.Fprintf(w, "tonghop demo: the node of %s (%s, %s) is running.\n", s.Node.Name, s.Node.UnitCode, s.Node.Level)
	fmt.Fprintf(w, "  gRPC %s   REST %s   data %s\n\n", s.Node.GRPC, s.Node.HTTP, s.Node.DataDir)
	fmt.Fprintf(w, "Sample statistics entered for %s, period %s:\n\n", s.DataSet, s.Period)
	cat := catalog.Default()
	fmt.Fprintf(w, "%9s  %s\n", "GIÁ TRỊ", "CHỈ TIÊU")
	for _, v := range sample() {
		key := v.DataElement
		de, _ := cat.Element(v.DataElement)
		name := de.Name
		if v.Option != "" {
			key += "." + v.Option
			_, opt, _ := cat.Option(v.DataElement, v.Option)
			name = "  trong đó: " + opt.Name
		}
		num, _ := strconv.ParseInt(s.Values[key], 10, 64)
		fmt.Fprintf(w, "%9s  %s\n", numfmt.Vietnamese().Int(num), name)
	}
	fmt.Fprintf(w, "\nNarrative sections written: %v\n", s.Sections)
	if o.Once {
		return nil
	}
	base := "http://" + s.Node.HTTP
	fmt.Fprintf(w, "\nTry it (Ctrl-C stops the node):\n")
	fmt.Fprintf(w, "  curl %s/v1/node\n", base)
	fmt.Fprintf(w, "  curl %s/v1/units/%s/data-sets/%s/periods/%s/values\n", base, Unit, DataSet, Period)
	fmt.Fprintf(w, "  curl -X PATCH %s/v1/units/%s/data-sets/%s/periods/%s/values -d '[{\"data_element\":\"dang_vien\",\"value\":\"-3\"}]'\n", base, Unit, DataSet, Period)
	fmt.Fprintf(w, "  grpcurl -plaintext %s list\n", s.Node.GRPC)
	return nil
}
