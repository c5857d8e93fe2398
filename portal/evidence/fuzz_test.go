package evidence

import (
	"archive/zip"
	"bytes"
	"testing"
)

// FuzzVerifyBundle: `relais verify` on arbitrary bytes and arbitrary zips
// never panics and never calls a forged bundle intact.
func FuzzVerifyBundle(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"manifest.json": `{"files":{"events.jsonl":"00"},"head":{"seq":1,"hash":"00"},"signature":"AA==","public_key":"AA=="}`,
		"events.jsonl":  `{"claim_id":"c","seq":1,"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000"}` + "\n",
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := VerifyBundle(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Fatalf("a fuzzed bundle verified as intact")
		}
	})
}
