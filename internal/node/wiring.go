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
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/server"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/uplink"
	"github.com/tonghop/tonghop/internal/validate"
	"github.com/tonghop/tonghop/internal/web"
)

// wiring is a node being assembled: New runs its steps in order, each
// reading what the ones before it built. A test can fill the fields a step
// reads and run that step alone.
type wiring struct {
	cfg   config.Config
	opts  Options
	log   *zap.Logger
	clock func() time.Time
	node  *Node

	// openStore and loadIdentity
	self    string // the node's unit code
	history *hierarchy.History
	tree    *hierarchy.Tree
	roots   *x509.CertPool // nil before enrolment

	// buildDomain
	forward     bool
	revocations *trust.Revocations
	verifier    *submission.Verifier
	reports     *submission.Reports
	parent      *enrolment.Parent
	tokens      *access.Tokens

	// buildDeps and loadTLS
	deps         server.Deps
	authz        *server.Authz
	registry     *prometheus.Registry
	metrics      *rpcMetrics
	idle         *idleRelease
	serverTLS    *tls.Config // nil: the administrators' API without TLS
	gatewayCreds credentials.TransportCredentials
}

func newWiring(cfg config.Config, opts Options) *wiring {
	w := &wiring{cfg: cfg, opts: opts, log: opts.Logger, clock: opts.Clock}
	if w.log == nil {
		w.log = zap.NewNop()
	}
	if w.clock == nil {
		w.clock = time.Now
	}
	w.node = &Node{cfg: cfg, log: w.log}
	return w
}

// openStore opens the node's bbolt file, which must exist.
func (w *wiring) openStore() error {
	st, err := store.Open(filepath.Join(w.cfg.DataDir, store.FileName), store.Options{Logger: w.log, Clock: w.clock, MustExist: true})
	if errors.Is(err, store.ErrNotInitialised) {
		return fmt.Errorf("%w: %s has no store: run `tonghop init` first", ErrConfig, w.cfg.DataDir)
	}
	if err != nil {
		return err
	}
	w.node.store = st
	return nil
}

// loadIdentity reads the unit the store belongs to and checks it against
// the configuration, builds the hierarchy, and loads the certificate, if
// the node has one yet.
func (w *wiring) loadIdentity() error {
	st := w.node.store
	id, err := st.Identity()
	if errors.Is(err, store.ErrNotInitialised) {
		return fmt.Errorf("%w: %s has no identity: run `tonghop init` first", ErrConfig, w.cfg.DataDir)
	}
	if err != nil {
		return err
	}
	if w.cfg.Unit != "" && w.cfg.Unit != id.UnitCode {
		return fmt.Errorf("%w: configured unit %s, but %s belongs to unit %s", ErrConfig, w.cfg.Unit, w.cfg.DataDir, id.UnitCode)
	}
	w.self = id.UnitCode
	if w.history, err = st.History(); err != nil {
		return err
	}
	w.tree = nodeTree(w.history, w.self, w.clock())
	w.node.unit, _ = w.tree.Unit(w.self)

	switch ident, err := trust.Load(w.cfg.DataDir); {
	case errors.Is(err, trust.ErrNoIdentity):
		w.log.Warn("node has no certificate yet: it cannot sign or accept submissions until `tonghop enroll`")
	case err != nil:
		return err
	default:
		if got, want := trust.JoinPath(ident.Path()), trust.JoinPath(w.tree.Path(w.self)); got != want {
			return fmt.Errorf("%w: the certificate in %s names %s, but the unit's path is %s", ErrConfig, w.cfg.DataDir, got, want)
		}
		w.node.identity.Store(&ident)
		w.roots = x509.NewCertPool()
		w.roots.AddCert(ident.Root())
	}
	return nil
}

// rebuild computes the roll-ups of a file from before they existed, once,
// from its stored envelopes.
func (w *wiring) rebuild() error {
	st := w.node.store
	need, err := st.NeedsRebuild()
	if err != nil || !need {
		return err
	}
	w.log.Info("rebuilding roll-ups from stored reports")
	return st.Rebuild(submission.Report)
}

