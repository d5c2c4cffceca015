package nationalbench

import (
	"context"
	"crypto/x509"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/synth"
	"github.com/tonghop/tonghop/internal/trust"
)

// certValidity is long enough for any run.
const certValidity = 30 * 24 * time.Hour

// fleet is every unit below the root with its own key and certificate, as
// enrolment would have given them: each province's by the root, each
// district's by its province, each commune's by its parent.
type fleet struct {
	cat   *catalog.Catalog
	ds    catalog.DataSet
	tree  *hierarchy.Tree
	root  trust.Identity
	roots *x509.CertPool
	// units are the units below the root, parents before children.
	units []hierarchy.Unit
	ids   map[string]trust.Identity
	// sections are the narrative every report carries, so that an
	// envelope has a realistic size.
	sections []envelope.Section
}

// newFleet certifies every unit below rootCode, parents first.
func newFleet(cat *catalog.Catalog, ds catalog.DataSet, tree *hierarchy.Tree, root trust.Identity, rootCode string) (*fleet, error) {
	f := &fleet{cat: cat, ds: ds, tree: tree, root: root, roots: x509.NewCertPool(), ids: map[string]trust.Identity{rootCode: root}}
	f.roots.AddCert(root.Root())
	// Breadth first: a parent's identity exists before its children's.
	for level := []string{rootCode}; len(level) > 0; {
		var next []string
		for _, code := range level {
			for _, c := range tree.Children(code) {
				f.units = append(f.units, c)
				next = append(next, c.Code)
			}
		}
		level = next
	}
	now := time.Now()
	// Keys and certificates of one level at a time, in parallel: their
	// parents are all done.
	byDepth := map[int][]hierarchy.Unit{}
	maxDepth := 0
	for _, u := range f.units {
		d := tree.Depth(u.Code)
		byDepth[d] = append(byDepth[d], u)
		maxDepth = max(maxDepth, d)
	}
	var mu sync.Mutex
	for d := 0; d <= maxDepth; d++ {
		units := byDepth[d]
		err := parallel(len(units), func(_, lo, hi int) error {
			for _, u := range units[lo:hi] {
				mu.Lock()
				parent := f.ids[u.Parent]
				mu.Unlock()
				id, err := parent.NewChild(tree.Path(u.Code), now, certValidity)
				if err != nil {
					return fmt.Errorf("certifying %s: %w", u.Code, err)
				}
				mu.Lock()
				f.ids[u.Code] = id
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	text := strings.Repeat("Cấp ủy đã lãnh đạo, chỉ đạo thực hiện tốt công tác xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên; "+
		"chất lượng sinh hoạt chi bộ từng bước được nâng lên. ", 4)
	for _, code := range []string{"I.3.1", "II.1"} {
		if _, ok := ds.Section(code); !ok {
			return nil, fmt.Errorf("data set %s has no section %s", ds.Code, code)
		}
		f.sections = append(f.sections, envelope.Section{Code: code, Text: text})
	}
	return f, nil
}

// parallel runs work over [0, n) in one contiguous slice per CPU, the
// w-th slice as worker w, and returns the first error.
func parallel(n int, work func(w, lo, hi int) error) error {
	nw := workers(n)
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for w := range nw {
		lo, hi := n*w/nw, n*(w+1)/nw
		wg.Go(func() { errs[w] = work(w, lo, hi) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// workers is how many goroutines parallel uses for n items.
func workers(n int) int { return min(runtime.GOMAXPROCS(0), max(n, 1)) }

// round is one year's reports of every unit below the root.
type round struct {
	year   int
	envs   [][]byte // in the order of fleet.units
	values int
	// facts are the same values as rows for PostgreSQL's COPY.
	facts []byte
}

// sign makes every unit's signed report for year: every cell of the data
// set as synth draws it, and the fleet's sections. Each row of facts is a
// line of COPY's text format.
func (f *fleet) sign(year int, cols columns) (round, error) {
	r := round{year: year, envs: make([][]byte, len(f.units))}
	p := strconv.Itoa(year)
	facts := make([][]byte, workers(len(f.units)))
	counts := make([]int, len(facts))
	err := parallel(len(f.units), func(me, lo, hi int) error {
		for i := lo; i < hi; i++ {
			u := f.units[i]
			vals := synth.Values(f.cat, f.ds, u.Code, year)
			s := envelope.Submission{
				Unit: u.Code, DataSet: f.ds.Code, Period: p, Revision: 1,
				CatalogVersion: f.cat.Version(), CatalogDigest: f.cat.Digest(), SignedAt: time.Now().UTC(),
				Values: make([]envelope.Value, len(vals)), Sections: f.sections,
			}
			prefix := cols.prefix(u.Code)
			for k, v := range vals {
				s.Values[k] = envelope.Value{Element: v.Element, Option: v.Option, Count: v.Count}
				facts[me] = fmt.Appendf(facts[me], "%s\t%s\t%d\t%s\t%d\n", v.Element, v.Option, year, prefix, v.Count)
			}
			counts[me] += len(vals)
			payload, err := envelope.EncodeSubmission(s)
			if err != nil {
				return fmt.Errorf("report of %s for %d: %w", u.Code, year, err)
			}
			id := f.ids[u.Code]
			env, err := envelope.Sign(envelope.SubmissionType, payload, id.Key, id.Chain)
			if err != nil {
				return fmt.Errorf("signing the report of %s for %d: %w", u.Code, year, err)
			}
			if r.envs[i], err = env.Marshal(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return round{}, err
	}
	for i := range facts {
		r.facts = append(r.facts, facts[i]...)
		r.values += counts[i]
	}
	return r, nil
}

// deliver sends a round to the root's peer port as its provinces' uplinks
// would: each province on its own mutual-TLS connection, one batch of
// batch envelopes in flight at a time, its own report and its subtree's
// relayed ones. judge says whether each envelope's result is right, as the
// answers arrive (from several goroutines at once); nil requires accepted()
// of every envelope.
func (f *fleet) deliver(ctx context.Context, peerAddr string, rootPath []string, r round, batch int, judge func(*tonghopv1.DeliveryResult) error) error {
	if judge == nil {
		judge = accepted
	}
	// The envelopes of each province's subtree, in the fleet's order.
	byProvince := map[string][][]byte{}
	var provinces []string
	for i, u := range f.units {
		p := f.tree.Path(u.Code)[len(rootPath)]
		if _, ok := byProvince[p]; !ok {
			provinces = append(provinces, p)
		}
		byProvince[p] = append(byProvince[p], r.envs[i])
	}
	errs := make([]error, len(provinces))
	var wg sync.WaitGroup
	for i, p := range provinces {
		wg.Go(func() { errs[i] = f.deliverFrom(ctx, peerAddr, rootPath, p, byProvince[p], batch, judge) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// deliverFrom is one province's uplink: its envelopes in order, one batch
// at a time.
func (f *fleet) deliverFrom(ctx context.Context, peerAddr string, rootPath []string, province string, envs [][]byte, batch int,
	judge func(*tonghopv1.DeliveryResult) error) error {
	tlsCfg := trust.ClientTLS(f.ids[province], f.roots, rootPath, nil)
	conn, err := grpc.NewClient(peerAddr, grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		return fmt.Errorf("province %s connecting to the root: %w", province, err)
	}
	defer conn.Close()
	client := tonghopv1.NewPeerServiceClient(conn)
	for i := 0; i < len(envs); i += batch {
		resp, err := client.Deliver(ctx, &tonghopv1.DeliverRequest{Envelopes: envs[i:min(i+batch, len(envs))]})
		if err != nil {
			return fmt.Errorf("province %s delivering: %w", province, err)
		}
		for k, res := range resp.Results {
			if err := judge(res); err != nil {
				return fmt.Errorf("province %s: envelope %d of its round: %w", province, i+k, err)
			}
		}
	}
	return nil
}

// accepted requires an envelope accepted with a receipt: what a round of
// new reports gets.
func accepted(res *tonghopv1.DeliveryResult) error {
	if res.Outcome != tonghopv1.DeliveryOutcome_DELIVERY_OUTCOME_ACCEPTED || len(res.Receipt) == 0 {
		return fmt.Errorf("%v %v", res.Outcome, res.Error)
	}
	return nil
}
