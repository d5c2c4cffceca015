// Package node wires one tonghop node together: the store, the catalogue,
// the hierarchy, the gRPC server (with health and reflection) and the HTTP
// server (REST gateway, /healthz, /metrics), and stops them in order.
package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/downlink"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/server"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/uplink"
)

// Version is the software version reported by the node.
const Version = "0.1.0"

// ErrConfig marks a node that cannot start because of its configuration or
// data directory.
var ErrConfig = errors.New("node")

// Options are the injected dependencies of a node.
type Options struct {
	Logger *zap.Logger      // nil: no logging
	Clock  func() time.Time // nil: time.Now
	// AuditFile opens the audit log's current file; nil: the file on disk.
	// Tests inject one that fails as a full disk does.
	AuditFile func(path string) (audit.File, error)
}

// Node is one running node. New binds its listeners, so its addresses are
// known before Run; Run serves until its context ends.
type Node struct {
	cfg      config.Config
	log      *zap.Logger
	store    *store.Store
	audit    *audit.Log
	unit     hierarchy.Unit
	identity atomic.Pointer[trust.Identity]
	grpc     *grpc.Server
	peer     *grpc.Server // nil until the node holds a certificate
	health   *health.Server
	http     *http.Server
	gconn    *grpc.ClientConn
	glis     net.Listener
	hlis     net.Listener
	plis     net.Listener
	verifier *submission.Verifier
	uplink   *uplink.Forwarder  // nil at the root or before enrolment
	downlink *downlink.Syncer   // likewise
	renewal  *enrolment.Renewal // likewise
	upconn   *grpc.ClientConn
	idle     *idleRelease // nil until buildDeps

	closeOnce sync.Once
}

// New opens the node's store, checks its identity against the configuration,
// builds the servers and binds the listeners, one step after another; each
// step is a method of wiring (wiring.go).
func New(cfg config.Config, opts Options) (_ *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := newWiring(cfg, opts)
	n := w.node
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	for _, step := range []func() error{
		w.openStore,     // the bbolt file, which `tonghop init` made
		w.loadIdentity,  // the unit it speaks for, its hierarchy, its certificate
		w.rebuild,       // roll-ups of a file from before they existed
		w.buildDomain,   // revocations, verifier, rules, reports, children, tokens
		w.openAudit,     // the audit log
		w.buildDeps,     // what the handlers and the access table need
		w.loadTLS,       // the administrators' TLS, if configured
		w.adminServer,   // gRPC with authorisation, health and reflection
		w.listen,        // the gRPC and HTTP listeners
		w.peerServer,    // mutual TLS between nodes, once enrolled
		w.linksToParent, // uplink and downlink, when there is a parent
		w.httpServer,    // the REST gateway, /healthz, /metrics, /openapi.json
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	// Startup parsed the catalogue, the OpenAPI document and the map, and
	// compressed the app: megabytes of garbage that an idle node would
	// otherwise keep mapped until its heap grew back to that size. Handing
	// them back now makes an idle node's memory what it holds; what answering
	// grows is handed back once the node goes quiet (idle.go).
	debug.FreeOSMemory()
	return n, nil
}

// MaxConcurrentStreams bounds the calls one connection may have in flight,
// so that one client cannot take every handler.
const MaxConcurrentStreams = 64

// MaxPeerMessageBytes bounds one node-to-node message: a Deliver batch of up
// to server.MaxDeliverBatch envelopes.
const MaxPeerMessageBytes = 64 << 20

// MaxRequestBytes bounds one request, REST body or gRPC message: the
// largest legitimate one is a batch of entry.MaxValues values or a narrative
// section of entry.MaxSectionBytes.
const MaxRequestBytes = 4 << 20

// routingError answers a path that exists with the wrong method with 405,
// not the gateway's default 501.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	if code == http.StatusMethodNotAllowed {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprintf(w, `{"code":12,"message":"method %s not allowed on %s"}`, r.Method, r.URL.Path)
		return
	}
	runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, code)
}

// GRPCAddr is the bound gRPC address.
func (n *Node) GRPCAddr() string { return n.glis.Addr().String() }

// HTTPAddr is the bound HTTP address.
func (n *Node) HTTPAddr() string { return n.hlis.Addr().String() }

