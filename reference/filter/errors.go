package filter

import "errors"

// ErrUnknownAttribute is wrapped by a [Resolver] when a path names an
// attribute the schema does not define.
var ErrUnknownAttribute = errors.New("unknown attribute")
