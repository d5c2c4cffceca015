package server

import (
	"context"
	"strconv"

	"go.uber.org/zap"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
)

type dataService struct {
	tonghopv1.UnimplementedDataServiceServer
	store *store.Store
	check entry.Checker
	cat   *catalog.Catalog
	// subs judges the values entered; nil judges nothing.
	subs *submission.Reports
	log  *zap.Logger
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

func (s *dataService) PutValues(ctx context.Context, req *tonghopv1.PutValuesRequest) (*tonghopv1.PutValuesResponse, error) {
	raws := make([]entry.Raw, len(req.Values))
	for i, v := range req.Values {
		raws[i] = entry.Raw{Element: v.DataElement, Option: v.Option, Value: v.Value}
	}
	t, vals, err := s.check.Values(req.UnitCode, req.DataSet, req.Period, raws)
	if err != nil {
		return nil, err
	}
	if err := s.store.PutValues(t.Period, vals); err != nil {
		return nil, err
	}
	resp := &tonghopv1.PutValuesResponse{Stored: int32(len(vals))}
	// The values are stored whatever the rules say: a report is entered in
	// pieces, and a breakdown adds up only once its last option is in.
	// Signing is where errors block.
	if s.subs != nil {
		vs, _, err := s.subs.Validate(s.check.Unit, t.DataSet.Code, t.Period)
		if err != nil {
			// The values are stored: say so. Signing judges them again.
			s.log.Error("validating values just stored", zap.Error(err))
		}
		resp.Violations = violationsToProto(vs)
	}
	return resp, nil
}

func (s *dataService) GetValues(ctx context.Context, req *tonghopv1.GetValuesRequest) (*tonghopv1.GetValuesResponse, error) {
	t, err := s.check.Target(req.UnitCode, req.DataSet, req.Period)
	if err != nil {
		return nil, err
	}
	if req.DataElement != "" {
		if err := s.check.Key(t.DataSet, req.DataElement, ""); err != nil {
			return nil, err
		}
	}
	stored, err := s.store.Values(t.Period)
	if err != nil {
		return nil, err
	}
	byKey := make(map[[2]string]store.Value, len(stored))
	for _, v := range stored {
		byKey[[2]string{v.Element, v.Option}] = v
	}
	// Catalogue order: the way the form reads, total before its options.
	resp := &tonghopv1.GetValuesResponse{}
	for _, code := range t.DataSet.Elements {
		if req.DataElement != "" && code != req.DataElement {
			continue
		}
		if v, ok := byKey[[2]string{code, ""}]; ok {
			resp.Values = append(resp.Values, valueToProto(v))
		}
		de, _ := s.cat.Element(code)
		for _, bc := range de.Breakdowns {
			b, _ := s.cat.Breakdown(bc)
			for _, o := range b.Options {
				if v, ok := byKey[[2]string{code, o.Code}]; ok {
					resp.Values = append(resp.Values, valueToProto(v))
				}
			}
		}
	}
	return resp, nil
}

func (s *dataService) DeleteValue(ctx context.Context, req *tonghopv1.DeleteValueRequest) (*tonghopv1.DeleteValueResponse, error) {
	t, err := s.check.Target(req.UnitCode, req.DataSet, req.Period)
	if err != nil {
		return nil, err
	}
	if err := s.check.Key(t.DataSet, req.DataElement, req.Option); err != nil {
		return nil, err
	}
	if err := s.store.DeleteValue(t.Period, req.DataElement, req.Option); err != nil {
		return nil, err
	}
	return &tonghopv1.DeleteValueResponse{}, nil
}

func (s *dataService) PutSection(ctx context.Context, req *tonghopv1.PutSectionRequest) (*tonghopv1.PutSectionResponse, error) {
	text := req.GetContent().GetText()
	t, err := s.check.Section(req.UnitCode, req.DataSet, req.Period, req.Section, &text)
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, invalid.Field("content.text", "is required; use DeleteSection to remove a section")
	}
	others, err := s.store.Sections(t.DataSet.Code, t.Period)
	if err != nil {
		return nil, err
	}
	total := len(text)
	for _, o := range others {
		if o.Code != req.Section {
			total += len(o.Text)
		}
	}
	if total > entry.MaxReportTextBytes {
		return nil, invalid.Field("content.text", "the report's sections would total %d bytes; at most %d together", total, entry.MaxReportTextBytes)
	}
	st, err := s.store.PutSection(t.DataSet.Code, t.Period, req.Section, text)
	if err != nil {
		return nil, err
	}
	return &tonghopv1.PutSectionResponse{Section: sectionToProto(st)}, nil
}

func (s *dataService) ListSections(ctx context.Context, req *tonghopv1.ListSectionsRequest) (*tonghopv1.ListSectionsResponse, error) {
	t, err := s.check.Target(req.UnitCode, req.DataSet, req.Period)
	if err != nil {
		return nil, err
	}
	stored, err := s.store.Sections(t.DataSet.Code, t.Period)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]store.SectionText, len(stored))
	for _, st := range stored {
		byCode[st.Code] = st
	}
	resp := &tonghopv1.ListSectionsResponse{}
	for _, sec := range t.DataSet.Sections {
		if st, ok := byCode[sec.Code]; ok {
			resp.Sections = append(resp.Sections, sectionToProto(st))
		}
	}
	return resp, nil
}

func (s *dataService) DeleteSection(ctx context.Context, req *tonghopv1.DeleteSectionRequest) (*tonghopv1.DeleteSectionResponse, error) {
	t, err := s.check.Section(req.UnitCode, req.DataSet, req.Period, req.Section, nil)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteSection(t.DataSet.Code, t.Period, req.Section); err != nil {
		return nil, err
	}
	return &tonghopv1.DeleteSectionResponse{}, nil
}
