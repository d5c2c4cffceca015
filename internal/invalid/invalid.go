// Package invalid owns the error that says a request is malformed: which
// fields are wrong and why. The API edge turns it into InvalidArgument with
// one field violation per entry, so a caller can point at the exact input.
package invalid

import (
	"errors"
	"fmt"
	"strings"
)

// Violation is one field of a request and what is wrong with it. Field is a
// path into the request as the caller wrote it, e.g. "values[3].value".
type Violation struct {
	Field  string
	Reason string
}

// Error lists every violation found in one request. The zero value holds none.
type Error struct {
	Violations []Violation
}

// Field returns an error with a single violation.
func Field(field, format string, args ...any) *Error {
	e := &Error{}
	e.Add(field, format, args...)
	return e
}

// Add records a violation of field.
func (e *Error) Add(field, format string, args ...any) {
	e.Violations = append(e.Violations, Violation{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Merge records all of other's violations, with prefix (if any) prepended to
// their fields, as in "values[2]" + "." + "value".
func (e *Error) Merge(prefix string, other *Error) {
	if other == nil {
		return
	}
	for _, v := range other.Violations {
		if prefix != "" {
			v.Field = prefix + "." + v.Field
		}
		e.Violations = append(e.Violations, v)
	}
}

// Err returns e as an error, or nil if it holds no violation, so callers can
// collect violations and return e.Err() at the end.
func (e *Error) Err() error {
	if e == nil || len(e.Violations) == 0 {
		return nil
	}
	return e
}

// Error lists the violations as "field: reason; field: reason".
func (e *Error) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Reason
	}
	return strings.Join(parts, "; ")
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
