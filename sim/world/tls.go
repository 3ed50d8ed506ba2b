package world

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/mailscope/mailscope/sim/pki"
)

// The world's TLS. At start the world makes a certificate authority of its
// own and a certificate for each server (sim/pki), which its clients
// trust. Every TLS configuration of the world, servers' and clients',
// writes its traffic secrets to the world's key log, so that the taps
// record both what crosses the wire and what the endpoints read. Only TLS
// 1.3 is spoken: the taps decrypt nothing older.
//
// A scripted world is repeatable: its keys derive from the spec's seed
// (Ed25519 certificates, a seeded stream as tls.Config.Rand, X25519 key
// shares only, no session tickets), which needs GODEBUG=cryptocustomrand=1
// in the program (see pki.NewReader). A live world (Options.Live, for
// serve) uses ECDSA P-256 certificates, which every real client accepts,
// and real randomness.

// How a device secures a connection, as a script says it.
const (
	TLSNone     = "none"     // in the clear (the default)
	TLSStartTLS = "starttls" // STARTTLS (SMTP, IMAP) or STLS (POP3) on the plain port
	TLSImplicit = "implicit" // TLS from the first byte, on the TLS port (RFC 8314)
)

// TLSModes are the values of a script's tls fields.
var TLSModes = []string{TLSNone, TLSStartTLS, TLSImplicit}

// The SASL mechanisms a send action may ask for.
const (
	AuthPlain = "plain"
	AuthLogin = "login"
)

// checkTLS checks a script's tls field at path.
func checkTLS(c *checker, path, mode string) {
	if mode != "" && !slices.Contains(TLSModes, mode) {
		c.add(path, "tls %q is not one of %s", mode, strings.Join(TLSModes, ", "))
	}
}

// setupTLS makes the world's certificate authority and randomness.
func (w *World) setupTLS(live bool) error {
	var err error
	now := w.Clock.Now()
	if live {
		w.PKI, err = pki.NewLive(now)
	} else {
		w.PKI, err = pki.New(w.Spec.Seed, now)
		w.tlsRand = pki.NewReader(w.Spec.Seed, "tls")
	}
	if err != nil {
		return fmt.Errorf("world: %w", err)
	}
	return nil
}

// baseTLS returns the settings every TLS configuration of the world shares.
func (w *World) baseTLS() *tls.Config {
	c := &tls.Config{
		MinVersion:             tls.VersionTLS13,
		KeyLogWriter:           w.Keys,
		Time:                   w.Clock.Now,
		SessionTicketsDisabled: true,
	}
	if w.tlsRand != nil {
		c.Rand = w.tlsRand
		// ML-KEM key shares are random whatever the reader.
		c.CurvePreferences = []tls.CurveID{tls.X25519}
	}
	return c
}

// serverTLS returns the TLS configuration of a server known by names (its
// host name first).
func (w *World) serverTLS(names ...string) (*tls.Config, error) {
	cert, err := w.PKI.Issue(names...)
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	c := w.baseTLS()
	c.Certificates = []tls.Certificate{*cert}
	return c, nil
}

// clientTLS returns the TLS configuration of a client of the world talking
// to the server with the given host name: it trusts the world's authority
// and checks the name.
func (w *World) clientTLS(server string) *tls.Config {
	c := w.baseTLS()
	c.RootCAs = w.PKI.Pool()
	c.ServerName = server
	return c
}

// dial connects a device to a port of its server, the way mode says: on
// the plain port, with the TLS configuration to start TLS with (STARTTLS)
// or none; or on the TLS port, through a TLS client.
func (d *Device) dial(mode string, plain, implicit int) (net.Conn, *tls.Config, error) {
	switch mode {
	case "", TLSNone:
		c, err := d.w.Net.Dial(d.Spec.ID, d.server, plain)
		return c, nil, err
	case TLSStartTLS:
		c, err := d.w.Net.Dial(d.Spec.ID, d.server, plain)
		return c, d.w.clientTLS(d.server), err
	case TLSImplicit:
		c, err := d.w.Net.Dial(d.Spec.ID, d.server, implicit)
		if err != nil {
			return nil, nil, err
		}
		return tls.Client(c, d.w.clientTLS(d.server)), nil, nil
	}
	return nil, nil, fmt.Errorf("world: tls %q is not one of %v", mode, TLSModes)
}

// imapSecurity sets how the device's IMAP connection is secured for an
// action that asks for mode (empty: whatever the open connection has, or
// none for a new one). An open connection cannot change.
func (d *Device) imapSecurity(mode string) error {
	have := d.imapTLS
	if have == "" {
		have = TLSNone
	}
	switch {
	case !d.imap.Connected():
		d.imapTLS = mode
	case mode != "" && mode != have:
		return fmt.Errorf("world: the IMAP connection of %s is open with tls %s; log out before asking for %s", d.Spec.ID, have, mode)
	}
	return nil
}

// CACertificate returns the world's certificate authority in PEM form, for
// real clients to trust (serve --ca-out).
func (w *World) CACertificate() []byte { return w.PKI.PEM() }
