package filter

import (
	"errors"
	"fmt"
)

// ErrUnknownAttribute is wrapped by a [Resolver] when a path names an
// attribute the schema does not define.
var ErrUnknownAttribute = errors.New("unknown attribute")

// ErrInvalidFilter classifies every error that should make a provider answer
// 400 with scimType "invalidFilter" (RFC 7644, Section 3.4.2.2 and Table 9):
// syntax errors from [Parse] and semantic errors from [Validate] and [Match].
var ErrInvalidFilter = errors.New("invalid filter")

// ErrInvalidPath classifies every error from [ParsePath]; a provider answers
// 400 with scimType "invalidPath" (RFC 7644, Section 3.5.2).
var ErrInvalidPath = errors.New("invalid path")

// SyntaxError reports where and why a filter or PATCH path failed to parse.
// errors.Is reports it as [ErrInvalidFilter] when it came from [Parse] and as
// [ErrInvalidPath] when it came from [ParsePath].
type SyntaxError struct {
	// Offset is the byte offset in the input at which the problem was found.
	Offset int
	// Msg describes the problem.
	Msg string

	// kind is the sentinel this error classifies as; nil means ErrInvalidFilter.
	kind error
}

// Error implements error.
func (e *SyntaxError) Error() string {
	what := "filter"
	if e.kind == ErrInvalidPath {
		what = "path"
	}
	return fmt.Sprintf("%s: syntax error at offset %d: %s", what, e.Offset, e.Msg)
}

// Is makes errors.Is(err, ErrInvalidFilter) (or ErrInvalidPath for PATCH
// paths) true, so callers classify syntax errors without type assertions.
func (e *SyntaxError) Is(target error) bool {
	if e.kind == nil {
		return target == ErrInvalidFilter
	}
	return target == e.kind
}
