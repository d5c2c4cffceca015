// Package server implements the tonghop.v1 gRPC services over the node's
// domain packages. It is the edge: it converts between generated API types
// and domain types, and maps domain errors to gRPC status in one table
// (status.go). Handlers return domain errors; the interceptor maps them.
package server

import (
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
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
	// Unit is the node's own unit code.
	Unit string
	// ParentAddress is the parent node's gRPC address; empty at the root.
	ParentAddress string
	Version       string
	StartedAt     time.Time
	Logger        *zap.Logger
	// Submissions and Parent serve signed reports and children.
	Submissions *submission.Node
	Parent      *enrolment.Parent
	// Tokens serves the administrators' tokens; Audit is the audit log.
	Tokens *access.Tokens
	Audit  *audit.Log
}

// Register registers every tonghop.v1 service on s.
func Register(s grpc.ServiceRegistrar, d Deps) {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	tonghopv1.RegisterNodeServiceServer(s, &nodeService{d: d})
	tonghopv1.RegisterCatalogServiceServer(s, &catalogService{cat: d.Catalog})
	tonghopv1.RegisterHierarchyServiceServer(s, &hierarchyService{tree: d.Tree})
	tonghopv1.RegisterDataServiceServer(s, &dataService{
		store: d.Store,
		check: entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		cat:   d.Catalog,
		subs:  d.Submissions,
		log:   d.Logger,
	})
	tonghopv1.RegisterSubmissionServiceServer(s, &submissionService{
		subs:   d.Submissions,
		check:  entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		tree:   d.Tree,
		parent: d.ParentAddress,
	})
	tonghopv1.RegisterChildrenServiceServer(s, &childrenService{parent: d.Parent})
	engine := &rollup.Engine{Store: d.Store, Catalog: d.Catalog, Tree: d.Tree, Self: d.Unit}
	rollups := &rollupService{engine: engine, tree: d.Tree}
	tonghopv1.RegisterRollupServiceServer(s, rollups)
	tonghopv1.RegisterAccessServiceServer(s, &accessService{tokens: d.Tokens, store: d.Store, audit: d.Audit, tree: d.Tree})
	now := time.Now
	if d.Submissions != nil && d.Submissions.Verifier != nil && d.Submissions.Verifier.Now != nil {
		now = d.Submissions.Verifier.Now
	}
	reporting := &reportingService{
		subs: d.Submissions, check: entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		tree: d.Tree, self: d.Unit, now: now,
	}
	tonghopv1.RegisterReportingServiceServer(s, reporting)
	tonghopv1.RegisterDocumentServiceServer(s, newDocumentService(d, rollups, reporting))
	tonghopv1.RegisterTargetServiceServer(s, &targetService{
		store: d.Store, tree: d.Tree, self: d.Unit,
		check: func(code string) bool { _, ok := d.Catalog.Indicator(code); return ok },
	})
}

// RegisterPeer registers the node-to-node service, for the peer server.
func RegisterPeer(s grpc.ServiceRegistrar, d Deps) {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	tonghopv1.RegisterPeerServiceServer(s, &peerService{subs: d.Submissions, parent: d.Parent, log: d.Logger})
}

// ServiceNames lists the registered services, for health checking.
func ServiceNames() []string {
	return []string{
		tonghopv1.NodeService_ServiceDesc.ServiceName,
		tonghopv1.CatalogService_ServiceDesc.ServiceName,
		tonghopv1.HierarchyService_ServiceDesc.ServiceName,
		tonghopv1.DataService_ServiceDesc.ServiceName,
		tonghopv1.SubmissionService_ServiceDesc.ServiceName,
		tonghopv1.ChildrenService_ServiceDesc.ServiceName,
		tonghopv1.RollupService_ServiceDesc.ServiceName,
		tonghopv1.TargetService_ServiceDesc.ServiceName,
		tonghopv1.AccessService_ServiceDesc.ServiceName,
		tonghopv1.ReportingService_ServiceDesc.ServiceName,
		tonghopv1.DocumentService_ServiceDesc.ServiceName,
	}
}
