package reports

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes r as results.json (schema: docs/results-schema.md), with
// schemaVersion set to [SchemaVersion] and secrets redacted.
func WriteJSON(w io.Writer, r *Results) error {
	return writeJSON(w, Redact(r))
}

func writeJSON(w io.Writer, r *Results) error {
	out := *r
	out.SchemaVersion = SchemaVersion
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Bodies quote what the target sent; keep <, > and & readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write results.json: %w", err)
	}
	return nil
}

// ReadJSON reads results.json. It fails when the document is not JSON or
// was written with another [SchemaVersion].
func ReadJSON(r io.Reader) (*Results, error) {
	var head struct {
		SchemaVersion *string `json:"schemaVersion"`
	}
	var raw json.RawMessage
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, fmt.Errorf("read results: no schemaVersion: not a scimtest results.json")
	case *head.SchemaVersion != SchemaVersion:
		return nil, fmt.Errorf("read results: schemaVersion %q, this scimtest reads %q", *head.SchemaVersion, SchemaVersion)
	}
	var res Results
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return &res, nil
}