// buildDomain builds what the node does apart from serving: the
// revocations it knows, the verifier, the validation rules, the reports
// (signing and receiving), the children it certifies and the API tokens.
func (w *wiring) buildDomain() error {
	st := w.node.store
	revoked, err := st.Revocations()
	if err != nil {
		return err
	}
	fingerprints := make([]string, 0, len(revoked))
	for fp := range revoked {
		fingerprints = append(fingerprints, fp)
	}
	w.revocations = trust.NewRevocations(fingerprints)

	versions, err := loadVersions(st, w.tree, w.self, w.log)
	if err != nil {
		return err
	}
	cat := versions.InForce()
	w.forward = w.cfg.Parent != ""
	_, retired, err := st.Retired()
	if err != nil {
		return err
	}
	if retired {
		// Nothing more leaves a retired node: its outbox was empty when it
		// retired, and its parent no longer takes its certificate.
		w.forward = false
		w.log.Info("this node's unit has retired: its data is kept, read-only")
	}
	// Who may sign, and who are this node's children, is decided by the
	// map of the day in question; the map's days are Hà Nội's.
	history := w.history
	treeOn := func(t time.Time) *hierarchy.Tree { return history.AsOf(t.In(numfmt.Zone())) }
	w.verifier = &submission.Verifier{Roots: w.roots, Revocations: w.revocations, Tree: w.tree, TreeOn: treeOn, Catalog: cat, Earlier: catalog.Earlier(), Versions: versions, Self: w.self, Now: w.clock}
	// Every rule of every catalogue known here: a rule judges only reports
	// that have both its sides, and each version's codes are its own.
	rules, err := validate.NewLive(versions.All())
	if err != nil {
		return fmt.Errorf("validation rules of catalogue %s: %w", cat.Version(), err)
	}
	n := w.node
	w.reports = &submission.Reports{Store: st, Verifier: w.verifier, Identity: &n.identity, Forward: w.forward, LiveRules: rules, Logger: w.log,
		Previous: mappedPrevious(&rollup.Engine{Store: st, Catalog: versions.All(), Tree: w.tree, History: w.history, Self: w.self})}
	w.parent = &enrolment.Parent{Store: st, Identity: &n.identity, Tree: w.tree, TreeOn: treeOn, Successions: successions(history),
		Self: w.self, Revocations: w.revocations, Forward: w.forward, Now: w.clock}
	w.verifier.Retiring = w.parent.Retiring
	n.verifier = w.verifier
	w.tokens = &access.Tokens{Store: st, Now: w.clock}
	return nil
}

// openAudit opens the audit log and reports what it found wrong in it.
func (w *wiring) openAudit() error {
	l, err := audit.Open(filepath.Join(w.cfg.DataDir, audit.FileName), audit.Options{Now: w.clock, OpenFile: w.opts.AuditFile})
	if err != nil {
		return err
	}
	w.node.audit = l
	for _, p := range l.Problems() {
		w.log.Error("audit log: "+p.Reason, zap.String("file", p.File))
	}
	return nil
}

// buildDeps assembles what the handlers need, the access table and the
// metrics.
func (w *wiring) buildDeps() error {
	st, l := w.node.store, w.node.audit
	w.deps = server.Deps{
		Store: st, Catalog: w.verifier.Catalog, Tree: w.tree, History: w.history, Unit: w.self,
		// Roll-ups read every report of the subtree, whichever version
		// made it.
		Engine:        &rollup.Engine{Store: st, Catalog: w.verifier.Versions.All(), Tree: w.tree, History: w.history, Self: w.self},
		ParentAddress: w.cfg.Parent, Version: Version, StartedAt: w.clock(), Logger: w.log, Clock: w.clock,
		Submissions: w.reports, Parent: w.parent, Tokens: w.tokens, Audit: l,
		Transfer: &bundle.Transfer{Reports: w.reports, Outbox: st, Verifier: w.verifier, Logger: w.log.Named("bundle")},
	}
	w.authz = server.NewAuthz(server.Authz{Tokens: w.tokens, Store: st, Audit: l, Tree: w.tree, Self: w.self, Logger: w.log.Named("authz")})
	w.registry = prometheus.NewRegistry()
	w.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w.metrics = newRPCMetrics(w.registry)
	w.idle = newIdleRelease(QuietPeriod)
	w.node.idle = w.idle
	return nil
}

// loadTLS loads the administrators' TLS certificate, if configured, and
// the credentials the gateway calls this node's own gRPC listener with.
func (w *wiring) loadTLS() error {
	cfg := w.cfg
	w.gatewayCreds = insecure.NewCredentials()
	if cfg.TLSCertFile == "" {
		if !config.IsLoopback(cfg.GRPCListen) || !config.IsLoopback(cfg.HTTPListen) {
			w.log.Warn("INSECURE: the administrators' API listens off loopback without TLS (allow_insecure_listen); tokens travel in clear text unless a proxy on this host terminates TLS",
				zap.String("grpc", cfg.GRPCListen), zap.String("http", cfg.HTTPListen))
		}
		return nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return fmt.Errorf("%w: tls_cert_file: %w", ErrConfig, err)
	}
	w.serverTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	// The gateway calls this node's own gRPC listener and trusts exactly
	// the certificate it serves.
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return fmt.Errorf("%w: tls_cert_file: %w", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	name := leaf.Subject.CommonName
	if len(leaf.DNSNames) > 0 {
		name = leaf.DNSNames[0]
	}
	w.gatewayCreds = credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12})
	return nil
}

