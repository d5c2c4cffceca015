package wire

import "slices"

// Enum is a two-way table between a domain enumeration and the API's, each
// domain value beside its API value, so that a conversion and its inverse
// are one list. A value not in the table converts to the zero value:
// UNSPECIFIED in the API, none in the domain.
type Enum[D, P comparable] []Pair[D, P]

// Pair is a domain value and the API value it travels as.
type Pair[D, P comparable] struct {
	Domain D
	API    P
}

// ToProto is the API value of d.
func (e Enum[D, P]) ToProto(d D) P {
	var zero P
	if i := slices.IndexFunc(e, func(p Pair[D, P]) bool { return p.Domain == d }); i >= 0 {
		return e[i].API
	}
	return zero
}

// FromProto is the domain value of a.
func (e Enum[D, P]) FromProto(a P) D {
	var zero D
	if i := slices.IndexFunc(e, func(p Pair[D, P]) bool { return p.API == a }); i >= 0 {
		return e[i].Domain
	}
	return zero
}
