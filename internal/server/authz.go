package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/trust"
)

// RequestTimeout bounds every administrator's call: a slow client cannot
// hold a handler, and its store reads, forever.
const RequestTimeout = time.Minute

// rule is what one RPC needs.
type rule struct {
	// role is the least role that may call it; 0 means anyone, without a
	// token (health checking, reflection).
	role access.Role
	// write: the call changes something, so every call is audited.
	write bool
	// units are the units the request names; each must lie in the caller's
	// subtree. nil means the request names none (the catalogue).
	units func(req proto.Message) []string
}

// Authz authenticates and authorises every call of the administrators' API
// against one table; a method missing from it is refused. Make one with
// NewAuthz: the table is built there, once, and only read afterwards, from
// every request at once.
type Authz struct {
	Tokens *access.Tokens
	Store  *store.Store
	Audit  *audit.Log
	Tree   *hierarchy.Tree
	Self   string
	Logger *zap.Logger
	table  map[string]rule
}

// NewAuthz returns the authoriser over a's dependencies with its access
// table built.
func NewAuthz(a Authz) *Authz {
	if a.Logger == nil {
		a.Logger = zap.NewNop()
	}
	a.table = a.buildRules()
	return &a
}

// field reads a string field of a request by name.
func field(m proto.Message, name protoreflect.Name) string {
	r := m.ProtoReflect()
	f := r.Descriptor().Fields().ByName(name)
	if f == nil || f.Kind() != protoreflect.StringKind {
		return ""
	}
	return r.Get(f).String()
}

// Rules is the access table: every RPC of the administrators' API, the role
// it needs, whether it writes, and the units it names. A test checks that
// every RPC of every registered service is here.
func (a *Authz) Rules() map[string]rule { return a.table }

// buildRules joins the rules of every service in the one list of services,
// and those of health checking and reflection, which anyone may call.
func (a *Authz) buildRules() map[string]rule {
	sc := scopes{a}
	table := map[string]rule{
		"/grpc.health.v1.Health/Check":                                   {},
		"/grpc.health.v1.Health/List":                                    {},
		"/grpc.health.v1.Health/Watch":                                   {},
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      {},
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": {},
	}
	for _, svc := range services() {
		for m, r := range svc.rules(sc) {
			table[m] = r
		}
	}
	return table
}

// scopes says which units a request names, for the access rules.
type scopes struct{ a *Authz }

// self is for what concerns the node as a whole, and for signing off a
// child's report: that is the parent's act, so a token scoped to the child
// itself cannot accept or reopen its own report.
func (s scopes) self(proto.Message) []string { return []string{s.a.Self} }

// none is for a request that names no unit (the catalogue).
func (scopes) none(proto.Message) []string { return nil }

// unitOr names the unit in field, or the node's own unit when the field is
// empty: a request about "everything here" needs a caller whose subtree is
// the node's whole subtree.
func (s scopes) unitOr(name protoreflect.Name) func(proto.Message) []string {
	return func(m proto.Message) []string {
		if u := field(m, name); u != "" {
			return []string{u}
		}
		return []string{s.a.Self}
	}
}

// unit names the request's unit_code.
func (s scopes) unit(m proto.Message) []string { return s.unitOr("unit_code")(m) }

// bySubmission names the unit of the stored report the request's digest
// names.
func (s scopes) bySubmission(m proto.Message) []string {
	rec, _, _, err := s.a.Store.Submission(field(m, "digest"))
	if err != nil {
		return []string{s.a.Self}
	}
	return []string{rec.Unit}
}

// byToken names the unit of the token the request's id names.
func (s scopes) byToken(m proto.Message) []string {
	t, err := s.a.Store.APIToken(field(m, "id"))
	if err != nil {
		return []string{s.a.Self}
	}
	return []string{t.Unit}
}

