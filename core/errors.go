package core

import (
	"errors"
	"fmt"
)

// Code is a Godot Error value (core/error/error_list.h). The C ABI returns
// these numbers unchanged, so a binding can hand them to Godot as they are.
type Code int32

// Godot Error values used by meshrtc.
const (
	CodeOK                  Code = 0
	CodeFailed              Code = 1
	CodeUnavailable         Code = 2
	CodeUnconfigured        Code = 3
	CodeUnauthorized        Code = 4
	CodeParameterRangeError Code = 5
	CodeOutOfMemory         Code = 6
	CodeTimeout             Code = 24
	CodeConnectionError     Code = 27
	CodeInvalidData         Code = 30
	CodeInvalidParameter    Code = 31
	CodeAlreadyExists       Code = 32
	CodeDoesNotExist        Code = 33
	CodeBusy                Code = 44
	CodeBug                 Code = 47
)

// Error is a sentinel error that carries its Godot code. Wrap it with
// fmt.Errorf("%w: ...") to add detail; CodeOf finds the code again.
type Error struct {
	Code Code
	Text string
}

func (e *Error) Error() string { return e.Text }

// Sentinel errors, one per Godot code meshrtc returns.
var (
	ErrFailed           = &Error{CodeFailed, "failed"}
	ErrUnavailable      = &Error{CodeUnavailable, "unavailable"}
	ErrUnconfigured     = &Error{CodeUnconfigured, "unconfigured"}
	ErrUnauthorized     = &Error{CodeUnauthorized, "unauthorized"}
	ErrRange            = &Error{CodeParameterRangeError, "parameter out of range"}
	ErrOutOfMemory      = &Error{CodeOutOfMemory, "out of memory"}
	ErrConnection       = &Error{CodeConnectionError, "connection error"}
	ErrInvalidData      = &Error{CodeInvalidData, "invalid data"}
	ErrInvalidParameter = &Error{CodeInvalidParameter, "invalid parameter"}
	ErrAlreadyExists    = &Error{CodeAlreadyExists, "already exists"}
	ErrDoesNotExist     = &Error{CodeDoesNotExist, "does not exist"}
	ErrBusy             = &Error{CodeBusy, "busy"}
	ErrBug              = &Error{CodeBug, "internal error"}
)

// CodeOf returns the Godot code of err: OK for nil, the code of the wrapped
// sentinel, or FAILED for any other error.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	// Every error of the library is a sentinel wrapped once (errorf): read
	// that without errors.As, which hosts pay for on each empty-queue poll.
	if w, ok := err.(interface{ Unwrap() error }); ok {
		if e, ok := w.Unwrap().(*Error); ok {
			return e.Code
		}
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeFailed
}

// errorf wraps a sentinel with a formatted message.
func errorf(sentinel *Error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
