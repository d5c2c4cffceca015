// Package node wires one tonghop node together: the store, the catalogue,
// the hierarchy, the gRPC server (with health and reflection) and the HTTP
// server (REST gateway, /healthz, /metrics), and stops them in order.
package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tonghop/tonghop/api"
	"github.com/tonghop/tonghop/internal/access"
	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/bundle"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/downlink"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/guard"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/server"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/uplink"
	"github.com/tonghop/tonghop/internal/validate"
	"github.com/tonghop/tonghop/internal/web"
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
	// Successions are the reorganisations the node knows, for handing a
	// new child its sources' reports; nil: none.
	Successions func() []enrolment.Succession
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
	uplink   *uplink.Forwarder // nil at the root or before enrolment
	downlink *downlink.Syncer  // likewise
	upconn   *grpc.ClientConn

	closeOnce sync.Once
}

// New opens the node's store, checks its identity against the configuration,
// builds the servers and binds the listeners.
func New(cfg config.Config, opts Options) (_ *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, store.FileName), store.Options{Logger: log, Clock: clock, MustExist: true})
	if errors.Is(err, store.ErrNotInitialised) {
		return nil, fmt.Errorf("%w: %s has no store: run `tonghop init` first", ErrConfig, cfg.DataDir)
	}
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: log, store: st}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()

	id, err := st.Identity()
	if errors.Is(err, store.ErrNotInitialised) {
		return nil, fmt.Errorf("%w: %s has no identity: run `tonghop init` first", ErrConfig, cfg.DataDir)
	}
	if err != nil {
		return nil, err
	}
	if cfg.Unit != "" && cfg.Unit != id.UnitCode {
		return nil, fmt.Errorf("%w: configured unit %s, but %s belongs to unit %s", ErrConfig, cfg.Unit, cfg.DataDir, id.UnitCode)
	}
	history, err := st.History()
	if err != nil {
		return nil, err
	}
	tree := nodeTree(history, id.UnitCode, clock())
	n.unit, _ = tree.Unit(id.UnitCode)

	var roots *x509.CertPool
	switch ident, err := trust.Load(cfg.DataDir); {
	case errors.Is(err, trust.ErrNoIdentity):
		log.Warn("node has no certificate yet: it cannot sign or accept submissions until `tonghop enroll`")
	case err != nil:
		return nil, err
	default:
		if got, want := trust.JoinPath(ident.Path()), trust.JoinPath(tree.Path(id.UnitCode)); got != want {
			return nil, fmt.Errorf("%w: the certificate in %s names %s, but the unit's path is %s", ErrConfig, cfg.DataDir, got, want)
		}
		n.identity.Store(&ident)
		roots = x509.NewCertPool()
		roots.AddCert(ident.Root())
	}
	// A file from before roll-ups existed gets them computed once, from its
	// stored envelopes.
	if need, err := st.NeedsRebuild(); err != nil {
		return nil, err
	} else if need {
		log.Info("rebuilding roll-ups from stored reports")
		if err := st.Rebuild(submission.Report); err != nil {
			return nil, err
		}
	}
	revoked, err := st.Revocations()
	if err != nil {
		return nil, err
	}
	fingerprints := make([]string, 0, len(revoked))
	for fp := range revoked {
		fingerprints = append(fingerprints, fp)
	}
	revocations := trust.NewRevocations(fingerprints)

	cat := catalog.Default()
	forward := cfg.Parent != ""
	_, retired, err := st.Retired()
	if err != nil {
		return nil, err
	}
	if retired {
		// Nothing more leaves a retired node: its outbox was empty when it
		// retired, and its parent no longer takes its certificate.
		forward = false
		log.Info("this node's unit has retired: its data is kept, read-only")
	}
	dated := newDatedTrees(history.Units(), tree)
	verifier := &submission.Verifier{Roots: roots, Revocations: revocations, Tree: tree, TreeOn: dated.On, Catalog: cat, Earlier: catalog.Earlier(), Self: id.UnitCode, Now: clock}
	rules, err := validate.ForCatalog(cat)
	if err != nil {
		return nil, fmt.Errorf("validation rules of catalogue %s: %w", cat.Version(), err)
	}
	subs := &submission.Reports{Store: st, Verifier: verifier, Identity: &n.identity, Forward: forward, Rules: rules, Logger: log}
	parent := &enrolment.Parent{Store: st, Identity: &n.identity, Tree: tree, TreeOn: dated.On, Successions: opts.Successions,
		Self: id.UnitCode, Revocations: revocations, Forward: forward, Now: clock}
	verifier.Retiring = parent.Retiring
	n.verifier = verifier
	tokens := &access.Tokens{Store: st, Now: clock}
	n.audit, err = audit.Open(filepath.Join(cfg.DataDir, audit.FileName), audit.Options{Now: clock, OpenFile: opts.AuditFile})
	if err != nil {
		return nil, err
	}
	for _, p := range n.audit.Problems() {
		log.Error("audit log: "+p.Reason, zap.String("file", p.File))
	}
	deps := server.Deps{
		Store: st, Catalog: cat, Tree: tree, History: history, Unit: id.UnitCode,
		ParentAddress: cfg.Parent, Version: Version, StartedAt: clock(), Logger: log,
		Submissions: subs, Parent: parent, Tokens: tokens, Audit: n.audit,
		Transfer: &bundle.Transfer{Subs: subs, Logger: log.Named("bundle")},
	}
	authz := server.NewAuthz(server.Authz{Tokens: tokens, Store: st, Audit: n.audit, Tree: tree, Self: id.UnitCode, Logger: log.Named("authz")})

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := newRPCMetrics(reg)

	var serverTLS *tls.Config
	gatewayCreds := insecure.NewCredentials()
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: tls_cert_file: %w", ErrConfig, err)
		}
		serverTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		// The gateway calls this node's own gRPC listener and trusts
		// exactly the certificate it serves.
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, fmt.Errorf("%w: tls_cert_file: %w", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(leaf)
		name := leaf.Subject.CommonName
		if len(leaf.DNSNames) > 0 {
			name = leaf.DNSNames[0]
		}
		gatewayCreds = credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12})
	} else if !config.IsLoopback(cfg.GRPCListen) || !config.IsLoopback(cfg.HTTPListen) {
		log.Warn("INSECURE: the administrators' API listens off loopback without TLS (allow_insecure_listen); tokens travel in clear text unless a proxy on this host terminates TLS",
			zap.String("grpc", cfg.GRPCListen), zap.String("http", cfg.HTTPListen))
	}
	grpcOpts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(metrics.unary, authz.Unary, server.UnaryErrors(log)),
		grpc.ChainStreamInterceptor(authz.Stream, server.StreamErrors(log)),
		grpc.MaxRecvMsgSize(MaxRequestBytes),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		// A request that does not decode is the caller's error.
		grpc.ForceServerCodecV2(guard.Codec()),
		// Streams that need no token (health watches, reflection) must
		// not hold connections open forever.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 5 * time.Minute, MaxConnectionAge: time.Hour, MaxConnectionAgeGrace: time.Minute}),
	}
	if serverTLS != nil {
		grpcOpts = append(grpcOpts, grpc.Creds(credentials.NewTLS(serverTLS)))
	}
	n.grpc = grpc.NewServer(grpcOpts...)
	server.Register(guard.Registrar(n.grpc), deps)
	n.health = health.NewServer()
	healthpb.RegisterHealthServer(n.grpc, n.health)
	reflection.Register(n.grpc)

	if n.glis, err = net.Listen("tcp", cfg.GRPCListen); err != nil {
		return nil, fmt.Errorf("%w: grpc_listen: %w", ErrConfig, err)
	}
	if n.hlis, err = net.Listen("tcp", cfg.HTTPListen); err != nil {
		return nil, fmt.Errorf("%w: http_listen: %w", ErrConfig, err)
	}
	if ident := n.identity.Load(); ident != nil {
		// The peer port speaks only mutual TLS: certificates, not tokens,
		// say which node is calling.
		n.peer = grpc.NewServer(
			grpc.Creds(credentials.NewTLS(trust.ServerTLSRetiring(*ident, roots, revocations.Revoked, clock, parent.Retiring))),
			// Handlers re-check the caller on every call; recycling
			// connections bounds how long even an idle one outlives a change.
			grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: time.Hour, MaxConnectionAgeGrace: time.Minute}),
			grpc.ChainUnaryInterceptor(metrics.unary, server.PeerDeadline, server.PeerAudit(n.audit, log), server.UnaryErrors(log)),
			// Only enrolment may come without a certificate; anything else
			// is refused before its (possibly large) body is read.
			grpc.InTapHandle(server.PeerTap),
			grpc.MaxRecvMsgSize(MaxPeerMessageBytes),
			grpc.MaxConcurrentStreams(MaxConcurrentStreams),
			grpc.ForceServerCodecV2(guard.Codec()),
		)
		server.RegisterPeer(guard.Registrar(n.peer), deps)
		if n.plis, err = net.Listen("tcp", cfg.PeerListen); err != nil {
			return nil, fmt.Errorf("%w: peer_listen: %w", ErrConfig, err)
		}
		if forward {
			parentPath := ident.Path()[:len(ident.Path())-1]
			n.upconn, err = grpc.NewClient(cfg.Parent,
				grpc.WithTransportCredentials(credentials.NewTLS(trust.ClientTLS(*ident, roots, parentPath, clock))),
				grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxPeerMessageBytes)),
				// The forwarder backs off on its own; gRPC's reconnect backoff
				// (up to two minutes by default) would stack on top of it and
				// delay delivery long after the parent is back.
				grpc.WithConnectParams(grpc.ConnectParams{
					Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
					MinConnectTimeout: 5 * time.Second,
				}))
			if err != nil {
				return nil, err
			}
			n.uplink = uplink.NewForwarder(st, n.upconn, func(receipt []byte, digest string) error {
				_, err := submission.CheckReceipt(receipt, digest, parentPath, verifier)
				return err
			}, log.Named("uplink"))
			subs.Queued, parent.Queued = n.uplink.Notify, n.uplink.Notify
			n.downlink = &downlink.Syncer{Store: st, Conn: n.upconn, Self: id.UnitCode, Interval: cfg.SyncInterval, Logger: log.Named("downlink")}
		}
	}

	gw := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			// Zero values are written out: a client reading "met" gets false,
			// not nothing.
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{},
		}),
		// A form-encoded POST must not turn into a GET that answers 200 and
		// stores nothing.
		runtime.WithDisablePathLengthFallback(),
		runtime.WithRoutingErrorHandler(routingError),
	)
	// The gateway reaches gRPC through the listener just bound, over loopback.
	n.gconn, err = grpc.NewClient(n.glis.Addr().String(), grpc.WithTransportCredentials(gatewayCreds))
	if err != nil {
		return nil, err
	}
	if err := server.RegisterGateway(context.Background(), gw, n.gconn); err != nil {
		return nil, err
	}
	app, err := web.New(tokens, id.UnitCode, log.Named("web"))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	routes, err := guard.Routes(api.OpenAPI())
	if err != nil {
		return nil, err
	}
	mux.Handle("/v1/", app.API(guard.HTTP(gw, routes, MaxRequestBytes)))
	mux.Handle(web.SessionPath, guard.HTTP(app.Session(), routes, MaxRequestBytes))
	app.Register(mux)
	mux.HandleFunc("GET /healthz", n.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(api.OpenAPI())
	})
	n.http = &http.Server{
		Handler:           metrics.http(web.Headers(mux)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
		TLSConfig:         serverTLS,
	}
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
		down := make(chan struct{})
		go func() { defer close(down); n.downlink.Run(upCtx) }()
		n.uplink.Run(upCtx)
		<-down
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
		err = n.store.Close()
	})
	return err
}
