package node

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// fakeTimer records what the release asks of its timer; the test fires it.
type fakeTimer struct {
	set   []time.Duration // every Reset, in order
	armed bool
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	was := t.armed
	t.set, t.armed = append(t.set, d), true
	return was
}

func (t *fakeTimer) Stop() bool {
	was := t.armed
	t.armed = false
	return was
}

// idleFixture is a release on a clock the test moves, counting releases.
type idleFixture struct {
	r        *idleRelease
	timer    *fakeTimer
	clock    time.Time
	released int
}

func newIdleFixture() *idleFixture {
	f := &idleFixture{timer: &fakeTimer{}, clock: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	f.r = &idleRelease{quiet: QuietPeriod, now: func() time.Time { return f.clock }, release: func() { f.released++ }, timer: f.timer}
	return f
}

// expire moves the clock by d and fires the timer, as time.AfterFunc would
// once the duration it was last set for has passed.
func (f *idleFixture) expire(t *testing.T, d time.Duration) {
	t.Helper()
	if !f.timer.armed {
		t.Fatalf("timer fired while not set")
	}
	f.clock = f.clock.Add(d)
	f.timer.armed = false
	f.r.fire()
}

func (f *idleFixture) request() { f.r.begin(); f.r.end() }

func TestIdleReleaseOnceAfterQuietPeriod(t *testing.T) {
	f := newIdleFixture()
	if f.timer.armed {
		t.Fatal("timer set before any request")
	}
	f.request()
	f.request() // a second request does not touch the timer
	if len(f.timer.set) != 1 || f.timer.set[0] != QuietPeriod {
		t.Fatalf("timer set %v, want once for %v", f.timer.set, QuietPeriod)
	}
	f.expire(t, QuietPeriod)
	if f.released != 1 {
		t.Fatalf("released %d times after the quiet period, want 1", f.released)
	}
	if f.timer.armed {
		t.Fatal("timer set again after the release with no new request")
	}
	// A stray expiry without new activity releases nothing more.
	f.r.fire()
	if f.released != 1 {
		t.Fatalf("released %d times without new activity, want 1", f.released)
	}
	// New activity earns one more release, a quiet period later.
	f.request()
	f.expire(t, QuietPeriod)
	if f.released != 2 {
		t.Fatalf("released %d times after new activity, want 2", f.released)
	}
}

func TestIdleReleaseWaitsForTheLastRequest(t *testing.T) {
	f := newIdleFixture()
	f.request()
	// 10 s later another request: the timer, set for 30 s, fires 20 s
	// after it, too early, and is set for the 10 s left.
	f.clock = f.clock.Add(10 * time.Second)
	f.request()
	f.expire(t, 20*time.Second)
	if f.released != 0 {
		t.Fatalf("released %d times 20 s after the last request", f.released)
	}
	if want := []time.Duration{QuietPeriod, 10 * time.Second}; len(f.timer.set) != 2 || f.timer.set[1] != want[1] {
		t.Fatalf("timer set %v, want %v", f.timer.set, want)
	}
	f.expire(t, 10*time.Second)
	if f.released != 1 {
		t.Fatalf("released %d times a quiet period after the last request, want 1", f.released)
	}
}

func TestIdleReleaseNotWhileARequestIsInFlight(t *testing.T) {
	f := newIdleFixture()
	f.request()
	f.r.begin() // a long request, still running when the timer fires
	f.expire(t, time.Minute)
	if f.released != 0 {
		t.Fatalf("released %d times with a request in flight", f.released)
	}
	if f.timer.armed {
		t.Fatal("timer set again while the request runs; its end sets it")
	}
	f.r.end()
	f.expire(t, QuietPeriod-time.Second)
	if f.released != 0 {
		t.Fatalf("released %d times before the quiet period after the request ended", f.released)
	}
	f.expire(t, time.Second)
	if f.released != 1 {
		t.Fatalf("released %d times, want 1", f.released)
	}
}

// The HTTP server's outermost handler counts the request in flight until
// the answer is written.
func TestIdleReleaseObservesHTTP(t *testing.T) {
	f := newIdleFixture()
	f.request()
	var during int
	h := f.r.http(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f.expire(t, time.Minute)
		during = f.released
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if during != 0 {
		t.Fatalf("released %d times while the HTTP request ran", during)
	}
	f.expire(t, QuietPeriod)
	if f.released != 1 {
		t.Fatalf("released %d times after the HTTP request, want 1", f.released)
	}
}
