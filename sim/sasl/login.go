// Package sasl adds to github.com/emersion/go-sasl the server side of the
// LOGIN mechanism (draft-murchison-sasl-login), which go-sasl implements
// only as a client. Mail clients still offer LOGIN where PLAIN (RFC 4616)
// would do, so POP3 (RFC 5034) and SMTP (RFC 4954) servers accept both.
package sasl

import (
	"errors"

	gosasl "github.com/emersion/go-sasl"
)

// Login is the name of the LOGIN mechanism.
const Login = gosasl.Login

// The challenges of the LOGIN mechanism, as servers word them and clients
// (go-sasl's among them) expect them.
var (
	usernameChallenge = []byte("Username:")
	passwordChallenge = []byte("Password:")
)

// LoginAuthenticator checks a username and a password; a non-nil error
// fails the authentication.
type LoginAuthenticator func(username, password string) error

// ErrLoginEmpty is returned when the client gives an empty username.
var ErrLoginEmpty = errors.New("sasl: empty username")

type loginServer struct {
	authenticate LoginAuthenticator // immutable

	username string
	step     int // 0: nothing yet, 1: waiting for the username, 2: for the password, 3: done
}

// NewLoginServer returns a server for the LOGIN mechanism: it asks for the
// username ("Username:") unless the client gave it as its initial
// response, then for the password ("Password:"), and calls authenticate.
func NewLoginServer(authenticate LoginAuthenticator) gosasl.Server {
	return &loginServer{authenticate: authenticate}
}

var _ gosasl.Server = (*loginServer)(nil)

// Next implements gosasl.Server.
func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		if response == nil {
			s.step = 1
			return usernameChallenge, false, nil
		}
		// The username as initial response, as go-sasl's client sends it.
		fallthrough
	case 1:
		if len(response) == 0 {
			s.step = 3
			return nil, true, ErrLoginEmpty
		}
		s.username = string(response)
		s.step = 2
		return passwordChallenge, false, nil
	case 2:
		s.step = 3
		return nil, true, s.authenticate(s.username, string(response))
	}
	return nil, true, gosasl.ErrUnexpectedClientResponse
}