// target names the unit of the target set; a level-wide target is the
// node's own.
func (s scopes) target(m proto.Message) []string {
	if t := m.(*tonghopv1.SetTargetRequest).GetTarget(); t.GetUnitCode() != "" {
		return []string{t.GetUnitCode()}
	}
	return []string{s.a.Self}
}

func nodeRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.NodeService_GetNode_FullMethodName: {role: access.Viewer, units: s.none},
	}
}

func catalogRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.CatalogService_GetCatalog_FullMethodName:          {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_ListDataElements_FullMethodName:    {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_GetDataElement_FullMethodName:      {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_ListBreakdowns_FullMethodName:      {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_ListDataSets_FullMethodName:        {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_GetDataSet_FullMethodName:          {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_ListIndicators_FullMethodName:      {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_GetIndicator_FullMethodName:        {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_ListValidationRules_FullMethodName: {role: access.Viewer, units: s.none},
		tonghopv1.CatalogService_ListCatalogVersions_FullMethodName: {role: access.Viewer, units: s.none},
		// A version is in force over the node's whole subtree: only who
		// administers the whole node publishes one.
		tonghopv1.CatalogService_PublishCatalog_FullMethodName: {role: access.Admin, write: true, units: s.self},
	}
}

func hierarchyRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.HierarchyService_ListLevels_FullMethodName: {role: access.Viewer, units: s.none},
		tonghopv1.HierarchyService_ListUnits_FullMethodName:  {role: access.Viewer, units: s.unitOr("parent_code")},
		tonghopv1.HierarchyService_GetUnit_FullMethodName:    {role: access.Viewer, units: s.unitOr("code")},
		// The map's changes concern the node as a whole, and so do the
		// weights of a split: they decide how its subtree's figures of the
		// old map are apportioned.
		tonghopv1.HierarchyService_ListMapChanges_FullMethodName:      {role: access.Viewer, units: s.none},
		tonghopv1.HierarchyService_ListMapEvents_FullMethodName:       {role: access.Viewer, units: s.none},
		tonghopv1.HierarchyService_DeclareSplitWeights_FullMethodName: {role: access.Admin, write: true, units: s.self},
		tonghopv1.HierarchyService_ListSplitWeights_FullMethodName:    {role: access.Viewer, units: s.none},
	}
}

func dataRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.DataService_PutValues_FullMethodName:     {role: access.Editor, write: true, units: s.unit},
		tonghopv1.DataService_GetValues_FullMethodName:     {role: access.Viewer, units: s.unit},
		tonghopv1.DataService_DeleteValue_FullMethodName:   {role: access.Editor, write: true, units: s.unit},
		tonghopv1.DataService_PutSection_FullMethodName:    {role: access.Editor, write: true, units: s.unit},
		tonghopv1.DataService_ListSections_FullMethodName:  {role: access.Viewer, units: s.unit},
		tonghopv1.DataService_DeleteSection_FullMethodName: {role: access.Editor, write: true, units: s.unit},
	}
}

func submissionRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.SubmissionService_Submit_FullMethodName:              {role: access.Approver, write: true, units: s.unit},
		tonghopv1.SubmissionService_SubmitOnBehalf_FullMethodName:      {role: access.Approver, write: true, units: s.unit},
		tonghopv1.SubmissionService_SubmitSheetOnBehalf_FullMethodName: {role: access.Approver, write: true, units: s.unit},
		tonghopv1.SubmissionService_ListSubmissions_FullMethodName:     {role: access.Viewer, units: s.unit},
		tonghopv1.SubmissionService_GetSubmission_FullMethodName:       {role: access.Viewer, units: s.bySubmission},
		tonghopv1.SubmissionService_ListOutbox_FullMethodName:          {role: access.Viewer, units: s.self},
		tonghopv1.SubmissionService_RequeueSubmission_FullMethodName:   {role: access.Approver, write: true, units: s.bySubmission},
	}
}

func childrenRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.ChildrenService_CreateEnrollmentToken_FullMethodName:  {role: access.Admin, write: true, units: s.self},
		tonghopv1.ChildrenService_CreateEnrollmentTokens_FullMethodName: {role: access.Admin, write: true, units: s.self},
		tonghopv1.ChildrenService_ListChildren_FullMethodName:           {role: access.Viewer, units: s.self},
		tonghopv1.ChildrenService_RevokeChild_FullMethodName:            {role: access.Admin, write: true, units: s.self},
	}
}

func rollupRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.RollupService_GetIndicatorValue_FullMethodName:  {role: access.Viewer, units: s.unit},
		tonghopv1.RollupService_CompareIndicator_FullMethodName:   {role: access.Viewer, units: s.unit},
		tonghopv1.RollupService_GetIndicatorSeries_FullMethodName: {role: access.Viewer, units: s.unit},
	}
}

func targetRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.TargetService_SetTarget_FullMethodName:    {role: access.Admin, write: true, units: s.target},
		tonghopv1.TargetService_ListTargets_FullMethodName:  {role: access.Viewer, units: s.unit},
		tonghopv1.TargetService_DeleteTarget_FullMethodName: {role: access.Admin, write: true, units: s.self},
	}
}

func reportingRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.ReportingService_OpenRound_FullMethodName:        {role: access.Approver, write: true, units: s.unit},
		tonghopv1.ReportingService_ListRounds_FullMethodName:       {role: access.Viewer, units: s.none},
		tonghopv1.ReportingService_ListDue_FullMethodName:          {role: access.Viewer, units: s.unit},
		tonghopv1.ReportingService_GetCompleteness_FullMethodName:  {role: access.Viewer, units: s.unit},
		tonghopv1.ReportingService_ValidateReport_FullMethodName:   {role: access.Viewer, units: s.unit},
		tonghopv1.ReportingService_AcceptReport_FullMethodName:     {role: access.Approver, write: true, units: s.self},
		tonghopv1.ReportingService_ReturnReport_FullMethodName:     {role: access.Approver, write: true, units: s.self},
		tonghopv1.ReportingService_ReopenReport_FullMethodName:     {role: access.Approver, write: true, units: s.self},
		tonghopv1.ReportingService_ListReviewEvents_FullMethodName: {role: access.Viewer, units: s.unit},
	}
}

func documentRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.DocumentService_GetReport_FullMethodName:         {role: access.Viewer, units: s.unit},
		tonghopv1.DocumentService_ExportTable_FullMethodName:       {role: access.Viewer, units: s.unit},
		tonghopv1.DocumentService_ImportSpreadsheet_FullMethodName: {role: access.Editor, write: true, units: s.unit},
		// A data value set names its units inside the file; the node
		// stores only its own, so the caller's subtree must hold it.
		tonghopv1.DocumentService_ImportDataValueSet_FullMethodName: {role: access.Editor, write: true, units: s.self},
		tonghopv1.DocumentService_ExportDataValueSet_FullMethodName: {role: access.Viewer, units: s.unit},
	}
}

func accessRules(s scopes) map[string]rule {
	return map[string]rule{
		tonghopv1.AccessService_CreateToken_FullMethodName: {role: access.Admin, write: true, units: s.unit},
		tonghopv1.AccessService_ListTokens_FullMethodName:  {role: access.Admin, units: s.none},
		tonghopv1.AccessService_RevokeToken_FullMethodName: {role: access.Admin, write: true, units: s.byToken},
		tonghopv1.AccessService_ListAudit_FullMethodName:   {role: access.Admin, units: s.self},
		tonghopv1.AccessService_GetCaller_FullMethodName:   {role: access.Viewer, units: s.none},
	}
}

type callerKey struct{}

// CallerFrom returns the caller an authorised call was made by.
func CallerFrom(ctx context.Context) (access.Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(access.Caller)
	return c, ok
}

