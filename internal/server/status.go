package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tonghop/tonghop/internal/audit"
	"github.com/tonghop/tonghop/internal/bundle"
	"github.com/tonghop/tonghop/internal/catalog"
	"github.com/tonghop/tonghop/internal/enrolment"
	"github.com/tonghop/tonghop/internal/envelope"
	"github.com/tonghop/tonghop/internal/hierarchy"
	"github.com/tonghop/tonghop/internal/invalid"
	"github.com/tonghop/tonghop/internal/report"
	"github.com/tonghop/tonghop/internal/review"
	"github.com/tonghop/tonghop/internal/rollup"
	"github.com/tonghop/tonghop/internal/store"
	"github.com/tonghop/tonghop/internal/submission"
	"github.com/tonghop/tonghop/internal/trust"
)

// errNotFound marks a lookup in the catalogue or hierarchy that found nothing.
var errNotFound = errors.New("not found")

// errNotParent marks a sign-off asked of a node that is not the unit's
// parent.
var errNotParent = errors.New("not the unit's parent")

// statusRule maps domain errors to a gRPC code.
type statusRule struct {
	target error
	code   codes.Code
}

// statusRules is the one table from domain errors to gRPC codes. The first
// rule whose target is in the error's chain wins; anything else is Internal.
func statusRules() []statusRule {
	return []statusRule{
		{store.ErrDiskFull, codes.Unavailable},
		{audit.ErrNotKept, codes.Unavailable},
		{errNotFound, codes.NotFound},
		{store.ErrNotFound, codes.NotFound},
		{store.ErrNotInitialised, codes.FailedPrecondition},
		{store.ErrIdentityChange, codes.FailedPrecondition},
		{hierarchy.ErrInvalidTree, codes.InvalidArgument},
		{hierarchy.ErrInvalidHistory, codes.InvalidArgument},
		{store.ErrBadWeights, codes.InvalidArgument},
		{rollup.ErrBoundaries, codes.InvalidArgument},
		{submission.ErrMalformed, codes.InvalidArgument},
		{submission.ErrUnauthentic, codes.Unauthenticated},
		{submission.ErrNotAllowed, codes.PermissionDenied},
		{submission.ErrUnknownCatalog, codes.FailedPrecondition},
		{catalog.ErrUnknownBase, codes.FailedPrecondition},
		{catalog.ErrInvalidCatalog, codes.InvalidArgument},
		{trust.ErrNotEnrolled, codes.FailedPrecondition},
		{store.ErrStale, codes.FailedPrecondition},
		{store.ErrRevisionJump, codes.FailedPrecondition},
		{store.ErrOwnReportStored, codes.FailedPrecondition},
		{store.ErrNotRejected, codes.FailedPrecondition},
		{trust.ErrUnknownKey, codes.PermissionDenied},
		{envelope.ErrTooLarge, codes.FailedPrecondition},
		{store.ErrTokenInvalid, codes.Unauthenticated},
		{enrolment.ErrNotChild, codes.PermissionDenied},
		{enrolment.ErrNotEnded, codes.FailedPrecondition},
		{store.ErrRetired, codes.FailedPrecondition},
		{store.ErrOutboxNotEmpty, codes.FailedPrecondition},
		{errNoPeerCert, codes.Unauthenticated},
		{errNotParent, codes.PermissionDenied},
		{submission.ErrBlocked, codes.FailedPrecondition},
		{bundle.ErrInvalid, codes.InvalidArgument},
		{bundle.ErrNotBelow, codes.PermissionDenied},
		{bundle.ErrNotForThisNode, codes.FailedPrecondition},
		{bundle.ErrEmpty, codes.FailedPrecondition},
		{review.ErrLocked, codes.FailedPrecondition},
		{review.ErrState, codes.FailedPrecondition},
		{review.ErrNotLatest, codes.FailedPrecondition},
		{report.ErrNotSigned, codes.FailedPrecondition},
		{ErrChildColumns, codes.FailedPrecondition},
		{context.Canceled, codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
	}
}

// plainMessage replaces the error's own text for the rules whose errors
// name files on the node, which are no concern of the caller's.
func plainMessage(target error) string {
	switch target {
	case store.ErrDiskFull:
		return "the node's disk is full: nothing was written; try again once its operator has freed space"
	case audit.ErrNotKept:
		return "the node cannot keep its audit log: nothing was written"
	}
	return ""
}

// The answer to a bad request repeats a bounded part of it: a reason is cut
// at maxEcho bytes, the details list at most maxViolations and the message
// at most maxMessageViolations, so that a large bad request cannot draw a
// larger answer.
const (
	maxEcho              = 200
	maxViolations        = 100
	maxMessageViolations = 10
)

func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	return strings.ToValidUTF8(s[:maxEcho], "") + "…"
}

