package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/zap/zaptest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/bundle"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/expr"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/report"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
	"github.com/tonghop/tonghop/internal/validate"
)

// TestStatusTable checks every mapping, through a layer of wrapping as the
// services produce it.
func TestStatusTable(t *testing.T) {
	log := zaptest.NewLogger(t)
	for _, c := range []struct {
		err  error
		code codes.Code
	}{
		{nil, codes.OK},
		{invalid.Field("period", "bad"), codes.InvalidArgument},
		{fmt.Errorf("data element %q: %w", "x", errNotFound), codes.NotFound},
		{fmt.Errorf("value: %w", store.ErrNotFound), codes.NotFound},
		{fmt.Errorf("open: %w", store.ErrNotInitialised), codes.FailedPrecondition},
		{fmt.Errorf("init: %w", store.ErrIdentityChange), codes.FailedPrecondition},
		{fmt.Errorf("units: %w", hierarchy.ErrInvalidTree), codes.InvalidArgument},
		{fmt.Errorf("units: %w", hierarchy.ErrInvalidHistory), codes.InvalidArgument},
		{fmt.Errorf("declare: %w", &store.WeightsError{Field: "weights", Reason: "are all zero"}), codes.InvalidArgument},
		{fmt.Errorf("query: %w", rollup.ErrBoundaries), codes.InvalidArgument},
		{fmt.Errorf("envelope: %w", submission.ErrMalformed), codes.InvalidArgument},
		{fmt.Errorf("envelope: %w", submission.ErrUnauthentic), codes.Unauthenticated},
		{fmt.Errorf("envelope: %w", submission.ErrNotAllowed), codes.PermissionDenied},
		{fmt.Errorf("envelope: %w", submission.ErrUnknownCatalog), codes.FailedPrecondition},
		{fmt.Errorf("submit: %w", trust.ErrNotEnrolled), codes.FailedPrecondition},
		{fmt.Errorf("put: %w", store.ErrStale), codes.FailedPrecondition},
		{fmt.Errorf("put: %w", store.ErrRevisionJump), codes.FailedPrecondition},
		{fmt.Errorf("put: %w", store.ErrOwnReportStored), codes.FailedPrecondition},
		{fmt.Errorf("requeue: %w", store.ErrNotRejected), codes.FailedPrecondition},
		{fmt.Errorf("put: %w", trust.ErrUnknownKey), codes.PermissionDenied},
		{fmt.Errorf("submit: %w", envelope.ErrTooLarge), codes.FailedPrecondition},
		{fmt.Errorf("enroll: %w", store.ErrTokenInvalid), codes.Unauthenticated},
		{fmt.Errorf("renew: %w", enrolment.ErrNotChild), codes.PermissionDenied},
		{fmt.Errorf("retire: %w", enrolment.ErrNotEnded), codes.FailedPrecondition},
		{fmt.Errorf("values: %w", store.ErrRetired), codes.FailedPrecondition},
		{fmt.Errorf("retire: %w", store.ErrOutboxNotEmpty), codes.FailedPrecondition},
		{errNoPeerCert, codes.Unauthenticated},
		{fmt.Errorf("accept: %w", errNotParent), codes.PermissionDenied},
		{fmt.Errorf("submit: %w", submission.ErrBlocked), codes.FailedPrecondition},
		{fmt.Errorf("import: %w", bundle.ErrInvalid), codes.InvalidArgument},
		{fmt.Errorf("import: %w", bundle.ErrNotBelow), codes.PermissionDenied},
		{fmt.Errorf("receipts: %w", bundle.ErrNotForThisNode), codes.FailedPrecondition},
		{bundle.ErrEmpty, codes.FailedPrecondition},
		{fmt.Errorf("deliver: %w", review.ErrLocked), codes.FailedPrecondition},
		{fmt.Errorf("return: %w", review.ErrState), codes.FailedPrecondition},
		{fmt.Errorf("accept: %w", review.ErrNotLatest), codes.FailedPrecondition},
		{fmt.Errorf("report: %w", report.ErrNotSigned), codes.FailedPrecondition},
		{fmt.Errorf("import: %w", ErrChildColumns), codes.FailedPrecondition},
		{fmt.Errorf("publish: %w", catalog.ErrUnknownBase), codes.FailedPrecondition},
		{fmt.Errorf("publish: %w", catalog.ErrInvalidCatalog), codes.InvalidArgument},
		{fmt.Errorf("call: %w", context.Canceled), codes.Canceled},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{fmt.Errorf("put: commit: %w", &os.PathError{Op: "write", Path: "/var/lib/tonghop/tonghop.db", Err: syscall.ENOSPC}), codes.Unavailable},
		{fmt.Errorf("%w: write audit.jsonl: %w", audit.ErrNotKept, errors.New("input/output error")), codes.Unavailable},
		{status.Error(codes.PermissionDenied, "already a status"), codes.PermissionDenied},
		{errors.New("disk on fire"), codes.Internal},
	} {
		got := status.Code(Status(c.err, log))
		if got != c.code {
			t.Errorf("Status(%v) = %s, want %s", c.err, got, c.code)
		}
	}
	// Every rule of the table is exercised above.
	if n := len(statusRules()); n != 42 {
		t.Errorf("statusRules has %d rules; extend this test with the new ones", n)
	}
}

