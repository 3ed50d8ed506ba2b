package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// RetryPolicy says when a queue tries a message again after a temporary
// failure, and when it gives up (RFC 5321 section 4.5.4.1: wait at least
// 30 minutes between attempts, give up after at least 4 or 5 days).
type RetryPolicy struct {
	// First is the wait after the first failed attempt; each later wait
	// doubles, up to Max.
	First, Max time.Duration
	// Warn is how long a message may wait before its sender is told that
	// it is delayed (a "delayed" notification, RFC 3464); zero never
	// warns.
	Warn time.Duration
	// Expire is how long a message may wait before it is returned to its
	// sender as failed.
	Expire time.Duration
}

// DefaultRetry is the schedule of the world's servers: 30 minutes, then
// 1, 2, 4 and 8 hours between attempts, a warning after 4 hours, and the
// message returned after 5 days.
var DefaultRetry = RetryPolicy{First: 30 * time.Minute, Max: 8 * time.Hour, Warn: 4 * time.Hour, Expire: 5 * 24 * time.Hour}

// Wait returns how long to wait after the attempt-th failed attempt (the
// first is 1).
func (p *RetryPolicy) Wait(attempt int) time.Duration {
	d := p.First
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	return d
}

// Next returns when to try a message that arrived at arrived again after
// its attempt-th attempt failed at now: after the policy's wait, but no
// later than the moment it expires (one last attempt is made then).
func (p *RetryPolicy) Next(arrived, now time.Time, attempt int) time.Time {
	next := now.Add(p.Wait(attempt))
	if deadline := arrived.Add(p.Expire); p.Expire > 0 && next.After(deadline) {
		next = deadline
	}
	if !next.After(now) {
		next = now.Add(time.Second)
	}
	return next
}

// Expired reports whether a message that arrived at arrived has waited too
// long at now.
func (p *RetryPolicy) Expired(arrived, now time.Time) bool {
	return p.Expire > 0 && !now.Before(arrived.Add(p.Expire))
}

// Status returns the enhanced status code (RFC 3463) and the diagnostic
// (an SMTP reply, "" if the server gave none) of a failed delivery: the
// reply's own code, or 4.4.1 (no answer from host) for a connection that
// failed, 4.7.5 (cryptographic failure) for a TLS handshake that failed,
// and 4.4.0 (other routing status) for anything else.
func Status(err error) (status, diagnostic string) {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		ec := se.EnhancedCode
		if ec == gosmtp.NoEnhancedCode || ec == gosmtp.EnhancedCodeNotSet || ec[0] == 0 {
			ec = gosmtp.EnhancedCode{se.Code / 100, 0, 0}
		}
		status = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		return status, fmt.Sprintf("%d %s %s", se.Code, status, se.Message)
	}
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		return "4.4.1", ""
	case isTLSError(err):
		return "4.7.5", ""
	}
	return "4.4.0", ""
}

// isTLSError reports whether err is a failed TLS handshake, such as a
// certificate the client does not trust.
func isTLSError(err error) bool {
	var ve *tls.CertificateVerificationError
	var ae tls.AlertError
	return errors.As(err, &ve) || errors.As(err, &ae) || strings.Contains(err.Error(), "tls: ")
}

// Faults makes a server fail for a while on purpose, to show what a client
// does with a temporary failure: for the next N transactions it answers
// MAIL FROM with "451 4.3.0", or it greets the next N connections with
// "421 4.3.2" and closes them (RFC 5321 sections 3.8 and 4.2.3). It is
// safe for concurrent use; the zero value fails nothing.
type Faults struct {
	mu   sync.Mutex
	code int // 451 or 421
	left int
}

// The temporary failures a server can be made to answer.
const (
	FaultAbort    = 451 // MAIL FROM is answered 451 4.3.0
	FaultShutdown = 421 // the connection is greeted with 421 4.3.2 and closed
)

// Set makes the next n attempts fail with code (FaultAbort or
// FaultShutdown); n = 0 ends the failures.
func (f *Faults) Set(n, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left, f.code = max(n, 0), code
}

// Left returns how many attempts will still fail, and with what code.
func (f *Faults) Left() (n, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.left, f.code
}

// take uses up one failure of the given code, if one is left.
func (f *Faults) take(code int) bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.left == 0 || f.code != code {
		return false
	}
	f.left--
	return true
}

// errAborted is the reply to MAIL FROM of a server told to fail.
var errAborted = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Requested action aborted: local error in processing, try again later"}

// Listener returns l, but a connection accepted while a FaultShutdown is
// left is greeted "421 4.3.2 host Service not available, closing
// transmission channel" and closed, without reaching the server.
func (f *Faults) Listener(l net.Listener, host string) net.Listener {
	return &faultListener{Listener: l, f: f, host: host}
}

type faultListener struct {
	net.Listener
	f    *Faults // immutable
	host string  // immutable
}

func (l *faultListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.f.take(FaultShutdown) {
			return c, err
		}
		fmt.Fprintf(c, "421 4.3.2 %s Service not available, closing transmission channel\r\n", l.host)
		c.Close()
	}
}
