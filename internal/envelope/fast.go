package envelope

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"strconv"
	"time"
)

// decodeSubmissionFast reads a submission that is in canonical form, which
// is every submission a node signs, without encoding/json's tokenizer: a
// root verifies ten thousand of them a round, and the tokenizer was a fifth
// of the work. It accepts only what EncodeSubmission writes back byte for
// byte; anything else (ok false) goes to DecodeSubmission's strict path,
// which says what is wrong.
func decodeSubmissionFast(raw []byte) (s Submission, ok bool) {
	sc := scanner{b: raw}
	sc.lit(`{"version":1,"unit":`)
	s.Unit = sc.str()
	sc.lit(`,"data_set":`)
	s.DataSet = sc.str()
	sc.lit(`,"period":`)
	s.Period = sc.str()
	sc.lit(`,"revision":`)
	s.Revision = sc.uint()
	sc.lit(`,"catalog_version":`)
	s.CatalogVersion = sc.str()
	sc.lit(`,"catalog_digest":`)
	s.CatalogDigest = sc.str()
	sc.lit(`,"signed_at":`)
	at := sc.str()
	sc.lit(`,"values":[`)
	for sc.more(']') {
		var v Value
		sc.lit(`{"element":`)
		v.Element = sc.str()
		sc.lit(`,"option":`)
		v.Option = sc.str()
		sc.lit(`,"count":`)
		v.Count = sc.int()
		sc.lit(`}`)
		s.Values = append(s.Values, v)
	}
	sc.lit(`,"sections":[`)
	for sc.more(']') {
		var sec Section
		sc.lit(`{"code":`)
		sec.Code = sc.str()
		sc.lit(`,"text":`)
		sec.Text = sc.str()
		sc.lit(`}`)
		s.Sections = append(s.Sections, sec)
	}
	if sc.peek(`,"overrides":[`) {
		sc.lit(`,"overrides":[`)
		for sc.more(']') {
			var o Override
			sc.lit(`{"rule":`)
			o.Rule = sc.str()
			sc.lit(`,"reason":`)
			o.Reason = sc.str()
			sc.lit(`}`)
			s.Overrides = append(s.Overrides, o)
		}
	}
	if sc.peek(`,"accepted":[`) {
		sc.lit(`,"accepted":[`)
		for sc.more(']') {
			var a Acceptance
			sc.lit(`{"unit":`)
			a.Unit = sc.str()
			sc.lit(`,"revision":`)
			a.Revision = sc.uint()
			sc.lit(`,"digest":`)
			a.Digest = sc.str()
			sc.lit(`}`)
			s.Accepted = append(s.Accepted, a)
		}
	}
	if sc.peek(`,"entered_by":`) {
		sc.lit(`,"entered_by":`)
		s.EnteredBy = sc.str()
	}
	sc.lit(`}`)
	if sc.bad || sc.i != len(raw) {
		return Submission{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Submission{}, false
	}
	s.SignedAt = t
	canon, err := EncodeSubmission(s)
	if err != nil || !bytes.Equal(canon, raw) {
		return Submission{}, false
	}
	return s, true
}

// scanner reads canonical JSON; once bad, it reads nothing more.
type scanner struct {
	b   []byte
	i   int
	bad bool
}

func (sc *scanner) peek(lit string) bool {
	return !sc.bad && bytes.HasPrefix(sc.b[sc.i:], []byte(lit))
}

func (sc *scanner) lit(lit string) {
	if !sc.peek(lit) {
		sc.bad = true
		return
	}
	sc.i += len(lit)
}

// more reports whether a list goes on: it eats the comma between items and
// the closing bracket at the end.
func (sc *scanner) more(end byte) bool {
	if sc.bad || sc.i >= len(sc.b) {
		sc.bad = true
		return false
	}
	switch c := sc.b[sc.i]; {
	case c == end:
		sc.i++
		return false
	case c == ',' && sc.i > 0 && sc.b[sc.i-1] == '}':
		sc.i++
		return true
	case c == '{' && sc.b[sc.i-1] == '[':
		return true
	}
	sc.bad = true
	return false
}

// str reads a string with only the escapes appendString writes.
func (sc *scanner) str() string {
	if sc.bad || sc.i >= len(sc.b) || sc.b[sc.i] != '"' {
		sc.bad = true
		return ""
	}
	start := sc.i + 1
	for j := start; j < len(sc.b); j++ {
		switch sc.b[j] {
		case '"':
			sc.i = j + 1
			return string(sc.b[start:j])
		case '\\':
			return sc.escaped(start)
		}
	}
	sc.bad = true
	return ""
}

// escaped reads a string that holds escapes, from its first byte at start.
func (sc *scanner) escaped(start int) string {
	var out []byte
	for j := start; j < len(sc.b); j++ {
		c := sc.b[j]
		switch {
		case c == '"':
			sc.i = j + 1
			return string(out)
		case c != '\\':
			out = append(out, c)
			continue
		}
		if j+1 >= len(sc.b) {
			break
		}
		j++
		switch sc.b[j] {
		case '"', '\\':
			out = append(out, sc.b[j])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+4 >= len(sc.b) {
				sc.bad = true
				return ""
			}
			n, err := strconv.ParseUint(string(sc.b[j+1:j+5]), 16, 8)
			if err != nil {
				sc.bad = true
				return ""
			}
			out = append(out, byte(n))
			j += 4
		default:
			sc.bad = true
			return ""
		}
	}
	sc.bad = true
	return ""
}

func (sc *scanner) digits() []byte {
	j := sc.i
	for j < len(sc.b) && sc.b[j] >= '0' && sc.b[j] <= '9' {
		j++
	}
	d := sc.b[sc.i:j]
	sc.i = j
	return d
}

func (sc *scanner) uint() uint64 {
	if sc.bad {
		return 0
	}
	n, err := strconv.ParseUint(string(sc.digits()), 10, 64)
	if err != nil {
		sc.bad = true
	}
	return n
}

func (sc *scanner) int() int64 {
	if sc.bad {
		return 0
	}
	neg := sc.i < len(sc.b) && sc.b[sc.i] == '-'
	if neg {
		sc.i++
	}
	n, err := strconv.ParseInt(string(sc.digits()), 10, 64)
	if err != nil {
		sc.bad = true
	}
	if neg {
		n = -n
	}
	return n
}

// parseFast reads an envelope in the form Marshal writes, which is every
// envelope a node sends, finding its base64 strings without encoding/json's
// tokenizer (which read a 22 KB payload byte by byte). It accepts only what
// Marshal writes back byte for byte; anything else (ok false) goes to
// Parse's strict reader, which says what is wrong.
func parseFast(raw []byte) (e *Envelope, ok bool) {
	sc := scanner{b: raw}
	sc.lit(`{"payloadType":`)
	pt := sc.str()
	sc.lit(`,"payload":`)
	payload := sc.base64()
	sc.lit(`,"signatures":[{"keyid":`)
	keyID := sc.str()
	sc.lit(`,"sig":`)
	sig := sc.base64()
	sc.lit(`,"certificates":[`)
	var chain []*x509.Certificate
	for !sc.bad && !sc.peek(`]`) {
		if len(chain) > 0 {
			sc.lit(`,`)
		}
		der := sc.base64()
		if sc.bad || len(chain) == maxChain {
			return nil, false
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, false
		}
		chain = append(chain, c)
	}
	sc.lit(`]}]}`)
	if sc.bad || sc.i != len(raw) || pt == "" || len(chain) == 0 {
		return nil, false
	}
	e = &Envelope{PayloadType: pt, Payload: payload, Signatures: []Signature{{KeyID: keyID, Sig: sig, Chain: chain}}}
	m, err := e.Marshal()
	if err != nil || !bytes.Equal(m, raw) {
		return nil, false
	}
	return e, true
}

// base64 reads a string of standard, padded base64.
func (sc *scanner) base64() []byte {
	if sc.bad || sc.i >= len(sc.b) || sc.b[sc.i] != '"' {
		sc.bad = true
		return nil
	}
	end := bytes.IndexByte(sc.b[sc.i+1:], '"')
	if end < 0 {
		sc.bad = true
		return nil
	}
	src := sc.b[sc.i+1 : sc.i+1+end]
	out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Strict().Decode(out, src)
	if err != nil {
		sc.bad = true
		return nil
	}
	sc.i += end + 2
	return out[:n]
}
