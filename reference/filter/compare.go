package filter

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Compare orders two attribute values of SCIM type typ (string, boolean,
// decimal, integer, dateTime, reference, binary) the way [Match] does, for
// sortBy (RFC 7644, Section 3.4.2.3). It returns -1, 0 or +1 and true, or
// false when the values cannot be compared as typ (wrong JSON type, an
// unparsable dateTime, a complex type, null).
//
//   - string: by Unicode code point after [Prepare]: NFC normalisation and,
//     unless caseExact, full Unicode case folding (so "ÄRGER" equals
//     "ärger", "Straße" equals "STRASSE" and "e\u0301" equals "é");
//   - reference and binary: always case-exact (RFC 7643, Sections 2.3.6 and
//     2.3.7);
//   - boolean: false before true;
//   - decimal and integer: numerically; values may be float64, json.Number or
//     Go integers, and integers are compared exactly when both fit in int64;
//   - dateTime: as instants (RFC 3339 / xsd:dateTime; a value without a zone
//     offset is taken as UTC), so "2011-05-13T06:42:34+02:00" equals
//     "2011-05-13T04:42:34Z".
func Compare(a, b any, typ string, caseExact bool) (int, bool) {
	switch strings.ToLower(typ) {
	case "string":
		sa, ok1 := a.(string)
		sb, ok2 := b.(string)
		if !ok1 || !ok2 {
			return 0, false
		}
		return strings.Compare(Prepare(sa, caseExact), Prepare(sb, caseExact)), true
	case "reference", "binary":
		sa, ok1 := a.(string)
		sb, ok2 := b.(string)
		if !ok1 || !ok2 {
			return 0, false
		}
		return strings.Compare(sa, sb), true
	case "boolean":
		ba, ok1 := a.(bool)
		bb, ok2 := b.(bool)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch {
		case ba == bb:
			return 0, true
		case !ba:
			return -1, true
		default:
			return 1, true
		}
	case "decimal", "integer":
		na, ok1 := toNumber(a)
		nb, ok2 := toNumber(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		return na.cmp(nb), true
	case "datetime":
		ta, ok1 := toTime(a)
		tb, ok2 := toTime(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		return ta.Compare(tb), true
	}
	return 0, false
}

// Prepare readies a string attribute value or filter literal for
// comparison (RFC 7644, Section 7.8 asks for Unicode preparation, so a name
// typed in NFD matches the same name stored in NFC): Unicode NFC
// normalisation, and unless caseExact full Unicode case folding
// (golang.org/x/text/cases.Fold) applied to the decomposed form, Unicode's
// canonical caseless match. Two strings are equal for [Match] exactly when
// their prepared forms are equal. NFC rather than NFD is the result so that
// co, sw and ew cannot match half a character ("e" is not inside "é").
// ASCII strings, by far the common case, take a fast path with the same
// result and no allocation when already lower-case.
func Prepare(s string, caseExact bool) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if caseExact {
				return norm.NFC.String(s)
			}
			// A Caser keeps state, so each call gets its own.
			return norm.NFC.String(cases.Fold().String(norm.NFD.String(s)))
		}
	}
	if caseExact {
		return s
	}
	return strings.ToLower(s)
}

// textOp applies a string operator to prepared operands.
func textOp(op, have, want string) bool {
	switch op {
	case "eq":
		return have == want
	case "co":
		return strings.Contains(have, want)
	case "sw":
		return strings.HasPrefix(have, want)
	case "ew":
		return strings.HasSuffix(have, want)
	case "gt":
		return have > want
	case "ge":
		return have >= want
	case "lt":
		return have < want
	case "le":
		return have <= want
	}
	return false
}

// number is an exact integer when isInt, else a float.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func (a number) cmp(b number) int {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	fa, fb := a.float(), b.float()
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return 0
}

func (a number) float() float64 {
	if a.isInt {
		return float64(a.i)
	}
	return a.f
}

// toNumber accepts the number representations a resource decoded from JSON
// (float64, json.Number) or built in Go (integers) may hold.
func toNumber(v any) (number, bool) {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return number{i: i, isInt: true}, true
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return number{}, false
		}
		return number{f: f}, true
	case float64:
		if math.IsNaN(v) {
			return number{}, false
		}
		return number{f: v}, true
	case float32:
		return toNumber(float64(v))
	case int:
		return number{i: int64(v), isInt: true}, true
	case int64:
		return number{i: v, isInt: true}, true
	case int32:
		return number{i: int64(v), isInt: true}, true
	case uint32:
		return number{i: int64(v), isInt: true}, true
	}
	return number{}, false
}

// isIntegral reports whether a number has no fractional part.
func (a number) isIntegral() bool {
	return a.isInt || a.f == math.Trunc(a.f)
}

// dateTimeLayouts are the xsd:dateTime forms SCIM uses (RFC 7643, Section
// 2.3.5): RFC 3339 with optional fractional seconds, and the same without a
// zone offset.
var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}

// toTime parses a dateTime value; a time.Time is accepted as is.
func toTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		return parseDateTime(v)
	}
	return time.Time{}, false
}

// parseDateTime parses an xsd:dateTime. RFC 3339, Section 5.6 allows a
// lower-case "t" and "z", which time.Parse does not, hence the ToUpper.
func parseDateTime(s string) (time.Time, bool) {
	s = strings.ToUpper(s)
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