// adminServer builds the administrators' gRPC server: every call
// authorised against the access table, with health checking and
// reflection.
func (w *wiring) adminServer() error {
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(w.idle.unary, w.metrics.unary, w.authz.Unary, server.UnaryErrors(w.log)),
		grpc.ChainStreamInterceptor(w.authz.Stream, server.StreamErrors(w.log)),
		grpc.MaxRecvMsgSize(MaxRequestBytes),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		// A request that does not decode is the caller's error.
		grpc.ForceServerCodecV2(guard.Codec()),
		// Streams that need no token (health watches, reflection) must
		// not hold connections open forever.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: 5 * time.Minute, MaxConnectionAge: time.Hour, MaxConnectionAgeGrace: time.Minute}),
	}
	if w.serverTLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(w.serverTLS)))
	}
	n := w.node
	n.grpc = grpc.NewServer(opts...)
	server.Register(guard.Registrar(n.grpc), w.deps)
	n.health = health.NewServer()
	healthpb.RegisterHealthServer(n.grpc, n.health)
	reflection.Register(n.grpc)
	return nil
}

// listen binds the administrators' gRPC and HTTP listeners.
func (w *wiring) listen() (err error) {
	n := w.node
	if n.glis, err = net.Listen("tcp", w.cfg.GRPCListen); err != nil {
		return fmt.Errorf("%w: grpc_listen: %w", ErrConfig, err)
	}
	if n.hlis, err = net.Listen("tcp", w.cfg.HTTPListen); err != nil {
		return fmt.Errorf("%w: http_listen: %w", ErrConfig, err)
	}
	return nil
}

// peerServer builds and binds the node-to-node server, once the node holds
// a certificate: it speaks only mutual TLS, so certificates, not tokens,
// say which node is calling.
func (w *wiring) peerServer() (err error) {
	n := w.node
	ident := n.identity.Load()
	if ident == nil {
		return nil
	}
	n.peer = grpc.NewServer(
		// The certificate presented is the node's of the moment: renewal
		// replaces it while the node runs.
		grpc.Creds(credentials.NewTLS(trust.Follow(trust.ServerTLSRetiring(*ident, w.roots, w.revocations.Revoked, w.clock, w.parent.Retiring), n.identity.Load))),
		// Handlers re-check the caller on every call; recycling connections
		// bounds how long even an idle one outlives a change.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: time.Hour, MaxConnectionAgeGrace: time.Minute}),
		grpc.ChainUnaryInterceptor(w.idle.unary, w.metrics.unary, server.PeerDeadline, server.PeerAudit(n.audit, w.log), server.UnaryErrors(w.log)),
		// Only enrolment may come without a certificate; anything else is
		// refused before its (possibly large) body is read.
		grpc.InTapHandle(server.PeerTap),
		grpc.MaxRecvMsgSize(MaxPeerMessageBytes),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.ForceServerCodecV2(guard.Codec()),
	)
	server.RegisterPeer(guard.Registrar(n.peer), w.deps)
	if n.plis, err = net.Listen("tcp", w.cfg.PeerListen); err != nil {
		return fmt.Errorf("%w: peer_listen: %w", ErrConfig, err)
	}
	return nil
}

