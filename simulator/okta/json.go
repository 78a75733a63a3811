package okta

import (
	"bytes"
	"encoding/json"
)

// jsonMarshal encodes v without escaping <, > and &, which Okta sends as is.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
