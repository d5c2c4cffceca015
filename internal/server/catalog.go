package server

import (
	"context"
	"fmt"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/validate"
)

type catalogService struct {
	tonghopv1.UnimplementedCatalogServiceServer
	cat *catalog.Catalog
	// subs publishes versions and knows those published elsewhere.
	subs *submission.Reports
}

func (s *catalogService) GetCatalog(ctx context.Context, _ *tonghopv1.GetCatalogRequest) (*tonghopv1.GetCatalogResponse, error) {
	c := &tonghopv1.Catalog{Version: s.cat.Version(), Digest: s.cat.Digest()}
	for _, b := range s.cat.Breakdowns() {
		c.Breakdowns = append(c.Breakdowns, breakdownToProto(b))
	}
	for _, e := range s.cat.Elements() {
		c.DataElements = append(c.DataElements, elementToProto(e))
	}
	for _, d := range s.cat.DataSets() {
		c.DataSets = append(c.DataSets, dataSetToProto(d))
	}
	for _, i := range s.cat.Indicators() {
		c.Indicators = append(c.Indicators, indicatorToProto(i))
	}
	return &tonghopv1.GetCatalogResponse{Catalog: c}, nil
}

func (s *catalogService) ListDataElements(ctx context.Context, req *tonghopv1.ListDataElementsRequest) (*tonghopv1.ListDataElementsResponse, error) {
	var ds catalog.DataSet
	if req.DataSet != "" {
		var ok bool
		if ds, ok = s.cat.DataSet(req.DataSet); !ok {
			return nil, invalid.Field("data_set", "unknown data set %q", req.DataSet)
		}
	}
	resp := &tonghopv1.ListDataElementsResponse{}
	for _, e := range s.cat.Elements() {
		if req.Group != "" && e.Group != req.Group {
			continue
		}
		if req.DataSet != "" && !ds.HasElement(e.Code) {
			continue
		}
		resp.DataElements = append(resp.DataElements, elementToProto(e))
	}
	return resp, nil
}

func (s *catalogService) GetDataElement(ctx context.Context, req *tonghopv1.GetDataElementRequest) (*tonghopv1.GetDataElementResponse, error) {
	if req.Code == "" {
		return nil, invalid.Field("code", "is required")
	}
	e, ok := s.cat.Element(req.Code)
	if !ok {
		return nil, fmt.Errorf("data element %q: %w", req.Code, errNotFound)
	}
	resp := &tonghopv1.GetDataElementResponse{DataElement: elementToProto(e)}
	for _, code := range e.Breakdowns {
		b, _ := s.cat.Breakdown(code)
		resp.Breakdowns = append(resp.Breakdowns, breakdownToProto(b))
	}
	return resp, nil
}

func (s *catalogService) ListBreakdowns(ctx context.Context, _ *tonghopv1.ListBreakdownsRequest) (*tonghopv1.ListBreakdownsResponse, error) {
	resp := &tonghopv1.ListBreakdownsResponse{}
	for _, b := range s.cat.Breakdowns() {
		resp.Breakdowns = append(resp.Breakdowns, breakdownToProto(b))
	}
	return resp, nil
}

func (s *catalogService) ListDataSets(ctx context.Context, _ *tonghopv1.ListDataSetsRequest) (*tonghopv1.ListDataSetsResponse, error) {
	resp := &tonghopv1.ListDataSetsResponse{}
	for _, d := range s.cat.DataSets() {
		resp.DataSets = append(resp.DataSets, dataSetToProto(d))
	}
	return resp, nil
}

func (s *catalogService) GetDataSet(ctx context.Context, req *tonghopv1.GetDataSetRequest) (*tonghopv1.GetDataSetResponse, error) {
	if req.Code == "" {
		return nil, invalid.Field("code", "is required")
	}
	d, ok := s.cat.DataSet(req.Code)
	if !ok {
		return nil, fmt.Errorf("data set %q: %w", req.Code, errNotFound)
	}
	return &tonghopv1.GetDataSetResponse{DataSet: dataSetToProto(d)}, nil
}

func (s *catalogService) ListIndicators(ctx context.Context, _ *tonghopv1.ListIndicatorsRequest) (*tonghopv1.ListIndicatorsResponse, error) {
	resp := &tonghopv1.ListIndicatorsResponse{}
	for _, i := range s.cat.Indicators() {
		resp.Indicators = append(resp.Indicators, indicatorToProto(i))
	}
	return resp, nil
}

func (s *catalogService) GetIndicator(ctx context.Context, req *tonghopv1.GetIndicatorRequest) (*tonghopv1.GetIndicatorResponse, error) {
	if req.Code == "" {
		return nil, invalid.Field("code", "is required")
	}
	i, ok := s.cat.Indicator(req.Code)
	if !ok {
		return nil, fmt.Errorf("indicator %q: %w", req.Code, errNotFound)
	}
	return &tonghopv1.GetIndicatorResponse{Indicator: indicatorToProto(i)}, nil
}

func (s *catalogService) ListValidationRules(ctx context.Context, _ *tonghopv1.ListValidationRulesRequest) (*tonghopv1.ListValidationRulesResponse, error) {
	derived, err := validate.BuiltIn(s.cat)
	if err != nil {
		return nil, err
	}
	importance := func(imp string) tonghopv1.Importance {
		if imp == validate.Warning.String() {
			return tonghopv1.Importance_IMPORTANCE_WARNING
		}
		return tonghopv1.Importance_IMPORTANCE_ERROR
	}
	resp := &tonghopv1.ListValidationRulesResponse{}
	for _, r := range derived {
		resp.Rules = append(resp.Rules, &tonghopv1.ValidationRule{
			Code: r.Code, Left: r.Left.String(), Operator: string(r.Op), Right: r.Right.String(),
			Importance: importance(r.Importance.String()), Message: r.Message, MessageEn: r.MessageEN, Derived: true,
		})
	}
	for _, r := range s.cat.ValidationRules() {
		out := &tonghopv1.ValidationRule{
			Code: r.Code, Left: r.Left.String(), Operator: r.Operator, Right: r.Right.String(),
			Importance: importance(r.Importance), Message: r.Message, MessageEn: r.MessageEN,
		}
		if r.Previous != nil {
			out.Previous = r.Previous.String()
		}
		if r.PeriodType != 0 {
			out.PeriodType = r.PeriodType.String()
		}
		resp.Rules = append(resp.Rules, out)
	}
	return resp, nil
}
