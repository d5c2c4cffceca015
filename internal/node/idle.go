package node

import (
	"context"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// QuietPeriod is how long a node goes without a request before it hands its
// free heap back to the system.
const QuietPeriod = 30 * time.Second

// idleTimer is the part of *time.Timer the release uses; tests inject one
// they fire themselves.
type idleTimer interface {
	Reset(d time.Duration) bool
	Stop() bool
}

// idleRelease hands the heap that answering grew back to the system once
// the node has gone quiet. Go's scavenger returns free pages only slowly, so
// a node that served the app's screens would otherwise stay some megabytes
// bigger while idle than one that served nothing.
//
// While busy it costs a lock and a clock read per request: the timer is not
// reset per request; when it fires early it is set again for the rest of the
// quiet period. It releases once per quiet spell, never with a request in
// flight.
type idleRelease struct {
	quiet   time.Duration
	now     func() time.Time
	release func()
	timer   idleTimer

	mu       sync.Mutex
	inFlight int
	last     time.Time // when the last request ended
	pending  bool      // activity since the last release
	armed    bool      // the timer is set
}

// newIdleRelease returns a release with the real clock and timer. It
// collects twice: the first collection only moves the sync.Pools' buffers
// (gRPC's, the compressors') aside, the second frees them, and
// debug.FreeOSMemory hands the pages back (some 1 MiB more than it alone).
func newIdleRelease(quiet time.Duration) *idleRelease {
	r := &idleRelease{quiet: quiet, now: time.Now, release: func() { runtime.GC(); debug.FreeOSMemory() }}
	t := time.AfterFunc(time.Hour, r.fire)
	t.Stop()
	r.timer = t
	return r
}

// begin marks a request in flight.
func (r *idleRelease) begin() {
	r.mu.Lock()
	r.inFlight++
	r.mu.Unlock()
}

// end marks a request done; the quiet period counts from the last one.
func (r *idleRelease) end() {
	r.mu.Lock()
	r.inFlight--
	r.last = r.now()
	r.pending = true
	if !r.armed {
		r.armed = true
		r.timer.Reset(r.quiet)
	}
	r.mu.Unlock()
}

// fire runs when the timer expires: it releases if the node has been quiet
// for the whole period, or sets the timer again for what is left of it.
func (r *idleRelease) fire() {
	r.mu.Lock()
	if !r.pending || r.inFlight > 0 {
		// A request in flight sets the timer again when it ends.
		r.armed = false
		r.mu.Unlock()
		return
	}
	if left := r.quiet - r.now().Sub(r.last); left > 0 {
		r.timer.Reset(left)
		r.mu.Unlock()
		return
	}
	r.armed, r.pending = false, false
	r.mu.Unlock()
	// Outside the lock: the collection can take a while on a big heap, and a
	// request that arrives meanwhile must not wait for it.
	r.release()
}

// stop cancels a release still to come: the node is closing.
func (r *idleRelease) stop() {
	r.mu.Lock()
	r.pending = false
	r.timer.Stop()
	r.mu.Unlock()
}

// http observes every HTTP request.
func (r *idleRelease) http(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.begin()
		defer r.end()
		next.ServeHTTP(w, req)
	})
}

// unary observes every unary gRPC call: the REST gateway's and peers'.
// Streams (health watches, reflection) are left out: one may stay open for
// as long as a connection lives, and none does real work.
func (r *idleRelease) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	r.begin()
	defer r.end()
	return handler(ctx, req)
}
