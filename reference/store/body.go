package store

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EncodeBody renders a resource's attributes as the compact JSON object a
// [Resource] stores. Keys come out sorted and HTML characters unescaped, so
// equal attributes give equal bytes.
func EncodeBody(attrs map[string]any) ([]byte, error) {
	if attrs == nil {
		return []byte("{}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(attrs); err != nil {
		return nil, fmt.Errorf("store: encode body: %w", err)
	}
	// Clone to drop the encoder's spare capacity: bodies live long.
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// Attrs decodes the body into a fresh map the caller may modify; numbers
// decode as json.Number, as request bodies do.
func (r *Resource) Attrs() (map[string]any, error) {
	out := map[string]any{}
	if len(r.Body) == 0 {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("store: decode body of %s %q: %w", r.Type, r.ID, err)
	}
	return out, nil
}
