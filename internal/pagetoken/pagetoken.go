// Package pagetoken makes the opaque tokens that page through lists: a
// position in one list, with a checksum over the list's name and the
// position, so that a token made up, cut short or taken from another list
// is refused instead of being read as a position (which would answer an
// empty or wrong page as if all were well).
package pagetoken

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// ErrInvalid marks a token that no response of the list gave out.
var ErrInvalid = errors.New("is not a token from a previous response")

var table = crc32.MakeTable(crc32.Castagnoli)

func sum(list string, pos []byte) uint32 {
	h := crc32.New(table)
	h.Write([]byte(list))
	h.Write([]byte{0})
	h.Write(pos)
	return h.Sum32()
}

// Encode returns the token for position pos of list.
func Encode(list string, pos []byte) string {
	b := append([]byte(nil), pos...)
	b = binary.BigEndian.AppendUint32(b, sum(list, pos))
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode returns the position a token of list stands for.
func Decode(list, token string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 5 {
		return nil, ErrInvalid
	}
	pos, check := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if sum(list, pos) != check {
		return nil, ErrInvalid
	}
	return pos, nil
}
