// Package filter parses and evaluates SCIM filters (RFC 7644, Section
// 3.4.2.2) and parses PATCH paths (RFC 7644, Section 3.5.2) for the
// reference provider.
//
// [Parse] implements the whole filter ABNF of RFC 7644, Figure 1: attribute
// expressions with eq, ne, co, sw, ew, gt, lt, ge, le and pr; and, or and not
// with precedence not > and > or; grouping with parentheses; value paths
// `attr[valFilter]` whose valFilter is itself a full filter (and, or, not and
// parentheses inside the brackets); attribute paths with a schema URN prefix
// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`)
// and a sub-attribute; and comparison values in JSON syntax (strings with every
// JSON escape decoded, numbers, true, false, null). Keywords, operators and
// the literals true/false/null are case-insensitive, as ABNF literals are;
// attribute names keep their spelling and are matched case-insensitively by
// the [Resolver]. `not(` and `not (` are both accepted (errata 7319). Where
// the ABNF puts SP (around and/or, around operators) a space is required;
// longer runs of spaces, tabs and line breaks are accepted there and around
// parentheses and brackets, since they cannot make a filter ambiguous.
// Value filters cannot be nested, and paths inside them are plain
// sub-attribute names.
//
// One extension to the ABNF is accepted on purpose: a value path followed by
// a sub-attribute and an operator, `emails[type eq "work"].value eq "x"`,
// which Microsoft Entra sends. It parses as
// `emails[type eq "work" and value eq "x"]`, the meaning Entra intends.
//
// [Validate] checks a parsed filter against a [Resolver] (unknown
// attributes, operators that do not apply to a type, values of the wrong
// type); [Match] evaluates it against a resource decoded from JSON, and
// [Compile] does the checking and resolving once for a [Program] that
// matches a whole collection; [Compare] orders two attribute values the way
// [Match] does, for sortBy.
//
// Errors that should become 400 invalidFilter wrap [ErrInvalidFilter]; PATCH
// path errors wrap [ErrInvalidPath].
package filter