// check authorises one call; it returns the context to run it in.
func (a *Authz) check(ctx context.Context, method string, req any) (context.Context, rule, access.Caller, error) {
	r, ok := a.Rules()[method]
	if !ok {
		return ctx, r, access.Caller{}, status.Errorf(codes.PermissionDenied, "%s has no access rule: refused", method)
	}
	if r.role == 0 {
		return ctx, r, access.Caller{}, nil
	}
	var token string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		// Two tokens leave it unclear who is calling: neither wins.
		if n := len(md.Get("authorization")); n > 1 {
			return ctx, r, access.Caller{}, status.Errorf(codes.Unauthenticated, "authorization appears %d times: send exactly one token", n)
		}
		for _, v := range md.Get("authorization") {
			if t, ok := access.Bearer(v); ok {
				token = t
			}
		}
	}
	if token == "" {
		return ctx, r, access.Caller{}, status.Error(codes.Unauthenticated, "an API token is required: Authorization: Bearer …")
	}
	caller, err := a.Tokens.Verify(token)
	if errors.Is(err, access.ErrUnauthenticated) {
		return ctx, r, access.Caller{}, status.Error(codes.Unauthenticated, err.Error())
	}
	if err != nil {
		return ctx, r, access.Caller{}, Status(err, a.Logger)
	}
	if caller.Role < r.role {
		return ctx, r, caller, status.Errorf(codes.PermissionDenied, "%s needs the %s role; the token is %s", method, r.role, caller.Role)
	}
	if r.write {
		// A node whose unit retired keeps its history for reading only.
		switch ret, retired, err := a.Store.Retired(); {
		case err != nil:
			return ctx, r, caller, Status(err, a.Logger)
		case retired:
			return ctx, r, caller, Status(fmt.Errorf("%w (since %s)", store.ErrRetired, ret.At.In(numfmt.Zone()).Format("02/01/2006 15:04 (UTC+7)")), a.Logger)
		}
	}
	if m, ok := req.(proto.Message); ok && r.units != nil {
		for _, u := range r.units(m) {
			// A unit the node does not know is the handler's to refuse,
			// with the field named; scope is about units that exist.
			if _, known := a.Tree.Unit(u); known && !a.Tree.InSubtree(caller.Unit, u) {
				return ctx, r, caller, status.Errorf(codes.PermissionDenied, "unit %s is outside the token's subtree (%s)", u, caller.Unit)
			}
		}
	}
	return context.WithValue(ctx, callerKey{}, caller), r, caller, nil
}

// auditEntry is the record of one call.
func (a *Authz) auditEntry(method string, who string, req any, r rule) audit.Entry {
	var units []string
	if m, ok := req.(proto.Message); ok && r.units != nil {
		units = r.units(m)
	}
	return audit.Entry{Caller: who, Method: method, Units: units}
}

// audit records a refusal. The call is refused whether or not its record
// is kept, so a failure to keep it is only logged.
func (a *Authz) audit(method string, who string, req any, r rule, err error) {
	e := a.auditEntry(method, who, req, r)
	e.Code = status.Code(err).String()
	if err != nil {
		e.Detail = status.Convert(err).Message()
	}
	if _, aerr := a.Audit.Append(e); aerr != nil {
		a.Logger.Error("writing the audit log", zap.Error(aerr), zap.String("method", method))
	}
}

func callerName(c access.Caller) string {
	if c.TokenID == "" {
		return "anonymous"
	}
	return c.String()
}

// Unary authorises unary calls, bounds them in time and audits writes and
// refusals.
func (a *Authz) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, r, caller, err := a.check(ctx, info.FullMethod, req)
	if err != nil {
		a.audit(info.FullMethod, callerName(caller), req, r, err)
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	if !r.write {
		return handler(ctx, req)
	}
	// A write runs only once its record is kept: a full disk refuses the
	// write, with the store untouched, rather than let it go unaudited.
	seq, aerr := a.Audit.Begin(a.auditEntry(info.FullMethod, callerName(caller), req, r))
	if aerr != nil {
		a.Logger.Error("writing the audit log: write refused", zap.Error(aerr), zap.String("method", info.FullMethod))
		return nil, Status(aerr, a.Logger)
	}
	resp, err := handler(ctx, req)
	st := status.Convert(Status(err, zap.NewNop()))
	detail := ""
	if err != nil {
		detail = st.Message()
	}
	if ferr := a.Audit.Finish(seq, st.Code().String(), detail); ferr != nil {
		// The write is done and its intent recorded; the log shows it as
		// pending, which is the truth as far as the disk allows.
		a.Logger.Error("writing the audit log: outcome not recorded", zap.Error(ferr), zap.Uint64("seq", seq))
	}
	return resp, err
}

