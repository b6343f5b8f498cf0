// Package tickets is the hotline's domain: calls, callers, tickets and their store.
// It imports none of the packages that talk to Asterisk or serve the console; they
// import it.
package tickets

import (
	"errors"
	"fmt"
)

// Error codes say what kind of failure an Error is, for callers that map it to a
// spoken outcome or an HTTP status.
const (
	EINVALID   = "invalid"
	ENOTFOUND  = "not_found"
	ECONFLICT  = "conflict"
	EFORBIDDEN = "forbidden"
	EINTERNAL  = "internal"
)

// Error is the domain's error: a machine code and a sentence a user can read, and for
// an invalid value the field it is about, so that a form shows it beside that field.
type Error struct {
	Code    string
	Message string
	Field   string // the input at fault (birth_year), "" when none is
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("tickets: %s: %s", e.Code, e.Message)
}

// Errorf returns an Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an invalid Error about one field of what was given.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorField returns the field the domain error in err's chain is about, "" if none.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of the domain error in err's chain, EINTERNAL for any other
// error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the message of the domain error in err's chain, or a generic
// sentence for any other error, so that internal details never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Hệ thống gặp lỗi. Xin thử lại sau."
	}
}
