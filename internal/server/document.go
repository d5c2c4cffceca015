package server

import (
	"bytes"
	"context"
	"time"

	"google.golang.org/genproto/googleapis/api/httpbody"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
	"github.com/tonghop/tonghop/internal/entry"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/numfmt"
	"github.com/tonghop/tonghop/internal/report"
	"github.com/tonghop/tonghop/internal/store"
)

type documentService struct {
	tonghopv1.UnimplementedDocumentServiceServer
	src   report.Source
	check entry.Checker
	tree  *hierarchy.Tree
	self  string
	store *store.Store
}

func newDocumentService(d Deps) any {
	return &documentService{
		src:   report.Source{Store: d.Store, Catalog: d.Catalog, Tree: d.Tree, Engine: d.Engine},
		check: entry.Checker{Unit: d.Unit, Catalog: d.Catalog},
		tree:  d.Tree, self: d.Unit, store: d.Store,
	}
}

// subtreeUnit checks a unit code of the node's subtree.
func (s *documentService) subtreeUnit(bad *invalid.Error, field, unit string) {
	switch _, ok := s.tree.Unit(unit); {
	case unit == "":
		bad.Add(field, "is required")
	case !ok:
		bad.Add(field, "unknown unit %q", unit)
	case !s.tree.InSubtree(s.self, unit):
		bad.Add(field, "%s is not in this node's subtree (%s)", unit, s.self)
	}
}

func (s *documentService) GetReport(ctx context.Context, req *tonghopv1.GetReportRequest) (*httpbody.HttpBody, error) {
	var bad invalid.Error
	s.subtreeUnit(&bad, "unit_code", req.UnitCode)
	t := s.check.DataSetPeriod(&bad, req.DataSet, req.Period)
	var date time.Time
	if req.Date != "" {
		d, err := time.ParseInLocation("2006-01-02", req.Date, numfmt.Zone())
		if err != nil {
			bad.Add("date", "%q is not a date YYYY-MM-DD", req.Date)
		}
		date = d
	}
	switch req.Format {
	case tonghopv1.DocumentFormat_DOCUMENT_FORMAT_UNSPECIFIED, tonghopv1.DocumentFormat_DOCUMENT_FORMAT_DOCX, tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF:
	default:
		bad.Add("format", "unknown format %d", req.Format)
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	doc, err := report.Build(s.src, report.Request{
		Unit: req.UnitCode, DataSet: t.DataSet.Code, Period: t.Period,
		Letterhead: report.Letterhead{
			Number: req.Number, Place: req.Place, Date: date, Basis: req.Basis,
			OnBehalf: req.OnBehalf, SignerTitle: req.SignerTitle, SignerName: req.SignerName,
			Recipients: req.Recipients,
		},
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if req.Format == tonghopv1.DocumentFormat_DOCUMENT_FORMAT_PDF {
		err = report.WritePDF(&buf, doc)
		return &httpbody.HttpBody{ContentType: report.PDFType, Data: buf.Bytes()}, err
	}
	err = report.WriteDOCX(&buf, doc)
	return &httpbody.HttpBody{ContentType: report.DOCXType, Data: buf.Bytes()}, err
}
