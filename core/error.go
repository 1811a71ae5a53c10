// Package core is EnrollDesk's domain: resident ID numbers, department
// records, cross-checking, the admission policy, classification, catchment
// and the application's life cycle. It imports only the standard library.
package core

import (
	"errors"
	"fmt"
)

// Error codes shared by every layer. Adapters map them to exit codes and HTTP
// statuses; the message is always fit to show the person at the screen.
const (
	EINVALID  = "invalid"   // the input is wrong; the message says how
	ENOTFOUND = "not_found" // no such record
	ECONFLICT = "conflict"  // the action does not fit the current state
	EINTERNAL = "internal"  // something broke; the message says whom to ask
)

// Error is a domain error: a machine-readable code and a message a parent
// or a hall clerk can act on.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for errors that carry internals a person should not see.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "系统出现内部错误，请联系大厅工作人员。"
}

// IsInvalid reports whether err is a domain error about bad input: EINVALID
// or one of its refinements (codes that start with "invalid").
func IsInvalid(err error) bool {
	code := ErrorCode(err)
	return len(code) >= len(EINVALID) && code[:len(EINVALID)] == EINVALID
}
