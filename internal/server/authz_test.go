package server

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/store"
)

// expected is what each RPC needs, written here independently of the
// table in authz.go: the least role (0 for public), and whether it acts on
// units (so that a token for another subtree is refused).
var expected = map[string]struct {
	role   access.Role
	scoped bool
}{
	"/tonghop.v1.NodeService/GetNode":                                {access.Viewer, false},
	"/tonghop.v1.CatalogService/GetCatalog":                          {access.Viewer, false},
	"/tonghop.v1.CatalogService/ListDataElements":                    {access.Viewer, false},
	"/tonghop.v1.CatalogService/GetDataElement":                      {access.Viewer, false},
	"/tonghop.v1.CatalogService/ListBreakdowns":                      {access.Viewer, false},
	"/tonghop.v1.CatalogService/ListDataSets":                        {access.Viewer, false},
	"/tonghop.v1.CatalogService/GetDataSet":                          {access.Viewer, false},
	"/tonghop.v1.CatalogService/ListIndicators":                      {access.Viewer, false},
	"/tonghop.v1.CatalogService/GetIndicator":                        {access.Viewer, false},
	"/tonghop.v1.CatalogService/ListValidationRules":                 {access.Viewer, false},
	"/tonghop.v1.CatalogService/ListCatalogVersions":                 {access.Viewer, false},
	"/tonghop.v1.CatalogService/PublishCatalog":                      {access.Admin, true},
	"/tonghop.v1.HierarchyService/ListLevels":                        {access.Viewer, false},
	"/tonghop.v1.HierarchyService/ListUnits":                         {access.Viewer, true},
	"/tonghop.v1.HierarchyService/GetUnit":                           {access.Viewer, true},
	"/tonghop.v1.HierarchyService/ListMapChanges":                    {access.Viewer, false},
	"/tonghop.v1.HierarchyService/ListMapEvents":                     {access.Viewer, false},
	"/tonghop.v1.HierarchyService/DeclareSplitWeights":               {access.Admin, true},
	"/tonghop.v1.HierarchyService/ListSplitWeights":                  {access.Viewer, false},
	"/tonghop.v1.DataService/PutValues":                              {access.Editor, true},
	"/tonghop.v1.DataService/GetValues":                              {access.Viewer, true},
	"/tonghop.v1.DataService/DeleteValue":                            {access.Editor, true},
	"/tonghop.v1.DataService/PutSection":                             {access.Editor, true},
	"/tonghop.v1.DataService/ListSections":                           {access.Viewer, true},
	"/tonghop.v1.DataService/DeleteSection":                          {access.Editor, true},
	"/tonghop.v1.SubmissionService/Submit":                           {access.Approver, true},
	"/tonghop.v1.SubmissionService/SubmitOnBehalf":                   {access.Approver, true},
	"/tonghop.v1.SubmissionService/SubmitSheetOnBehalf":              {access.Approver, true},
	"/tonghop.v1.SubmissionService/ListSubmissions":                  {access.Viewer, true},
	"/tonghop.v1.SubmissionService/GetSubmission":                    {access.Viewer, true},
	"/tonghop.v1.SubmissionService/ListOutbox":                       {access.Viewer, true},
	"/tonghop.v1.SubmissionService/RequeueSubmission":                {access.Approver, true},
	"/tonghop.v1.ChildrenService/CreateEnrollmentToken":              {access.Admin, true},
	"/tonghop.v1.ChildrenService/CreateEnrollmentTokens":             {access.Admin, true},
	"/tonghop.v1.ChildrenService/ListChildren":                       {access.Viewer, true},
	"/tonghop.v1.ChildrenService/RevokeChild":                        {access.Admin, true},
	"/tonghop.v1.BundleService/ExportBundle":                         {access.Approver, true},
	"/tonghop.v1.BundleService/ImportBundle":                         {access.Approver, true},
	"/tonghop.v1.BundleService/ImportReceipts":                       {access.Approver, true},
	"/tonghop.v1.RollupService/GetIndicatorValue":                    {access.Viewer, true},
	"/tonghop.v1.RollupService/CompareIndicator":                     {access.Viewer, true},
	"/tonghop.v1.RollupService/GetIndicatorSeries":                   {access.Viewer, true},
	"/tonghop.v1.DocumentService/GetReport":                          {access.Viewer, true},
	"/tonghop.v1.DocumentService/ExportTable":                        {access.Viewer, true},
	"/tonghop.v1.DocumentService/ImportSpreadsheet":                  {access.Editor, true},
	"/tonghop.v1.DocumentService/ImportDataValueSet":                 {access.Editor, true},
	"/tonghop.v1.DocumentService/ExportDataValueSet":                 {access.Viewer, true},
	"/tonghop.v1.TargetService/SetTarget":                            {access.Admin, true},
	"/tonghop.v1.TargetService/ListTargets":                          {access.Viewer, true},
	"/tonghop.v1.TargetService/DeleteTarget":                         {access.Admin, true},
	"/tonghop.v1.ReportingService/OpenRound":                         {access.Approver, true},
	"/tonghop.v1.ReportingService/ListRounds":                        {access.Viewer, false},
	"/tonghop.v1.ReportingService/ListDue":                           {access.Viewer, true},
	"/tonghop.v1.ReportingService/GetCompleteness":                   {access.Viewer, true},
	"/tonghop.v1.ReportingService/ValidateReport":                    {access.Viewer, true},
	"/tonghop.v1.ReportingService/AcceptReport":                      {access.Approver, true},
	"/tonghop.v1.ReportingService/ReturnReport":                      {access.Approver, true},
	"/tonghop.v1.ReportingService/ReopenReport":                      {access.Approver, true},
	"/tonghop.v1.ReportingService/ListReviewEvents":                  {access.Viewer, true},
	"/tonghop.v1.AccessService/CreateToken":                          {access.Admin, true},
	"/tonghop.v1.AccessService/ListTokens":                           {access.Admin, false},
	"/tonghop.v1.AccessService/RevokeToken":                          {access.Admin, true},
	"/tonghop.v1.AccessService/ListAudit":                            {access.Admin, true},
	"/tonghop.v1.AccessService/GetCaller":                            {access.Viewer, false},
	"/grpc.health.v1.Health/Check":                                   {0, false},
	"/grpc.health.v1.Health/List":                                    {0, false},
	"/grpc.health.v1.Health/Watch":                                   {0, false},
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {0, false},
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {0, false},
}

