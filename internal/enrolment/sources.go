package enrolment

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
)

// MaxSourceReports bounds the reports of one FetchSources page.
const MaxSourceReports = 200

// Succession is one row of a reorganisation: on Date, all (Partial false)
// or part of the old unit Old became part of the new unit New.
type Succession struct {
	Old, New string
	Partial  bool
	Date     time.Time
}

// Source is a unit a child's unit was formed from, and on what day.
type Source struct {
	Unit    hierarchy.Unit
	Partial bool
	Date    time.Time
}

// SourcesOf returns the units the direct child at path (as of today) was
// formed from, by the reorganisations this node knows (Successions), and a page
// of the reports this node holds that those units signed: the latest
// revision of each, for data set (all when empty), from the page token on.
func (p *Parent) SourcesOf(path []string, dataSet, pageToken string) ([]Source, [][]byte, string, error) {
	now := p.Now()
	unit := path[len(path)-1]
	u, _, err := p.childOn("unit_code", unit, now)
	if err != nil {
		return nil, nil, "", ErrNotChild
	}
	offset := 0
	if pageToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(pageToken, "o"))
		if err != nil || n < 0 || !strings.HasPrefix(pageToken, "o") {
			return nil, nil, "", invalid.Field("page_token", "%q is not a token this node gave", pageToken)
		}
		offset = n
	}
	var changes []Succession
	if p.Successions != nil {
		changes = p.Successions()
	}
	var (
		sources []Source
		records []store.Submission
	)
	for _, c := range changes {
		if c.New != u.Code || u.ValidFrom.IsZero() || !c.Date.Equal(u.ValidFrom) {
			continue
		}
		// The source as it stood on its last day, and the path it signed
		// with: a code the new unit reused belongs to the old unit before
		// the day, so reports are told apart by who signed them.
		day := c.Date.AddDate(0, 0, -1)
		tree := p.treeOn(day)
		src, ok := tree.Unit(c.Old)
		if !ok {
			return nil, nil, "", fmt.Errorf("source %s of %s is not in this node's hierarchy on %s: %w", c.Old, u.Code, day.Format(time.DateOnly), hierarchy.ErrUnknownUnit)
		}
		sources = append(sources, Source{Unit: src, Partial: c.Partial, Date: c.Date})
		signer := strings.Join(tree.Path(src.Code), "/")
		recs, _, _, err := p.Store.Submissions(store.SubmissionFilter{Unit: src.Code, DataSet: dataSet}, nil, 0)
		if err != nil {
			return nil, nil, "", err
		}
		for _, r := range recs {
			if r.Signer == signer {
				records = append(records, r)
			}
		}
	}
	if offset > len(records) {
		offset = len(records)
	}
	page := records[offset:]
	next := ""
	if len(page) > MaxSourceReports {
		page = page[:MaxSourceReports]
		next = "o" + strconv.Itoa(offset+MaxSourceReports)
	}
	envs := make([][]byte, 0, len(page))
	for _, r := range page {
		env, err := p.Store.Envelope(r.Digest)
		if err != nil {
			return nil, nil, "", err
		}
		envs = append(envs, env)
	}
	return sources, envs, next, nil
}
