package simulator

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// encodeBody turns a Request.Body into bytes.
func encodeBody(b any) ([]byte, bool, error) {
	switch v := b.(type) {
	case nil:
		return nil, false, nil
	case []byte:
		return v, true, nil
	case string:
		return []byte(v), true, nil
	case json.RawMessage:
		return v, true, nil
	default:
		out, err := json.Marshal(v)
		if err != nil {
			return nil, false, fmt.Errorf("encode body: %w", err)
		}
		return out, true, nil
	}
}

// decode undoes a Content-Encoding; an unknown or absent one leaves b as is.
func decode(enc string, b []byte) ([]byte, error) {
	var r io.ReadCloser
	var err error
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate":
		// "deflate" is zlib-wrapped (RFC 9110, Section 8.4.1.2), but some
		// servers send raw DEFLATE.
		if r, err = zlib.NewReader(bytes.NewReader(b)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(b)), nil
		}
	default:
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, MaxBodyBytes))
}

// capBody cuts b to at most limit bytes on a UTF-8 boundary and reports
// whether it cut anything.
func capBody(b string, limit int) (string, bool) {
	if limit <= 0 || len(b) <= limit {
		return b, false
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return b[:cut], true
}
