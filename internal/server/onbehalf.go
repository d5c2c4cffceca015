package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/workbook"
)

func (s *submissionService) SubmitOnBehalf(ctx context.Context, req *tonghopv1.SubmitOnBehalfRequest) (*tonghopv1.SubmitOnBehalfResponse, error) {
	if _, ok := s.tree.Unit(req.UnitCode); !ok {
		return nil, invalid.Field("unit_code", "unknown unit %q", req.UnitCode)
	}
	if req.UnitCode == s.check.Unit {
		return nil, invalid.Field("unit_code", "%s is this node's own unit: use Submit", req.UnitCode)
	}
	raws := make([]entry.Raw, len(req.Values))
	for i, v := range req.Values {
		raws[i] = entry.Raw{Element: v.DataElement, Option: v.Option, Value: v.Value}
	}
	// The unit's values are checked as its own node would check them.
	t, vals, err := entry.Checker{Unit: req.UnitCode, Catalog: s.check.Catalog}.Values(req.UnitCode, req.DataSet, req.Period, raws)
	if err != nil {
		return nil, err
	}
	overrides := make([]envelope.Override, len(req.Overrides))
	for i, o := range req.Overrides {
		overrides[i] = envelope.Override{Rule: o.Rule, Reason: o.Reason}
	}
	rec, err := s.subs.SubmitOnBehalf(req.UnitCode, t.DataSet.Code, t.Period, vals, overrides)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.SubmitOnBehalfResponse{Submission: submissionToProto(rec, false)}, nil
}

// maxHistory bounds the reports FetchHistory returns.
const maxHistory = 10000

func (s *peerService) FetchHistory(ctx context.Context, _ *tonghopv1.FetchHistoryRequest) (*tonghopv1.FetchHistoryResponse, error) {
	path, err := s.childPath(ctx)
	if err != nil {
		return nil, err
	}
	recs, _, _, err := s.subs.Store.Submissions(store.SubmissionFilter{Unit: path[len(path)-1], WithSuperseded: true}, nil, maxHistory)
	if err != nil {
		return nil, err
	}
	resp := &tonghopv1.FetchHistoryResponse{}
	// The unit's own reports, and those this node entered on its behalf:
	// not those of an older unit that had the same code (Thị trấn Tam
	// Đường's for the Xã Bình Lư that took its code 03390), which its
	// path, and so its signer, tells apart.
	own, mine := trust.JoinPath(path), trust.JoinPath(path[:len(path)-1])
	for _, r := range recs {
		if r.Signer != own && r.Signer != mine {
			continue
		}
		_, env, _, err := s.subs.Store.Submission(r.Digest)
		if err != nil {
			return nil, err
		}
		resp.Envelopes = append(resp.Envelopes, env)
	}
	return resp, nil
}

// SubmitSheetOnBehalf enters the reports of the node's children from a
// sheet with one column per child: every cell is checked as the child's
// own node would check it, every bad cell named, and then all the
// columns are signed and stored together or none is.
func (s *submissionService) SubmitSheetOnBehalf(ctx context.Context, req *tonghopv1.SubmitSheetOnBehalfRequest) (*tonghopv1.SubmitSheetOnBehalfResponse, error) {
	var bad invalid.Error
	if len(req.GetFile().GetData()) == 0 {
		bad.Add("file", "is required: the XLSX file as the request body")
	}
	t := s.check.DataSetPeriod(&bad, req.DataSet, req.Period)
	if req.UnitCode != s.check.Unit {
		bad.Add("unit_code", "%q is not this node's unit (%s): a sheet's columns are the node's children", req.UnitCode, s.check.Unit)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	entries, err := readSheet(&bad, req.File.Data, childResolver(s.tree, req.UnitCode))
	if err != nil {
		return nil, err
	}
	byUnit := map[string][]workbook.Entry{}
	for _, e := range entries {
		if e.Unit == "" {
			bad.Add(e.Cell, "a value of %s itself: this sheet enters its children's reports, one column each (import the node's own form with `values import`)", req.UnitCode)
			continue
		}
		byUnit[e.Unit] = append(byUnit[e.Unit], e)
	}
	units := slices.Sorted(maps.Keys(byUnit))
	reports := make([]submission.OnBehalf, 0, len(units))
	for _, u := range units {
		cells := byUnit[u]
		raws := make([]entry.Raw, len(cells))
		for i, e := range cells {
			raws[i] = entry.Raw{Element: e.Element, Option: e.Option, Value: e.Value}
		}
		// Each column is checked as the unit's own node would check it.
		_, vals, err := entry.Checker{Unit: u, Catalog: s.check.Catalog}.Values(u, t.DataSet.Code, req.Period, raws)
		if bi, ok := invalid.As(err); ok {
			for _, v := range bi.Violations {
				var i int
				if n, _ := fmt.Sscanf(v.Field, "values[%d]", &i); n == 1 && i >= 0 && i < len(cells) {
					bad.Add(cells[i].Cell, "%s", v.Reason)
				} else {
					bad.Add(v.Field, "column of %s: %s", u, v.Reason)
				}
			}
			continue
		} else if err != nil {
			return nil, err
		}
		reports = append(reports, submission.OnBehalf{Unit: u, DataSet: t.DataSet.Code, Period: t.Period, Values: vals})
	}
	if len(entries) == 0 && len(bad.Violations) == 0 {
		bad.Add("file", "holds no value: every cell of the children's columns is empty")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	recs, err := s.subs.SubmitOnBehalfAll(reports)
	if err != nil {
		var one *submission.OnBehalfError
		if errors.As(err, &one) {
			return nil, fmt.Errorf("column of %s (%s): %w; nothing of the sheet was stored", one.Unit, byUnit[one.Unit][0].Cell, one.Err)
		}
		return nil, err
	}
	resp := &tonghopv1.SubmitSheetOnBehalfResponse{}
	for _, r := range recs {
		resp.Submissions = append(resp.Submissions, submissionToProto(r, false))
	}
	return resp, nil
}

// childResolver resolves a column header to one of unit's children: by
// code, by "code name" or by name.
func childResolver(tree *hierarchy.Tree, unit string) workbook.Units {
	byName := map[string]string{}
	codes := map[string]bool{}
	for _, c := range tree.Children(unit) {
		byName[strings.ToLower(c.Name)] = c.Code
		codes[c.Code] = true
	}
	return func(h string) (string, bool) {
		first, _, _ := strings.Cut(h, " ")
		if codes[first] {
			return first, true
		}
		c, ok := byName[strings.ToLower(h)]
		return c, ok
	}
}
