package guard

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

// TestMalformedNamesTheField: the first string that is not UTF-8 is named
// by its path, with list indexes; broken wire format is the request's.
func TestMalformedNamesTheField(t *testing.T) {
	good := bytesField(nil, 1, []byte("dang_vien"))
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"top level", bytesField(nil, 2, []byte("tong\xffket")), "data_set"},
		{"third value's element", bytesField(bytesField(bytesField(nil, 4, good), 4, good), 4, bytesField(nil, 1, []byte{0xc3})), "values[2].data_element"},
		{"truncated", []byte{0x0a, 0x10, 'x'}, "request"},
	} {
		m := &tonghopv1.PutValuesRequest{}
		err := proto.Unmarshal(c.b, m)
		if err == nil {
			t.Fatalf("%s: the bytes decode", c.name)
		}
		st := status.Convert(Malformed(c.b, m, err))
		var field string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok && len(br.FieldViolations) > 0 {
				field = br.FieldViolations[0].Field
			}
		}
		if st.Code() != codes.InvalidArgument || field != c.want {
			t.Errorf("%s: %s field %q, want InvalidArgument naming %s", c.name, st.Code(), field, c.want)
		}
	}
}

// TestFieldAt names a path variable from the route it matches, custom
// verbs included.
func TestFieldAt(t *testing.T) {
	g := HTTP(nil, []string{"/v1/units/{code}", "/v1/units/{unit_code}/data-sets/{data_set}/periods/{period}:submit"}, 1).(*httpGuard)
	for path, want := range map[string]string{
		"/v1/units/1\xff": "code",
		"/v1/units/106/data-sets/x\xff/periods/2021:submit": "data_set",
		"/v1/nowhere/\xff": "path",
	} {
		if got, ok := g.badPath(path); ok || got != want {
			t.Errorf("badPath(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
}
