package valuefile

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tonghop/tonghop/internal/entry"
)

func raw(element, option, value string) entry.Raw {
	return entry.Raw{Element: element, Option: option, Value: value}
}

func TestReadCSV(t *testing.T) {
	in := "\ufeffdata_element,option,value,period\n" +
		"dang_vien,,2675,2021\n" +
		"dang_vien,nu,881,2021\n" +
		"\n" +
		"dang_vien,nam,\"1793\",2021\n"
	b, err := ReadCSV(strings.NewReader(in), Defaults{Unit: "106", DataSet: "tong_ket_nam"})
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{
		Unit: "106", DataSet: "tong_ket_nam", Period: "2021",
		Values: []entry.Raw{raw("dang_vien", "", "2675"), raw("dang_vien", "nu", "881"), raw("dang_vien", "nam", "1793")},
		Lines:  []int{2, 3, 5},
	}
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("ReadCSV = %+v\nwant %+v", b, want)
	}
}

func TestReadCSVRejects(t *testing.T) {
	for name, c := range map[string]struct {
		in   string
		d    Defaults
		want string
	}{
		"empty":          {"", Defaults{}, "empty file"},
		"unknown column": {"data_element,option,value,note\n", Defaults{}, `unknown column "note"`},
		"missing column": {"data_element,value\n", Defaults{}, `missing column "option"`},
		"no rows":        {"data_element,option,value\n", Defaults{}, "no values"},
		"short row":      {"data_element,option,value\ndang_vien,2675\n", Defaults{}, "line 2: 2 fields"},
		"two periods":    {"data_element,option,value,period\na,,1,2021\nb,,2,2020\n", Defaults{}, `line 3: period "2020" differs`},
		"flag disagrees": {"data_element,option,value,unit_code\na,,1,106\n", Defaults{Unit: "105"}, `unit_code is "106" in the file but "105" was given`},
	} {
		_, err := ReadCSV(strings.NewReader(c.in), c.d)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrInvalid containing %q", name, err, c.want)
		}
	}
}

func TestReadJSON(t *testing.T) {
	in := `{"unit_code":"106","data_set":"tong_ket_nam","period":"2021","values":[
	  {"data_element":"dang_vien","value":2675},
	  {"data_element":"dang_vien","option":"nu","value":"881"},
	  {"data_element":"dang_vien","option":"nam","value":-3}]}`
	b, err := ReadJSON(strings.NewReader(in), Defaults{})
	if err != nil {
		t.Fatal(err)
	}
	want := []entry.Raw{raw("dang_vien", "", "2675"), raw("dang_vien", "nu", "881"), raw("dang_vien", "nam", "-3")}
	if b.Unit != "106" || b.DataSet != "tong_ket_nam" || b.Period != "2021" || !reflect.DeepEqual(b.Values, want) {
		t.Fatalf("ReadJSON = %+v", b)
	}
	for name, c := range map[string]string{
		"unknown field": `{"values":[{"data_element":"a","value":1,"note":"x"}]}`,
		"no values":     `{"unit_code":"106"}`,
		"object value":  `{"values":[{"data_element":"a","value":{}}]}`,
		"two documents": `{"values":[{"data_element":"a","value":1}]} {}`,
		"not json":      `dang_vien=2675`,
	} {
		if _, err := ReadJSON(strings.NewReader(c), Defaults{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

// FuzzReadCSV checks that no input crashes the reader and that whatever it
// accepts is a batch with one line number per value.
func FuzzReadCSV(f *testing.F) {
	f.Add("data_element,option,value\ndang_vien,,2675\n")
	f.Add("data_element,option,value,period\ndang_vien,nu,881,2021\ndang_vien,nam,1793,2021\n")
	f.Add("data_element,option,value\n\"a\nb\",,1\n")
	f.Add("\ufeffvalue,option,data_element\n1,,x\n")
	f.Add("data_element,option,value\n\"unterminated,,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ReadCSV(strings.NewReader(in), Defaults{})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			return
		}
		if len(b.Values) == 0 || len(b.Lines) != len(b.Values) {
			t.Fatalf("accepted batch with %d values and %d lines", len(b.Values), len(b.Lines))
		}
	})
}

// FuzzReadJSON checks that no input crashes the reader.
func FuzzReadJSON(f *testing.F) {
	f.Add(`{"unit_code":"106","data_set":"tong_ket_nam","period":"2021","values":[{"data_element":"dang_vien","value":2675}]}`)
	f.Add(`{"values":[{"data_element":"a","value":"1"},{"data_element":"b","value":1e3}]}`)
	f.Add(`{"values":[]}`)
	f.Fuzz(func(t *testing.T, in string) {
		b, err := ReadJSON(strings.NewReader(in), Defaults{})
		if err == nil && len(b.Values) == 0 {
			t.Fatal("accepted a batch without values")
		}
	})
}