// TestDiskFullSaysSo: a full disk is Unavailable with a plain message that
// says so and names no file of the node.
func TestDiskFullSaysSo(t *testing.T) {
	err := fmt.Errorf("audit: %w: %w", audit.ErrNotKept, &os.PathError{Op: "write", Path: "/var/lib/tonghop/audit.jsonl", Err: syscall.ENOSPC})
	st := status.Convert(Status(err, zaptest.NewLogger(t)))
	if st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "the node's disk is full") || strings.Contains(st.Message(), "/var/lib") {
		t.Fatalf("Status(disk full) = %v", st)
	}
}

func TestStatusCarriesFieldViolationsAndHidesInternals(t *testing.T) {
	log := zaptest.NewLogger(t)
	var bad invalid.Error
	bad.Add("values[0].value", "-3 is negative")
	bad.Add("period", "2021Q5: quarter must be 1-4")
	st := status.Convert(Status(fmt.Errorf("put: %w", bad.Err()), log))
	var got []string
	for _, d := range st.Details() {
		for _, v := range d.(*errdetails.BadRequest).FieldViolations {
			got = append(got, v.Field+": "+v.Description)
		}
	}
	if len(got) != 2 || got[0] != "values[0].value: -3 is negative" || got[1] != "period: 2021Q5: quarter must be 1-4" {
		t.Fatalf("details = %v", got)
	}
	if msg := status.Convert(Status(errors.New("secret path /var/lib/x"), log)).Message(); msg != "internal error" {
		t.Fatalf("internal message leaked: %q", msg)
	}
}

func TestUnaryErrorsRecoversPanics(t *testing.T) {
	i := UnaryErrors(zaptest.NewLogger(t))
	_, err := i(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/t/Panic"}, func(context.Context, any) (any, error) {
		panic("boom")
	})
	if status.Code(err) != codes.Internal {
		t.Fatalf("panic became %v", err)
	}
	_, err = i(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/t/NotFound"}, func(context.Context, any) (any, error) {
		return nil, fmt.Errorf("x: %w", store.ErrNotFound)
	})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("mapped to %v", err)
	}
}

// TestStatusListsBlockingRules: a submission blocked by validation errors
// answers FailedPrecondition with one precondition failure per rule, so a
// client can offer overrides without reading the message.
func TestStatusListsBlockingRules(t *testing.T) {
	rules, err := validate.BuiltIn(catalog.Default())
	if err != nil {
		t.Fatal(err)
	}
	vs := validate.Check(rules, func(r expr.Ref) (int64, bool) {
		v, ok := map[string]int64{"dang_vien": 2675, "dang_vien.nam": 1793, "dang_vien.nu": 881}[r.String()]
		return v, ok
	})
	st := status.Convert(Status(fmt.Errorf("submit: %w", &submission.BlockedError{Violations: vs}), zaptest.NewLogger(t)))
	if st.Code() != codes.FailedPrecondition {
		t.Fatalf("code %s", st.Code())
	}
	var got []string
	for _, d := range st.Details() {
		for _, v := range d.(*errdetails.PreconditionFailure).Violations {
			got = append(got, v.Type+" "+v.Subject+": "+v.Description)
		}
	}
	want := "VALIDATION dang_vien/gioi_tinh/sum: Đảng viên theo giới tính phải cộng lại bằng tổng số (là 2674, phải bằng 2675)"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("details %q, want %q", got, want)
	}
}
