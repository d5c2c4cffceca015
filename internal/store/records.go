package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// Records carry a leading format byte so that a later schema can change a
// record's shape and still read the old one during migration.
const recordV1 = 1

// joinKey builds a composite key from parts separated by 0x00, which no code
// (unit, element, option, period, section) may contain.
func joinKey(parts ...string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.Bytes()
}

// splitKey is the inverse of joinKey for n parts.
func splitKey(k []byte, n int) ([]string, error) {
	parts := bytes.SplitN(k, []byte{0}, n)
	if len(parts) != n {
		return nil, fmt.Errorf("%w: key %q has %d parts, want %d", ErrCorrupt, k, len(parts), n)
	}
	out := make([]string, n)
	for i, p := range parts {
		out[i] = string(p)
	}
	return out, nil
}

// encodeValue encodes a count and its update time.
func encodeValue(count int64, updated time.Time) []byte {
	buf := make([]byte, 1, 1+2*binary.MaxVarintLen64)
	buf[0] = recordV1
	buf = binary.AppendVarint(buf, count)
	buf = binary.AppendVarint(buf, updated.UnixNano())
	return buf
}

func decodeValue(raw []byte) (count int64, updated time.Time, err error) {
	if len(raw) == 0 || raw[0] != recordV1 {
		return 0, time.Time{}, fmt.Errorf("%w: value record format", ErrCorrupt)
	}
	rest := raw[1:]
	count, n := binary.Varint(rest)
	if n <= 0 {
		return 0, time.Time{}, fmt.Errorf("%w: value count", ErrCorrupt)
	}
	rest = rest[n:]
	nanos, n := binary.Varint(rest)
	if n <= 0 || n != len(rest) {
		return 0, time.Time{}, fmt.Errorf("%w: value time", ErrCorrupt)
	}
	return count, time.Unix(0, nanos).UTC(), nil
}

// encodeText encodes a narrative text and its update time.
func encodeText(text string, updated time.Time) []byte {
	buf := make([]byte, 1, 1+binary.MaxVarintLen64+len(text))
	buf[0] = recordV1
	buf = binary.AppendVarint(buf, updated.UnixNano())
	return append(buf, text...)
}

func decodeText(raw []byte) (string, time.Time, error) {
	if len(raw) == 0 || raw[0] != recordV1 {
		return "", time.Time{}, fmt.Errorf("%w: text record format", ErrCorrupt)
	}
	nanos, n := binary.Varint(raw[1:])
	if n <= 0 {
		return "", time.Time{}, fmt.Errorf("%w: text time", ErrCorrupt)
	}
	return string(raw[1+n:]), time.Unix(0, nanos).UTC(), nil
}
