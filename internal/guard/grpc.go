package guard

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// gRPC decodes a request inside the generated handler and answers Internal
// when the bytes do not decode, before any interceptor runs. So the guard
// takes the decoding over: Codec hands the handler the raw bytes (as a
// *rawRequest), and the handler's decode function, wrapped by Registrar,
// decodes them itself and answers InvalidArgument naming the field.

// rawRequest is what Codec fills instead of decoding.
type rawRequest struct{ b []byte }

// Codec is the proto codec, but for a *rawRequest, which it fills with the
// message's bytes. Install it with grpc.ForceServerCodecV2.
func Codec() encoding.CodecV2 { return codec{encoding.GetCodecV2("proto")} }

type codec struct{ encoding.CodecV2 }

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	if r, ok := v.(*rawRequest); ok {
		r.b = data.Materialize()
		return nil
	}
	return c.CodecV2.Unmarshal(data, v)
}

// Registrar registers services on s with their requests decoded by the
// guard; s must use Codec.
func Registrar(s grpc.ServiceRegistrar) grpc.ServiceRegistrar { return registrar{s} }

type registrar struct{ grpc.ServiceRegistrar }

func (r registrar) RegisterService(desc *grpc.ServiceDesc, impl any) {
	d := *desc
	d.Methods = make([]grpc.MethodDesc, len(desc.Methods))
	for i, m := range desc.Methods {
		handler := m.Handler
		m.Handler = func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			return handler(srv, ctx, decoder(dec), interceptor)
		}
		d.Methods[i] = m
	}
	r.ServiceRegistrar.RegisterService(&d, impl)
}

// decoder reads the raw request through dec and decodes it into the
// handler's message.
func decoder(dec func(any) error) func(any) error {
	return func(v any) error {
		var raw rawRequest
		if err := dec(&raw); err != nil {
			return err
		}
		m, ok := v.(proto.Message)
		if !ok {
			return status.Errorf(codes.Internal, "guard: %T is not a protocol buffer message", v)
		}
		if err := proto.Unmarshal(raw.b, m); err != nil {
			return Malformed(raw.b, m, err)
		}
		return nil
	}
}

// Malformed is the InvalidArgument for b, which did not decode into m with
// err: it names the first string field that is not UTF-8, as
// "values[2].option", or else says the wire format is broken.
func Malformed(b []byte, m proto.Message, err error) error {
	field, reason := badField(b, m.ProtoReflect().Descriptor(), "")
	if field == "" {
		field, reason = "request", fmt.Sprintf("is not a valid %s in protocol buffers wire format: %v", m.ProtoReflect().Descriptor().FullName(), err)
	}
	st := status.New(codes.InvalidArgument, field+": "+reason)
	if d, derr := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: reason}}}); derr == nil {
		st = d
	}
	return st.Err()
}

// badField walks the wire bytes of a message of type md and names the first
// string field holding invalid UTF-8.
func badField(b []byte, md protoreflect.MessageDescriptor, prefix string) (string, string) {
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", ""
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		if typ != protowire.BytesType || fd == nil {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return "", ""
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return "", ""
		}
		b = b[n:]
		name := prefix + string(fd.Name())
		if fd.IsList() {
			name += "[" + strconv.Itoa(seen[num]) + "]"
			seen[num]++
		}
		switch {
		case fd.Kind() == protoreflect.StringKind && !utf8.Valid(v):
			return name, "is not valid UTF-8"
		case fd.IsMap():
			if f, r := badField(v, fd.Message(), name+"."); f != "" {
				return f, r
			}
		case fd.Kind() == protoreflect.MessageKind:
			if f, r := badField(v, fd.Message(), name+"."); f != "" {
				return f, r
			}
		}
	}
	return "", ""
}
