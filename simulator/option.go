package simulator

import (
	"fmt"
	"slices"
	"strings"
)

// OneOf returns v, or def when v is empty, and fails when v is none of
// known. The IdP simulators check their string-typed options with it, so a
// zero option means the IdP's default and a typo is refused with the list
// of what is accepted instead of silently behaving like the default.
func OneOf[T ~string](what string, v, def T, known ...T) (T, error) {
	if v == "" {
		return def, nil
	}
	if slices.Contains(known, v) {
		return v, nil
	}
	names := make([]string, len(known))
	for i, k := range known {
		names[i] = string(k)
	}
	return v, fmt.Errorf("unknown %s %q (want %s)", what, string(v), strings.Join(names, ", "))
}
