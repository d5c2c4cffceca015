package envelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The canonical JSON of payloads is written by hand rather than by
// encoding/json: stored payloads must decode for as long as they are kept,
// and Decode accepts only the bytes Encode would write, so the encoding must
// not move with the standard library (whose string escaping has changed
// before). The rules are those of RFC 8785 for the values used here: members
// in a fixed order, no white space, integers in plain decimal, strings as
// UTF-8 with only '"', '\\' and control characters escaped.

// payloadVersion is the version member every payload starts with.
const payloadVersion = 1

// timeLayout is RFC 3339 in UTC with all nine fractional digits: one
// spelling per instant, and text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendMember appends ,"name": (or "name": for the first member, when b
// ends with '{').
func appendMember(b []byte, name string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func appendStringMember(b []byte, name, value string) []byte {
	return appendString(appendMember(b, name), value)
}

func appendUintMember(b []byte, name string, v uint64) []byte {
	return strconv.AppendUint(appendMember(b, name), v, 10)
}

func appendIntMember(b []byte, name string, v int64) []byte {
	return strconv.AppendInt(appendMember(b, name), v, 10)
}

func appendTimeMember(b []byte, name string, t time.Time) []byte {
	b = appendMember(b, name)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, timeLayout)
	return append(b, '"')
}

// beginPayload starts a payload object with its version member.
func beginPayload(size int) []byte {
	b := make([]byte, 0, size)
	b = append(b, '{')
	return appendIntMember(b, "version", payloadVersion)
}

// malformed returns an error wrapping ErrMalformed that names the document
// and the field.
func malformed(doc, field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s: %s", ErrMalformed, doc, field, fmt.Sprintf(format, args...))
}

// checkKey checks a field that identifies something: non-empty UTF-8.
func checkKey(doc, field, s string) error {
	if s == "" {
		return malformed(doc, field, "empty")
	}
	return checkText(doc, field, s)
}

// checkText checks a free-text field: valid UTF-8, which is all JSON can
// carry unchanged.
func checkText(doc, field, s string) error {
	if !utf8.ValidString(s) {
		return malformed(doc, field, "not valid UTF-8")
	}
	return nil
}

// checkTime checks that t is set and within the years RFC 3339 can write.
func checkTime(doc, field string, t time.Time) error {
	if t.IsZero() {
		return malformed(doc, field, "missing")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return malformed(doc, field, "year %d outside 1 to 9999", y)
	}
	return nil
}

// checkHex checks that s is n lowercase hexadecimal digits.
func checkHex(doc, field, s string, n int) error {
	if len(s) != n {
		return malformed(doc, field, "%d characters, want %d lowercase hex digits", len(s), n)
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return malformed(doc, field, "not lowercase hex at byte %d", i)
		}
	}
	return nil
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// decodeStrict decodes a payload into v, a pointer to its wire struct,
// refusing invalid UTF-8 (which encoding/json would replace silently) and
// unknown members. It does not check canonical form: the caller re-encodes
// what it decoded and compares, which also rules out duplicate or
// differently cased names, white space, other escapes and trailing data.
func decodeStrict(doc string, raw []byte, v any) error {
	if !utf8.Valid(raw) {
		return fmt.Errorf("%w: %s: not valid UTF-8", ErrMalformed, doc)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return malformed(doc, te.Field, "JSON %s where %s expected", te.Value, te.Type)
		}
		return fmt.Errorf("%w: %s: %w", ErrMalformed, doc, err)
	}
	return nil
}

// checkVersion checks the version member of a decoded payload.
func checkVersion(doc string, v *int64) error {
	if v == nil {
		return malformed(doc, "version", "missing")
	}
	if *v != payloadVersion {
		return malformed(doc, "version", "%d not supported, want %d", *v, payloadVersion)
	}
	return nil
}

// parseTime parses a time member; canonical spelling is left to the
// re-encoding check.
func parseTime(doc, field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, malformed(doc, field, "missing")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, malformed(doc, field, "%q is not an RFC 3339 time", s)
	}
	return t, nil
}

// checkCanonical compares raw with the canonical encoding of what was
// decoded from it.
func checkCanonical(doc string, raw, canon []byte) error {
	if bytes.Equal(raw, canon) {
		return nil
	}
	i := 0
	for i < len(raw) && i < len(canon) && raw[i] == canon[i] {
		i++
	}
	near := raw[i:min(len(raw), i+24)]
	return fmt.Errorf("%w: %s: not in canonical form: first difference at byte %d, near %q", ErrMalformed, doc, i, near)
}