// Stream authorises streaming calls: only the public ones exist.
func (a *Authz) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if _, _, _, err := a.check(ss.Context(), info.FullMethod, nil); err != nil {
		a.audit(info.FullMethod, "anonymous", nil, rule{}, err)
		return err
	}
	return handler(srv, ss)
}

// PeerAudit audits the node-to-node calls that change something, with the
// calling node's unit path (from its certificate) as the caller.
func PeerAudit(l *audit.Log, log *zap.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		who := "anonymous"
		if p, ok := peer.FromContext(ctx); ok {
			if tls, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(tls.State.PeerCertificates) > 0 && len(tls.State.PeerCertificates[0].DNSNames) > 0 {
				if path, err := trust.ParseDNSName(tls.State.PeerCertificates[0].DNSNames[0]); err == nil {
					who = "node " + trust.JoinPath(path)
				}
			}
		}
		// Fetches change nothing: only their refusals are audited.
		switch info.FullMethod {
		case tonghopv1.PeerService_FetchTargets_FullMethodName, tonghopv1.PeerService_FetchRounds_FullMethodName, tonghopv1.PeerService_FetchCatalogs_FullMethodName:
			resp, err := handler(ctx, req)
			if err != nil {
				e := audit.Entry{Caller: who, Method: info.FullMethod, Code: status.Code(Status(err, log)).String(), Detail: status.Convert(Status(err, log)).Message()}
				if _, aerr := l.Append(e); aerr != nil {
					log.Error("writing the audit log", zap.Error(aerr))
				}
			}
			return resp, err
		}
		// Anything else may write: it runs only once its record is kept.
		seq, aerr := l.Begin(audit.Entry{Caller: who, Method: info.FullMethod})
		if aerr != nil {
			log.Error("writing the audit log: call refused", zap.Error(aerr), zap.String("method", info.FullMethod))
			return nil, Status(aerr, log)
		}
		resp, err := handler(ctx, req)
		code, detail := status.Code(Status(err, log)).String(), ""
		if d, ok := resp.(*tonghopv1.DeliverResponse); ok && d != nil {
			counts := map[string]int{}
			for _, r := range d.Results {
				counts[strings.ToLower(strings.TrimPrefix(r.Outcome.String(), "DELIVERY_OUTCOME_"))]++
			}
			detail = fmt.Sprint(counts)
		} else if err != nil {
			detail = status.Convert(Status(err, log)).Message()
		}
		if ferr := l.Finish(seq, code, detail); ferr != nil {
			log.Error("writing the audit log: outcome not recorded", zap.Error(ferr), zap.Uint64("seq", seq))
		}
		return resp, err
	}
}

// PeerTap refuses, before reading the request, every node-to-node call but
// Enroll that comes without a client certificate.
func PeerTap(ctx context.Context, info *tap.Info) (context.Context, error) {
	if info.FullMethodName == tonghopv1.PeerService_Enroll_FullMethodName {
		return ctx, nil
	}
	if p, ok := peer.FromContext(ctx); ok {
		if tls, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(tls.State.PeerCertificates) > 0 {
			return ctx, nil
		}
	}
	return ctx, status.Error(codes.Unauthenticated, errNoPeerCert.Error())
}

// PeerDeadline bounds every node-to-node call.
func PeerDeadline(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*RequestTimeout)
	defer cancel()
	return handler(ctx, req)
}
