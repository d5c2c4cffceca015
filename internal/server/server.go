// Package server implements the tonghop.v1 gRPC services over the node's
// domain packages. It is the edge: it converts between generated API types
// and domain types, and maps domain errors to gRPC status in one table
// (status.go). Handlers return domain errors; the interceptor maps them.
package server

import (
	"context"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/bundle"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
)

// Deps is what the services need. All fields are required except Logger.
type Deps struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Tree    *hierarchy.Tree
	// History is every map the node knows; nil means Tree alone. Roll-up
	// questions are answered in the boundaries of any day it has.
	History *hierarchy.History
	// Unit is the node's own unit code.
	Unit string
	// ParentAddress is the parent node's gRPC address; empty at the root.
	ParentAddress string
	Version       string
	StartedAt     time.Time
	Logger        *zap.Logger
	// Clock is the node's clock; nil: time.Now.
	Clock func() time.Time
	// Submissions and Parent serve signed reports and children.
	Submissions *submission.Reports
	Parent      *enrolment.Parent
	// Tokens serves the administrators' tokens; Audit is the audit log.
	Tokens *access.Tokens
	Audit  *audit.Log
	// Engine answers roll-up questions; nil: one over Store, Catalog, Tree
	// and Unit, shared by every service.
	Engine *rollup.Engine
	// Transfer carries reports by file.
	Transfer *bundle.Transfer
}

// service is one service of the administrators' API, listed once in
// services: how it is served, how the REST gateway reaches it, and who may
// call its methods.
type service struct {
	desc    *grpc.ServiceDesc
	impl    func(Deps) any
	gateway func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error
	rules   func(scopes) map[string]rule
}

// services is the one list of the administrators' services: Register,
// RegisterGateway, ServiceNames and the access table all read it.
func services() []service {
	return []service{
		{&tonghopv1.NodeService_ServiceDesc, newNodeService, tonghopv1.RegisterNodeServiceHandler, nodeRules},
		{&tonghopv1.CatalogService_ServiceDesc, newCatalogService, tonghopv1.RegisterCatalogServiceHandler, catalogRules},
		{&tonghopv1.HierarchyService_ServiceDesc, newHierarchyService, tonghopv1.RegisterHierarchyServiceHandler, hierarchyRules},
		{&tonghopv1.DataService_ServiceDesc, newDataService, tonghopv1.RegisterDataServiceHandler, dataRules},
		{&tonghopv1.SubmissionService_ServiceDesc, newSubmissionService, tonghopv1.RegisterSubmissionServiceHandler, submissionRules},
		{&tonghopv1.ChildrenService_ServiceDesc, newChildrenService, tonghopv1.RegisterChildrenServiceHandler, childrenRules},
		{&tonghopv1.BundleService_ServiceDesc, newBundleService, tonghopv1.RegisterBundleServiceHandler, bundleRules},
		{&tonghopv1.RollupService_ServiceDesc, newRollupService, tonghopv1.RegisterRollupServiceHandler, rollupRules},
		{&tonghopv1.TargetService_ServiceDesc, newTargetService, tonghopv1.RegisterTargetServiceHandler, targetRules},
		{&tonghopv1.AccessService_ServiceDesc, newAccessService, tonghopv1.RegisterAccessServiceHandler, accessRules},
		{&tonghopv1.ReportingService_ServiceDesc, newReportingService, tonghopv1.RegisterReportingServiceHandler, reportingRules},
		{&tonghopv1.DocumentService_ServiceDesc, newDocumentService, tonghopv1.RegisterDocumentServiceHandler, documentRules},
	}
}

// Register registers every tonghop.v1 service of the administrators' API on
// s.
func Register(s grpc.ServiceRegistrar, d Deps) {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Engine == nil {
		d.Engine = &rollup.Engine{Store: d.Store, Catalog: d.Catalog, Tree: d.Tree, History: d.History, Self: d.Unit}
	}
	for _, svc := range services() {
		s.RegisterService(svc.desc, svc.impl(d))
	}
}

// RegisterGateway routes every service's REST paths on mux to conn.
func RegisterGateway(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
	for _, svc := range services() {
		if err := svc.gateway(ctx, mux, conn); err != nil {
			return err
		}
	}
	return nil
}

// ServiceNames lists the registered services, for health checking.
func ServiceNames() []string {
	var names []string
	for _, svc := range services() {
		names = append(names, svc.desc.ServiceName)
	}
	return names
}

func newNodeService(d Deps) any { return &nodeService{d: d} }

func newCatalogService(d Deps) any { return &catalogService{cat: d.Catalog, subs: d.Submissions} }

func newHierarchyService(d Deps) any {
	return &hierarchyService{tree: d.Tree, history: d.History, store: d.Store, self: d.Unit}
}

func newDataService(d Deps) any {
	return &dataService{
		store: d.Store,
		check: entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		cat:   d.Catalog,
		subs:  d.Submissions,
		log:   d.Logger,
	}
}

func newSubmissionService(d Deps) any {
	return &submissionService{
		subs:    d.Submissions,
		store:   d.Store,
		check:   entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		tree:    d.Tree,
		history: d.History,
		parent:  d.ParentAddress,
	}
}

func newChildrenService(d Deps) any { return &childrenService{parent: d.Parent} }

func newRollupService(d Deps) any {
	return &rollupService{
		engine: d.Engine,
		tree:   d.Tree,
	}
}

func newAccessService(d Deps) any {
	return &accessService{tokens: d.Tokens, store: d.Store, audit: d.Audit, tree: d.Tree}
}

func newReportingService(d Deps) any {
	return &reportingService{
		subs: d.Submissions, store: d.Store, check: entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		tree: d.Tree, self: d.Unit, now: d.Clock,
	}
}

func newTargetService(d Deps) any {
	return &targetService{
		store: d.Store, tree: d.Tree, self: d.Unit,
		indicator: d.Catalog.Indicator,
	}
}

// RegisterPeer registers the node-to-node service, for the peer server.
func RegisterPeer(s grpc.ServiceRegistrar, d Deps) {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	tonghopv1.RegisterPeerServiceServer(s, &peerService{subs: d.Submissions, store: d.Store, tree: d.Tree, parent: d.Parent, log: d.Logger})
}