// wholeNode are the RPCs that concern the node as a whole (or, with the
// fixture's requests, name no real submission or token): only a token for
// the node's whole subtree may call them.
var wholeNode = map[string]bool{
	"/tonghop.v1.SubmissionService/ListOutbox":           true,
	"/tonghop.v1.SubmissionService/GetSubmission":        true,
	"/tonghop.v1.SubmissionService/RequeueSubmission":    true,
	"/tonghop.v1.ChildrenService/CreateEnrollmentToken":  true,
	"/tonghop.v1.ChildrenService/CreateEnrollmentTokens": true,
	"/tonghop.v1.ChildrenService/ListChildren":           true,
	"/tonghop.v1.ChildrenService/RevokeChild":            true,
	"/tonghop.v1.BundleService/ExportBundle":             true,
	"/tonghop.v1.DocumentService/ImportDataValueSet":     true,
	"/tonghop.v1.BundleService/ImportBundle":             true,
	"/tonghop.v1.BundleService/ImportReceipts":           true,
	"/tonghop.v1.TargetService/DeleteTarget":             true,
	"/tonghop.v1.AccessService/RevokeToken":              true,
	"/tonghop.v1.AccessService/ListAudit":                true,
	"/tonghop.v1.ReportingService/AcceptReport":          true,
	"/tonghop.v1.ReportingService/ReturnReport":          true,
	"/tonghop.v1.ReportingService/ReopenReport":          true,
	"/tonghop.v1.HierarchyService/DeclareSplitWeights":   true,
	"/tonghop.v1.CatalogService/PublishCatalog":          true,
}

