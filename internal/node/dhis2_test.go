package node

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/httpbody"

	tonghopv1 "github.com/tonghop/tonghop/api/tonghop/v1"
)

func TestDHIS2ImportAndExport(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	docs := tonghopv1.NewDocumentServiceClient(h.conn)
	mapping, err := os.ReadFile("../dhis2/testdata/mapping.csv")
	if err != nil {
		t.Fatal(err)
	}
	imp := func(file string, format tonghopv1.DataValueSetFormat, strategy string) *tonghopv1.ImportDataValueSetResponse {
		t.Helper()
		raw, err := os.ReadFile("../dhis2/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := docs.ImportDataValueSet(ctx, &tonghopv1.ImportDataValueSetRequest{Format: format, ImportStrategy: strategy, Mapping: string(mapping), File: &httpbody.HttpBody{Data: raw}})
		if err != nil {
			t.Fatalf("import %s: %v", file, err)
		}
		return resp
	}
	values := func() map[string]string {
		resp, err := tonghopv1.NewDataServiceClient(h.conn).GetValues(ctx, &tonghopv1.GetValuesRequest{UnitCode: "106", DataSet: "tong_ket_nam", Period: "2021"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, v := range resp.Values {
			out[v.DataElement+"."+v.Option] = v.Value
		}
		return out
	}
	count := func(r *tonghopv1.ImportDataValueSetResponse) [4]int32 {
		c := r.ImportCount
		return [4]int32{c.Imported, c.Updated, c.Ignored, c.Deleted}
	}

	// The hand-written JSON, by UIDs through the mapping: four new values.
	r := imp("tam-duong-2021.json", tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_JSON, "")
	if r.Status != "SUCCESS" || count(r) != [4]int32{4, 0, 0, 0} || r.ResponseType != "ImportSummary" {
		t.Fatalf("JSON import: %v", r)
	}
	if v := values(); v["dang_vien."] != "2675" || v["dang_vien.nu"] != "884" || v["ket_nap."] != "71" {
		t.Fatalf("stored: %v", v)
	}
	// The same values again as ADX, by codes: four updates.
	if r := imp("tam-duong-2021.adx.xml", tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_ADX, ""); count(r) != [4]int32{0, 4, 0, 0} {
		t.Fatalf("ADX import: %v", r)
	}
	// CREATE refuses what exists, one conflict per value.
	if r := imp("tam-duong-2021.xml", tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_XML, "CREATE"); r.Status != "ERROR" || count(r) != [4]int32{0, 0, 4, 0} || len(r.Conflicts) != 4 {
		t.Fatalf("CREATE over existing values: %v", r)
	}

	// Conflicts per value: a commune's value, a bad count, an unknown
	// element; the good value is stored.
	bad := `{"dataSet":"pBOMPrpg1QX","period":"2021","orgUnit":"DiszpKrYNg8","dataValues":[
	  {"dataElement":"fbfJHSPpUQD","value":"2700"},
	  {"dataElement":"fbfJHSPpUQD","orgUnit":"Vth0fbpFcsO","value":"412"},
	  {"dataElement":"cYeuwXTCPkU","value":"-3"},
	  {"dataElement":"xYzUnknown1","value":"5"}]}`
	resp, err := docs.ImportDataValueSet(ctx, &tonghopv1.ImportDataValueSetRequest{Mapping: string(mapping), File: &httpbody.HttpBody{ContentType: "application/json", Data: []byte(bad)}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != "WARNING" || count(resp) != [4]int32{0, 1, 3, 0} || len(resp.Conflicts) != 3 {
		t.Fatalf("conflicts: %v", resp)
	}
	for i, want := range []struct {
		object, says string
		index        int32
	}{{"Vth0fbpFcsO", "not this node's unit", 1}, {"cYeuwXTCPkU", "negative", 2}, {"xYzUnknown1", "xYzUnknown1", 3}} {
		c := resp.Conflicts[i]
		if c.Object != want.object || !strings.Contains(c.Value, want.says) || c.Indexes[0] != want.index {
			t.Errorf("conflict %d: %v, want %s saying %q", i, c, want.object, want.says)
		}
	}
	if v := values(); v["dang_vien."] != "2700" || v["ket_nap."] != "71" {
		t.Fatalf("after conflicts: %v", v)
	}

	// Export → import → equal, in every format, through the mapping.
	before := values()
	for _, f := range []tonghopv1.DataValueSetFormat{
		tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_JSON, tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_XML,
		tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_CSV, tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_ADX,
	} {
		body, err := docs.ExportDataValueSet(ctx, &tonghopv1.ExportDataValueSetRequest{Period: "2021", Format: f, Mapping: string(mapping)})
		if err != nil {
			t.Fatalf("export %v: %v", f, err)
		}
		if f == tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_JSON && !strings.Contains(string(body.Data), `"orgUnit": "DiszpKrYNg8"`) {
			t.Errorf("the export does not speak DHIS2's UIDs:\n%s", body.Data)
		}
		r, err := docs.ImportDataValueSet(ctx, &tonghopv1.ImportDataValueSetRequest{Format: f, Mapping: string(mapping), File: body})
		if err != nil || r.Status != "SUCCESS" || int(r.ImportCount.Updated) != len(before) {
			t.Fatalf("re-import %v: %v %v\n%s", f, r, err, body.Data)
		}
		if after := values(); len(after) != len(before) || after["dang_vien.nu"] != before["dang_vien.nu"] || after["dang_vien."] != "2700" {
			t.Fatalf("%v round trip changed values: %v", f, after)
		}
	}

	// DELETE removes what the file names.
	if r := imp("tam-duong-2021.csv", tonghopv1.DataValueSetFormat_DATA_VALUE_SET_FORMAT_CSV, "DELETE"); count(r) != [4]int32{0, 0, 0, 4} {
		t.Fatalf("DELETE: %v", r)
	}
	if v := values(); len(v) != len(before)-4 {
		t.Fatalf("after DELETE: %v", v)
	}
}

func TestDHIS2ImportOverREST(t *testing.T) {
	h := start(t)
	for _, c := range []struct{ file, contentType string }{
		{"tam-duong-2021.json", "application/json"},
		{"tam-duong-2021.xml", "application/xml"},
		{"tam-duong-2021.csv", "application/csv"},
		{"tam-duong-2021.adx.xml", "application/adx+xml"},
	} {
		raw, err := os.ReadFile("../dhis2/testdata/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		mapping, _ := os.ReadFile("../dhis2/testdata/mapping.csv")
		u := h.base + "/v1/dhis2/dataValueSets:import?mapping=" + url.QueryEscape(string(mapping))
		req, _ := http.NewRequest("POST", u, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", c.contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"SUCCESS"`) || !strings.Contains(string(body), `"response_type":"ImportSummary"`) {
			t.Fatalf("%s over REST: %d %s", c.file, resp.StatusCode, body)
		}
	}
	req, _ := http.NewRequest("GET", h.base+"/v1/dhis2/dataValueSets?period=2021&format=DATA_VALUE_SET_FORMAT_ADX", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/adx+xml" || !strings.Contains(string(body), `period="2021-01-01/P1Y"`) {
		t.Fatalf("ADX export over REST: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