// PeerAddr is the bound peer (mutual TLS) address; empty before enrolment.
func (n *Node) PeerAddr() string {
	if n.plis == nil {
		return ""
	}
	return n.plis.Addr().String()
}

// Identity is the node's key and chain; nil before enrolment.
func (n *Node) Identity() *trust.Identity { return n.identity.Load() }

// Unit is the unit the node speaks for.
func (n *Node) Unit() hierarchy.Unit { return n.unit }

// Store is the node's open store.
func (n *Node) Store() *store.Store { return n.store }

// healthz answers 200 when the store can be read and written: a node whose
// store cannot be read is useless, and one whose disk is full refuses
// every write.
func (n *Node) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := n.store.SchemaVersion(); err != nil {
		http.Error(w, "store: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if free, known := freeBytes(n.cfg.DataDir); n.audit.DiskFull() || known && free < MinFreeBytes {
		http.Error(w, fmt.Sprintf("the node's disk is full: %s has %d bytes free; writes are refused", n.cfg.DataDir, free), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// Run serves until ctx is done, then stops: it reports NOT_SERVING, stops the
// HTTP server and the gRPC server gracefully within the shutdown timeout,
// cuts what remains, and closes the store.
func (n *Node) Run(ctx context.Context) error {
	for _, name := range append(server.ServiceNames(), "") {
		n.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	n.log.Info("node serving",
		zap.String("unit", n.unit.Code), zap.String("name", n.unit.Name),
		zap.String("grpc", n.GRPCAddr()), zap.String("http", n.HTTPAddr()), zap.String("peer", n.PeerAddr()))

	errc := make(chan error, 3)
	go func() { errc <- n.grpc.Serve(n.glis) }()
	if n.peer != nil {
		go func() { errc <- n.peer.Serve(n.plis) }()
	}
	upCtx, stopUplink := context.WithCancel(context.Background())
	upDone := make(chan struct{})
	go func() {
		defer close(upDone)
		if n.uplink == nil {
			return
		}
		down, renewed := make(chan struct{}), make(chan struct{})
		go func() { defer close(down); n.downlink.Run(upCtx) }()
		go func() { defer close(renewed); n.renewal.Run(upCtx) }()
		n.uplink.Run(upCtx)
		<-down
		<-renewed
	}()
	go func() {
		serve := n.http.Serve
		if n.http.TLSConfig != nil {
			serve = func(l net.Listener) error { return n.http.ServeTLS(l, "", "") }
		}
		if err := serve(n.hlis); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
			return
		}
		errc <- nil
	}()

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		n.log.Error("server failed", zap.Error(runErr))
	}
	// Stop sending first: an envelope handed over after this point would
	// only be resent after restart, which is harmless but wasteful.
	stopUplink()
	<-upDone
	n.shutdown()
	return runErr
}

func (n *Node) shutdown() {
	n.log.Info("node stopping", zap.Duration("timeout", n.cfg.ShutdownTimeout))
	n.health.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
	defer cancel()
	if err := n.http.Shutdown(ctx); err != nil {
		n.log.Warn("http shutdown cut short", zap.Error(err))
		n.http.Close()
	}
	for _, s := range []*grpc.Server{n.peer, n.grpc} {
		if s == nil {
			continue
		}
		stopped := make(chan struct{})
		go func() { s.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-ctx.Done():
			n.log.Warn("grpc graceful stop timed out; stopping hard")
			s.Stop()
			<-stopped
		}
	}
	n.Close()
	n.log.Info("node stopped")
}

// Close releases everything; it is safe to call more than once, and needed
// only when Run was never called.
func (n *Node) Close() error {
	var err error
	n.closeOnce.Do(func() {
		if n.idle != nil {
			n.idle.stop()
		}
		for _, s := range []*grpc.Server{n.grpc, n.peer} {
			if s != nil {
				s.Stop()
			}
		}
		for _, c := range []*grpc.ClientConn{n.gconn, n.upconn} {
			if c != nil {
				c.Close()
			}
		}
		for _, l := range []net.Listener{n.glis, n.hlis, n.plis} {
			if l != nil {
				l.Close()
			}
		}
		if n.audit != nil {
			n.audit.Close()
		}
		if n.store != nil {
			err = n.store.Close()
		}
	})
	return err
}