// clipMessage bounds a message that may quote the request.
func clipMessage(s string) string {
	const max = 1024
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

func boundedMessage(bad *invalid.Error) string {
	var parts []string
	for i, v := range bad.Violations {
		if i == maxMessageViolations {
			parts = append(parts, fmt.Sprintf("and %d more", len(bad.Violations)-i))
			break
		}
		parts = append(parts, clip(v.Field)+": "+clip(v.Reason))
	}
	return strings.Join(parts, "; ")
}

// Status converts an error returned by a service into a gRPC status error.
// An *invalid.Error becomes InvalidArgument carrying a google.rpc.BadRequest
// with one field violation per problem. Errors that are already statuses pass
// through. Internal errors keep their detail out of the answer: it goes to
// the log, the caller gets a plain "internal error".
func Status(err error, log *zap.Logger) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if bad, ok := invalid.As(err); ok {
		st := status.New(codes.InvalidArgument, boundedMessage(bad))
		br := &errdetails.BadRequest{}
		for i, v := range bad.Violations {
			if i == maxViolations {
				br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
					Field: "request", Description: fmt.Sprintf("and %d more violations", len(bad.Violations)-i),
				})
				break
			}
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: clip(v.Field), Description: clip(v.Reason),
			})
		}
		if withDetails, derr := st.WithDetails(br); derr == nil {
			st = withDetails
		}
		return st.Err()
	}
	var blocked *submission.BlockedError
	if errors.As(err, &blocked) {
		// Each blocking rule as a precondition failure, so that a client
		// can show them and offer overrides without parsing the message.
		st := status.New(codes.FailedPrecondition, err.Error())
		pf := &errdetails.PreconditionFailure{}
		for _, v := range blocked.Violations {
			pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{
				Type: "VALIDATION", Subject: v.Rule.Code,
				Description: fmt.Sprintf("%s (là %s, %s %s)", v.Rule.Message, v.Left.RatString(), v.Rule.Op.MustBe(), v.Right.RatString()),
			})
		}
		if withDetails, derr := st.WithDetails(pf); derr == nil {
			st = withDetails
		}
		return st.Err()
	}
	for _, r := range statusRules() {
		if errors.Is(err, r.target) {
			if msg := plainMessage(r.target); msg != "" {
				log.Warn("refused", zap.Error(err))
				return status.Error(r.code, msg)
			}
			return status.Error(r.code, clipMessage(err.Error()))
		}
	}
	log.Error("internal error", zap.Error(err))
	return status.Error(codes.Internal, "internal error")
}

// StreamErrors is UnaryErrors for streaming calls.
func StreamErrors(log *zap.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic in stream handler", zap.String("method", info.FullMethod), zap.Any("panic", p), zap.Stack("stack"))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return Status(handler(srv, ss), log.With(zap.String("method", info.FullMethod)))
	}
}

// UnaryErrors is an interceptor that maps every handler error through Status
// and turns a panic into Internal, so no handler maps errors itself.
func UnaryErrors(log *zap.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("panic in handler", zap.String("method", info.FullMethod), zap.Any("panic", p), zap.Stack("stack"))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		resp, err = handler(ctx, req)
		return resp, Status(err, log.With(zap.String("method", info.FullMethod)))
	}
}
