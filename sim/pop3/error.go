package pop3

import (
	"errors"
	"fmt"
)

// The response codes a negative reply may carry.
const (
	// CodeInUse says that another session holds the maildrop (RFC 2449
	// section 8.1.1).
	CodeInUse = "IN-USE"
	// CodeLoginDelay says that the client logs in too often (RFC 2449
	// section 8.1.2).
	CodeLoginDelay = "LOGIN-DELAY"
	// CodeSysTemp says that the failure is temporary and the server's
	// (RFC 3206 section 4).
	CodeSysTemp = "SYS/TEMP"
	// CodeSysPerm says that the failure is permanent and the server's
	// (RFC 3206 section 4).
	CodeSysPerm = "SYS/PERM"
	// CodeAuth says that the credentials were not accepted (RFC 3206
	// section 5).
	CodeAuth = "AUTH"
)

// Error is a negative reply: "-ERR", a response code in brackets when there
// is one, and a text for people. The server sends the Errors its commands
// return; the client returns the ones it receives.
type Error struct {
	Code string // "IN-USE", "AUTH", "SYS/TEMP"... or ""
	Text string
}

// Reply returns the reply line as it is sent, without its CRLF.
func (e *Error) Reply() string {
	s := "-ERR"
	if e.Code != "" {
		s += " [" + e.Code + "]"
	}
	if e.Text != "" {
		s += " " + e.Text
	}
	return s
}

// Error returns the reply, prefixed with the package name.
func (e *Error) Error() string { return "pop3: " + e.Reply() }

// IsCode reports whether err is, or wraps, an *Error with the given
// response code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// errorf returns an *Error without a response code.
func errorf(format string, args ...any) *Error {
	return &Error{Text: fmt.Sprintf(format, args...)}
}