type authzFixture struct {
	authz  *Authz
	tokens map[string]string // role/scope → secret
	log    *audit.Log
}

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	units := []hierarchy.Unit{
		{Code: "12", Name: "Tỉnh Lai Châu", Level: "province"},
		{Code: "105", Name: "Thành phố Lai Châu", Level: "district", Parent: "12"},
		{Code: "106", Name: "Huyện Tam Đường", Level: "district", Parent: "12"},
		{Code: "03390", Name: "Thị trấn Tam Đường", Level: "commune", Parent: "106"},
		{Code: "03394", Name: "Xã Thèn Sin", Level: "commune", Parent: "106"},
	}
	if err := st.Initialise("106", units); err != nil {
		t.Fatal(err)
	}
	tree, _ := hierarchy.NewTree(units)
	l, err := audit.Open(filepath.Join(dir, audit.FileName), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tokens := &access.Tokens{Store: st, Now: time.Now}
	f := &authzFixture{authz: NewAuthz(Authz{Tokens: tokens, Store: st, Audit: l, Tree: tree, Self: "106", Logger: zaptest.NewLogger(t)}), tokens: map[string]string{}, log: l}
	for role := access.Viewer; role <= access.Admin; role++ {
		for _, scope := range []string{"106", "03390"} {
			_, secret, err := tokens.Create("thử "+role.String(), role, scope, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.tokens[role.String()+"/"+scope] = secret
		}
	}
	return f
}

// request builds the method's request naming unit wherever it names one.
func request(t *testing.T, method, unit string) proto.Message {
	t.Helper()
	parts := strings.Split(strings.TrimPrefix(method, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(parts[0]))
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(parts[1]))
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	m := mt.New()
	set := func(msg protoreflect.Message, name protoreflect.Name) {
		if f := msg.Descriptor().Fields().ByName(name); f != nil && f.Kind() == protoreflect.StringKind {
			msg.Set(f, protoreflect.ValueOfString(unit))
		}
	}
	for _, name := range []protoreflect.Name{"unit_code", "parent_code"} {
		set(m, name)
	}
	if method == tonghopv1.HierarchyService_GetUnit_FullMethodName {
		set(m, "code")
	}
	if method == tonghopv1.TargetService_SetTarget_FullMethodName {
		m.Interface().(*tonghopv1.SetTargetRequest).Target = &tonghopv1.Target{UnitCode: unit}
	}
	return m.Interface()
}

type authzCase struct {
	name    string
	token   string
	role    access.Role
	unit    string // the unit the request names
	inScope bool
}

// TestAuthorisationTable runs every RPC of every registered service, for
// every role, with a token for the node's subtree and with one for a single
// commune, and for no token, through the interceptor; the handler stands in
// as OK, so the status is the authorisation decision alone.
func TestAuthorisationTable(t *testing.T) {
	f := newAuthzFixture(t)
	srv := grpc.NewServer()
	Register(srv, Deps{Catalog: catalog.Default(), Tree: f.authz.Tree})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	reflection.Register(srv)
	var methods []string
	for svc, info := range srv.GetServiceInfo() {
		for _, m := range info.Methods {
			methods = append(methods, "/"+svc+"/"+m.Name)
		}
	}
	sort.Strings(methods)
	for _, m := range methods {
		if _, ok := expected[m]; !ok {
			t.Errorf("%s has no expected access in this test: add it here and to the table in authz.go", m)
		}
		if _, ok := f.authz.Rules()[m]; !ok {
			t.Errorf("%s has no rule in authz.go: every call to it would be refused", m)
		}
	}
	ok := func(context.Context, any) (any, error) { return nil, nil }
	count := 0
	for _, m := range methods {
		want := expected[m]
		info := &grpc.UnaryServerInfo{FullMethod: m}
		cases := []authzCase{{name: "no token", unit: "03390", inScope: true}}
		for role := access.Viewer; role <= access.Admin; role++ {
			cases = append(cases,
				authzCase{role.String() + " of the node's subtree", f.tokens[role.String()+"/106"], role, "03390", true},
				authzCase{role.String() + " of another commune", f.tokens[role.String()+"/03390"], role, "03394", false},
				authzCase{role.String() + " of the commune itself", f.tokens[role.String()+"/03390"], role, "03390", !wholeNode[m]})
		}
		for _, c := range cases {
			ctx := context.Background()
			if c.token != "" {
				ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", "Bearer "+c.token))
			}
			_, err := f.authz.Unary(ctx, request(t, m, c.unit), info, ok)
			var code codes.Code
			switch {
			case want.role == 0:
				code = codes.OK
			case c.token == "":
				code = codes.Unauthenticated
			case c.role < want.role:
				code = codes.PermissionDenied
			case want.scoped && !c.inScope:
				code = codes.PermissionDenied
			default:
				code = codes.OK
			}
			if got := status.Code(err); got != code {
				t.Errorf("%s, %s: %s (%v), want %s", m, c.name, got, err, code)
			}
			count++
		}
	}
	if count < 40*13 {
		t.Fatalf("only %d cases ran", count)
	}
	// Refusals are audited.
	entries, err := f.log.List(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range entries {
		if e.Code == "PermissionDenied" || e.Code == "Unauthenticated" {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no refusal was audited")
	}
}

// TestTokensRefused: forged, expired and revoked tokens are refused with
// Unauthenticated, and each refusal is in the audit log.
func TestTokensRefused(t *testing.T) {
	f := newAuthzFixture(t)
	good := f.tokens["viewer/106"]
	_, expiring, err := f.authz.Tokens.Create("hết hạn", access.Admin, "106", time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	rec, revoked, err := f.authz.Tokens.Create("thu hồi", access.Admin, "106", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.authz.Store.RevokeAPIToken(rec.ID); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	info := &grpc.UnaryServerInfo{FullMethod: tonghopv1.NodeService_GetNode_FullMethodName}
	for name, token := range map[string]string{"forged": forged, "expired": expiring, "revoked": revoked, "garbage": "xin chào"} {
		ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
		_, err := f.authz.Unary(ctx, &tonghopv1.GetNodeRequest{}, info, func(context.Context, any) (any, error) { return nil, nil })
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s token: %v, want Unauthenticated", name, err)
		}
	}
	entries, _ := f.log.List(0, 0)
	if len(entries) != 4 {
		t.Fatalf("%d audit entries, want the 4 refusals: %+v", len(entries), entries)
	}
	for _, e := range entries {
		if e.Code != "Unauthenticated" || e.Method != tonghopv1.NodeService_GetNode_FullMethodName {
			t.Errorf("audit entry %+v", e)
		}
	}
}

// TestAuthzFirstCallsAtOnce makes the first calls of a fresh authoriser from
// many goroutines at once, as a node's first requests do: every request reads
// the access table, so it must be complete before the first one (the race
// detector fails this test on a table filled on first use).
func TestAuthzFirstCallsAtOnce(t *testing.T) {
	f := newAuthzFixture(t)
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+f.tokens["viewer/106"]))
	ok := func(context.Context, any) (any, error) { return nil, nil }
	methods := []string{
		tonghopv1.NodeService_GetNode_FullMethodName,
		tonghopv1.CatalogService_GetCatalog_FullMethodName,
		tonghopv1.HierarchyService_ListLevels_FullMethodName,
		tonghopv1.ReportingService_ListRounds_FullMethodName,
	}
	got := make([]codes.Code, 4*len(methods))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			m := methods[i%len(methods)]
			_, err := f.authz.Unary(ctx, request(t, m, "106"), &grpc.UnaryServerInfo{FullMethod: m}, ok)
			got[i] = status.Code(err)
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range got {
		if c != codes.OK {
			t.Errorf("call %d (%s) by a viewer of the node: %s, want OK", i, methods[i%len(methods)], c)
		}
	}
}
