package server

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strings"

	"google.golang.org/genproto/googleapis/api/httpbody"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/dhis2"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/period"
	"github.com/tonghop/tonghop/internal/store"
)

var dhis2Formats = map[tonghopv1.DataValueSetFormat]string{
	tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_JSON: dhis2.JSON,
	tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_XML:  dhis2.XML,
	tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_CSV:  dhis2.CSV,
	tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_ADX:  dhis2.ADX,
}

// formatOf is the request's format, or the one its media type names.
func formatOf(f tonghopv1.DataValueSetFormat, contentType string) (string, bool) {
	if f != tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_UNSPECIFIED {
		name, ok := dhis2Formats[f]
		return name, ok
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	for name, t := range dhis2.MediaTypes {
		if mt == t {
			return name, true
		}
	}
	switch mt {
	case "text/csv":
		return dhis2.CSV, true
	case "text/xml":
		return dhis2.XML, true
	}
	return dhis2.JSON, true
}

func parseMapping(bad *invalid.Error, text string) *dhis2.Mapping {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	m, err := dhis2.ReadMapping(strings.NewReader(text))
	if err != nil {
		bad.Add("mapping", "%v", err)
	}
	return m
}

func (s *documentService) ImportDataValueSet(ctx context.Context, req *tonghopv1.ImportDataValueSetRequest) (*tonghopv1.ImportDataValueSetResponse, error) {
	var bad invalid.Error
	strategy, err := dhis2.Strategy(req.ImportStrategy)
	if err != nil {
		bad.Add("import_strategy", "%v", err)
	}
	format, ok := formatOf(req.Format, req.GetFile().GetContentType())
	if !ok {
		bad.Add("format", "unknown format %d", req.Format)
	}
	m := parseMapping(&bad, req.Mapping)
	if len(req.GetFile().GetData()) == 0 {
		bad.Add("file", "is required: the data value set as the request body")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	set, err := dhis2.Read(format, bytes.NewReader(req.File.Data))
	if err != nil {
		return nil, invalid.Field("file", "%v", err)
	}
	values, conflicts := dhis2.Translate(set, m)
	im := &valueImport{s: s, req: req, m: m, strategy: strategy,
		sum: dhis2.Summary{Conflicts: conflicts, DryRun: req.DryRun, Strategy: strategy}}
	byPeriod, periods := im.check(values)
	for _, p := range periods {
		if err := im.apply(p, byPeriod[p]); err != nil {
			return nil, err
		}
	}
	im.sum.ImportCount.Ignored = len(im.sum.Conflicts)
	im.sum.Finish()
	return summaryToProto(im.sum), nil
}

// valueImport is one import of a data value set into this node's values,
// and the summary it answers with.
type valueImport struct {
	s        *documentService
	req      *tonghopv1.ImportDataValueSetRequest
	m        *dhis2.Mapping
	strategy string
	sum      dhis2.Summary
}

// valueKey names a value of a period.
type valueKey struct{ element, option string }

func (im *valueImport) conflict(object string, index int, format string, args ...any) {
	im.sum.Conflicts = append(im.sum.Conflicts, dhis2.Conflict{Object: object, Value: fmt.Sprintf(format, args...), Indexes: []int{index}})
}

// check checks each value on its own, so that one bad value is one
// conflict and the others are still taken, as DHIS2 does. It returns the
// values taken by period, and the periods in order.
func (im *valueImport) check(values []dhis2.Value) (map[period.Period]map[valueKey]dhis2.Value, []period.Period) {
	s, m := im.s, im.m
	byPeriod := map[period.Period]map[valueKey]dhis2.Value{}
	var periods []period.Period
	for _, v := range values {
		ds := v.DataSet
		if ds == "" {
			ds = cmpOr(im.req.DataSet, "tong_ket_nam")
		}
		if v.Unit != s.self {
			im.conflict(m.ID(dhis2.KindOrgUnit, v.Unit), v.Index, "org unit %s is unit %s, not this node's unit %s: a node stores only its own values", m.ID(dhis2.KindOrgUnit, v.Unit), v.Unit, s.self)
			continue
		}
		raw := []entry.Raw{{Element: v.Element, Option: v.Option, Value: v.Value}}
		if im.strategy == dhis2.Delete {
			raw[0].Value = "0" // a deletion names the value, whatever it says
		}
		if _, _, err := s.check.Values(s.self, ds, v.Period.String(), raw); err != nil {
			reason := err.Error()
			if bi, ok := invalid.As(err); ok {
				var rs []string
				for _, x := range bi.Violations {
					rs = append(rs, x.Reason)
				}
				reason = strings.Join(rs, "; ")
			}
			im.conflict(m.ID(dhis2.KindDataElement, v.Element), v.Index, "%s", reason)
			continue
		}
		if byPeriod[v.Period] == nil {
			byPeriod[v.Period] = map[valueKey]dhis2.Value{}
			periods = append(periods, v.Period)
		}
		k := valueKey{v.Element, v.Option}
		if earlier, dup := byPeriod[v.Period][k]; dup {
			im.conflict(m.ID(dhis2.KindDataElement, v.Element), earlier.Index, "given again at index %d, which is taken", v.Index)
		}
		byPeriod[v.Period][k] = v
	}
	sort.Slice(periods, func(i, j int) bool { return periods[i].Before(periods[j]) })
	return byPeriod, periods
}

// apply takes the checked values of period p by the import strategy, and
// stores them unless the import is a dry run.
func (im *valueImport) apply(p period.Period, values map[valueKey]dhis2.Value) error {
	s, m, strategy := im.s, im.m, im.strategy
	stored, err := s.store.Values(p)
	if err != nil {
		return err
	}
	have := map[valueKey]bool{}
	for _, v := range stored {
		have[valueKey{v.Element, v.Option}] = true
	}
	var put []store.Value
	var del []valueKey
	for k, v := range values {
		switch {
		case strategy == dhis2.Delete && have[k]:
			del = append(del, k)
			im.sum.ImportCount.Deleted++
		case strategy == dhis2.Delete:
			im.conflict(m.ID(dhis2.KindDataElement, v.Element), v.Index, "no value of %s to delete for %s", refText(v.Element, v.Option), p)
		case strategy == dhis2.Create && have[k]:
			im.conflict(m.ID(dhis2.KindDataElement, v.Element), v.Index, "%s already has a value for %s (importStrategy CREATE)", refText(v.Element, v.Option), p)
		case strategy == dhis2.Update && !have[k]:
			im.conflict(m.ID(dhis2.KindDataElement, v.Element), v.Index, "%s has no value for %s to update (importStrategy UPDATE)", refText(v.Element, v.Option), p)
		default:
			_, vals, err := s.check.Values(s.self, cmpOr(v.DataSet, cmpOr(im.req.DataSet, "tong_ket_nam")), p.String(), []entry.Raw{{Element: v.Element, Option: v.Option, Value: v.Value}})
			if err != nil {
				return err
			}
			put = append(put, vals...)
			if have[k] {
				im.sum.ImportCount.Updated++
			} else {
				im.sum.ImportCount.Imported++
			}
		}
	}
	if im.req.DryRun {
		return nil
	}
	if len(put) > 0 {
		if err := s.store.PutValues(p, put); err != nil {
			return err
		}
	}
	for _, k := range del {
		if err := s.store.DeleteValue(p, k.element, k.option); err != nil {
			return err
		}
	}
	return nil
}

// summaryToProto is DHIS2's import summary as the API answers it.
func summaryToProto(sum dhis2.Summary) *tonghopv1.ImportDataValueSetResponse {
	out := &tonghopv1.ImportDataValueSetResponse{
		ResponseType: sum.ResponseType, Status: sum.Status, Description: sum.Description, DryRun: sum.DryRun, ImportStrategy: sum.Strategy,
		ImportCount: &tonghopv1.ImportCount{Imported: int32(sum.ImportCount.Imported), Updated: int32(sum.ImportCount.Updated),
			Ignored: int32(sum.ImportCount.Ignored), Deleted: int32(sum.ImportCount.Deleted)},
	}
	for _, c := range sum.Conflicts {
		ic := &tonghopv1.ImportConflict{Object: c.Object, Value: c.Value}
		for _, i := range c.Indexes {
			ic.Indexes = append(ic.Indexes, int32(i))
		}
		out.Conflicts = append(out.Conflicts, ic)
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func refText(element, option string) string {
	if option == "" {
		return element
	}
	return element + "." + option
}

func (s *documentService) ExportDataValueSet(ctx context.Context, req *tonghopv1.ExportDataValueSetRequest) (*httpbody.HttpBody, error) {
	var bad invalid.Error
	unit := cmpOr(req.UnitCode, s.self)
	s.subtreeUnit(&bad, "unit_code", unit)
	t := s.check.DataSetPeriod(&bad, cmpOr(req.DataSet, "tong_ket_nam"), req.Period)
	format, ok := dhis2Formats[req.Format]
	if req.Format == tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_UNSPECIFIED {
		format, ok = dhis2.JSON, true
	}
	if !ok {
		bad.Add("format", "unknown format %d", req.Format)
	}
	m := parseMapping(&bad, req.Mapping)
	if err := bad.Err(); err != nil {
		return nil, err
	}
	units := []string{unit}
	if req.Children {
		for _, c := range s.tree.Children(unit) {
			units = append(units, c.Code)
		}
	}
	var values []dhis2.Value
	for _, u := range units {
		var cells []store.Cell
		if u == s.self {
			own, err := s.store.Values(t.Period)
			if err != nil {
				return nil, err
			}
			for _, v := range own {
				cells = append(cells, store.Cell{Element: v.Element, Option: v.Option, Sum: v.Count})
			}
		} else {
			k := store.ReportKey{Unit: u, DataSet: t.DataSet.Code, Period: t.Period.String()}
			got, err := s.store.CurrentReports([]store.ReportKey{k})
			if err != nil {
				return nil, err
			}
			cells = got[k]
		}
		for _, c := range cells {
			if !t.DataSet.HasElement(c.Element) {
				continue
			}
			values = append(values, dhis2.Value{Unit: u, Period: t.Period, Element: c.Element, Option: c.Option, Value: fmt.Sprint(c.Sum)})
		}
	}
	breakdownOf := func(element, option string) string {
		b, _, _ := s.src.Catalog.Option(element, option)
		return b.Code
	}
	var buf bytes.Buffer
	if err := dhis2.Write(format, &buf, dhis2.Export(t.DataSet.Code, values, m, breakdownOf)); err != nil {
		return nil, err
	}
	return &httpbody.HttpBody{ContentType: dhis2.MediaTypes[format], Data: buf.Bytes()}, nil
}

// UploadMediaType is the media type the gateway reads a DHIS2 file as.
const UploadMediaType = "application/vnd.tonghop.upload"

// Uploads lets POST …/dataValueSets:import take the file in its own media
// type (application/json, application/xml, application/csv,
// application/adx+xml): the format is told from it into the request's
// format parameter, and the body reaches the request's file unread.
func Uploads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/dataValueSets:import") {
			q := r.URL.Query()
			if q.Get("format") == "" {
				name, _ := formatOf(tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_UNSPECIFIED, r.Header.Get("Content-Type"))
				for f, n := range dhis2Formats {
					if n == name {
						q.Set("format", f.String())
					}
				}
			}
			r.URL.RawQuery = q.Encode()
			r.Header.Set("Content-Type", UploadMediaType)
		}
		next.ServeHTTP(w, r)
	})
}