// linksToParent connects to the parent, when the node is enrolled and has
// one to forward to: the uplink delivers the outbox, the downlink fetches
// what flows down.
func (w *wiring) linksToParent() (err error) {
	n := w.node
	ident := n.identity.Load()
	if ident == nil || !w.forward {
		return nil
	}
	parentPath := ident.Path()[:len(ident.Path())-1]
	n.upconn, err = grpc.NewClient(w.cfg.Parent,
		grpc.WithTransportCredentials(credentials.NewTLS(trust.Follow(trust.ClientTLS(*ident, w.roots, parentPath, w.clock), n.identity.Load))),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxPeerMessageBytes)),
		// The forwarder backs off on its own; gRPC's reconnect backoff (up
		// to two minutes by default) would stack on top of it and delay
		// delivery long after the parent is back.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}))
	if err != nil {
		return err
	}
	verifier := w.verifier
	n.uplink = uplink.NewForwarder(n.store, n.upconn, func(receipt []byte, digest string) error {
		_, err := submission.CheckReceipt(receipt, digest, parentPath, verifier)
		return err
	}, w.log.Named("uplink"))
	w.reports.Queued, w.parent.Queued = n.uplink.Notify, n.uplink.Notify
	n.downlink = &downlink.Syncer{Store: n.store, Conn: n.upconn, Self: w.self, Interval: w.cfg.SyncInterval, Logger: w.log.Named("downlink"),
		Catalogs: w.reports.KeepFromAbove, Revocations: w.reports.KeepRevocationsFromAbove, Revoked: w.revocations.Revoked}
	n.renewal = &enrolment.Renewal{Conn: n.upconn, Identity: &n.identity, Name: n.unit.Name, Every: w.cfg.SyncInterval, Now: w.clock,
		Logger: w.log.Named("renewal"), Adopt: w.adopt}
	return nil
}

// adopt makes a renewed identity the node's: the old key endorses the new
// one first, through the outbox, so that every level above knows the new
// key before the first report it signs; then the new identity is saved
// and put in use.
func (w *wiring) adopt(current, next trust.Identity) error {
	n := w.node
	if err := submission.EndorseKey(n.store, current, next.Chain, w.clock()); err != nil {
		return err
	}
	if err := trust.Save(w.cfg.DataDir, next); err != nil {
		return err
	}
	n.identity.Store(&next)
	n.uplink.Notify()
	return nil
}

// httpServer builds the HTTP server: the REST gateway, which reaches gRPC
// through the listener just bound, over loopback; the web app; /healthz,
// /metrics and /openapi.json.
func (w *wiring) httpServer() (err error) {
	n := w.node
	// Zero values are written out: a client reading "met" gets false, not
	// nothing.
	jsonpb := &runtime.JSONPb{MarshalOptions: protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}}
	gw := runtime.NewServeMux(
		// google.api.HttpBody answers (documents, workbooks) go out as their
		// own bytes and media type; everything else is JSON.
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.HTTPBodyMarshaler{Marshaler: jsonpb}),
		// A spreadsheet POSTed as itself is the request's file.
		runtime.WithMarshalerOption(server.XLSXType, server.UploadMarshaler(server.XLSXType, jsonpb)),
		runtime.WithMarshalerOption(server.UploadMediaType, server.UploadMarshaler(server.UploadMediaType, jsonpb)),
		// A form-encoded POST must not turn into a GET that answers 200 and
		// stores nothing.
		runtime.WithDisablePathLengthFallback(),
		runtime.WithRoutingErrorHandler(routingError),
	)
	if n.gconn, err = grpc.NewClient(n.glis.Addr().String(), grpc.WithTransportCredentials(w.gatewayCreds)); err != nil {
		return err
	}
	if err := server.RegisterGateway(context.Background(), gw, n.gconn); err != nil {
		return err
	}
	app, err := web.New(w.tokens, w.self, w.log.Named("web"))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	routes, err := guard.Routes(api.OpenAPI())
	if err != nil {
		return err
	}
	mux.Handle("/v1/", app.API(guard.HTTP(server.Uploads(gw), routes, MaxRequestBytes)))
	mux.Handle(web.SessionPath, guard.HTTP(app.Session(), routes, MaxRequestBytes))
	app.Register(mux)
	mux.HandleFunc("GET /healthz", n.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(w.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /openapi.json", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.Write(api.OpenAPI())
	})
	n.http = &http.Server{
		Handler:           w.idle.http(w.metrics.http(web.Headers(mux))),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          zap.NewStdLog(w.log.Named("http")),
		TLSConfig:         w.serverTLS,
	}
	return nil
}

// loadVersions rebuilds the catalogue versions kept in the store, in the
// order they arrived, over the built-in catalogues. A version that no
// longer rebuilds (its base is unknown to this binary) is reported and
// left out: reports made with it are refused until it can be read again.
func loadVersions(st *store.Store, tree *hierarchy.Tree, self string, log *zap.Logger) (*catalog.Versions, error) {
	versions := catalog.NewVersions(catalog.Default(), catalog.Earlier(), tree.Path(self))
	recs, err := st.CatalogVersions()
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if _, err := versions.Add(tree.Path(r.Unit), r.Extends, r.Source, r.Digest); err != nil {
			log.Error("a kept catalogue version does not rebuild", zap.String("unit", r.Unit), zap.String("version", r.Version), zap.Error(err))
		}
	}
	return versions, nil
}
