package server

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

// Conversions from domain types to generated API types. They live here, at
// the edge, so no domain package imports generated code.

func natureToProto(n catalog.Nature) tonghopv1.Nature {
	switch n {
	case catalog.Stock:
		return tonghopv1.Nature_NATURE_STOCK
	case catalog.Flow:
		return tonghopv1.Nature_NATURE_FLOW
	}
	return tonghopv1.Nature_NATURE_UNSPECIFIED
}

func valueTypeToProto(v catalog.ValueType) tonghopv1.ValueType {
	if v == catalog.Count {
		return tonghopv1.ValueType_VALUE_TYPE_COUNT
	}
	return tonghopv1.ValueType_VALUE_TYPE_UNSPECIFIED
}

func kindToProto(k catalog.BreakdownKind) tonghopv1.BreakdownKind {
	switch k {
	case catalog.Partition:
		return tonghopv1.BreakdownKind_BREAKDOWN_KIND_PARTITION
	case catalog.Subset:
		return tonghopv1.BreakdownKind_BREAKDOWN_KIND_SUBSET
	}
	return tonghopv1.BreakdownKind_BREAKDOWN_KIND_UNSPECIFIED
}

func periodTypeToProto(t period.Type) tonghopv1.PeriodType {
	switch t {
	case period.Monthly:
		return tonghopv1.PeriodType_PERIOD_TYPE_MONTHLY
	case period.Quarterly:
		return tonghopv1.PeriodType_PERIOD_TYPE_QUARTERLY
	case period.SixMonthly:
		return tonghopv1.PeriodType_PERIOD_TYPE_SIX_MONTHLY
	case period.Yearly:
		return tonghopv1.PeriodType_PERIOD_TYPE_YEARLY
	}
	return tonghopv1.PeriodType_PERIOD_TYPE_UNSPECIFIED
}

func breakdownToProto(b catalog.Breakdown) *tonghopv1.Breakdown {
	out := &tonghopv1.Breakdown{Code: b.Code, Name: b.Name, NameEn: b.NameEN, Kind: kindToProto(b.Kind)}
	for _, o := range b.Options {
		out.Options = append(out.Options, &tonghopv1.BreakdownOption{Code: o.Code, Name: o.Name, NameEn: o.NameEN})
	}
	return out
}

func elementToProto(e catalog.DataElement) *tonghopv1.DataElement {
	return &tonghopv1.DataElement{
		Code: e.Code, Name: e.Name, NameEn: e.NameEN, Description: e.Description, Group: e.Group,
		Nature: natureToProto(e.Nature), ValueType: valueTypeToProto(e.ValueType),
		Breakdowns: append([]string(nil), e.Breakdowns...),
	}
}

func dataSetToProto(d catalog.DataSet) *tonghopv1.DataSet {
	out := &tonghopv1.DataSet{
		Code: d.Code, Name: d.Name, NameEn: d.NameEN, PeriodType: periodTypeToProto(d.PeriodType),
		DataElements: append([]string(nil), d.Elements...),
	}
	for _, s := range d.Sections {
		out.Sections = append(out.Sections, &tonghopv1.Section{Code: s.Code, Title: s.Title})
	}
	return out
}

func indicatorToProto(i catalog.Indicator) *tonghopv1.Indicator {
	out := &tonghopv1.Indicator{
		Code: i.Code, Name: i.Name, NameEn: i.NameEN, Factor: i.Factor, Unit: i.Unit, Decimals: int32(i.Decimals),
	}
	if i.Numerator != nil {
		out.Numerator = i.Numerator.String()
	}
	if i.Denominator != nil {
		out.Denominator = i.Denominator.String()
	}
	return out
}

const dateLayout = "2006-01-02"

func dateToProto(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

func unitToProto(u hierarchy.Unit) *tonghopv1.Unit {
	return &tonghopv1.Unit{
		Code: u.Code, Name: u.Name, Level: u.Level, ParentCode: u.Parent,
		ValidFrom: dateToProto(u.ValidFrom), ValidTo: dateToProto(u.ValidTo),
	}
}

func unitsToProto(us []hierarchy.Unit) []*tonghopv1.Unit {
	out := make([]*tonghopv1.Unit, len(us))
	for i, u := range us {
		out[i] = unitToProto(u)
	}
	return out
}

func valueToProto(v store.Value) *tonghopv1.DataValue {
	return &tonghopv1.DataValue{
		DataElement: v.Element, Option: v.Option,
		Value:     formatInt(v.Count),
		UpdatedAt: timestamppb.New(v.UpdatedAt),
	}
}

func sectionToProto(s store.SectionText) *tonghopv1.SectionText {
	return &tonghopv1.SectionText{Section: s.Code, Text: s.Text, UpdatedAt: timestamppb.New(s.UpdatedAt)}
}
