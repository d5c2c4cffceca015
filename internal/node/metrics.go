package node

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// rpcMetrics counts and times requests on both servers. Each node has its
// own registry, so two nodes in one process (the demo, the tests) never mix.
type rpcMetrics struct {
	grpcTotal    *prometheus.CounterVec
	grpcDuration *prometheus.HistogramVec
	httpTotal    *prometheus.CounterVec
}

func newRPCMetrics(reg prometheus.Registerer) *rpcMetrics {
	m := &rpcMetrics{
		grpcTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tonghop_grpc_requests_total", Help: "gRPC requests by method and status code.",
		}, []string{"method", "code"}),
		grpcDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tonghop_grpc_request_duration_seconds", Help: "gRPC request latency by method.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"method"}),
		httpTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tonghop_http_requests_total", Help: "HTTP requests by status code.",
		}, []string{"code"}),
	}
	reg.MustRegister(m.grpcTotal, m.grpcDuration, m.httpTotal)
	return m
}

func (m *rpcMetrics) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	m.grpcDuration.WithLabelValues(info.FullMethod).Observe(time.Since(start).Seconds())
	m.grpcTotal.WithLabelValues(info.FullMethod, status.Code(err).String()).Inc()
	return resp, err
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (m *rpcMetrics) http(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		m.httpTotal.WithLabelValues(strconv.Itoa(rec.code)).Inc()
	})
}
