// Package imap runs the IMAP side of a simulated world with go-imap v2
// (RFC 9051, IMAP4rev2, and RFC 3501, IMAP4rev1): a server over the shared
// store, with STARTTLS (RFC 9051 section 6.2.1) or implicit TLS on port
// 993 (RFC 8314), and the client agent a device uses to read and organise
// mail, including IDLE (RFC 2177) and MOVE (RFC 6851).
package imap

import (
	"crypto/tls"
	"io"
	"log"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailscope/mailscope/sim/store"
)

// Caps are the capabilities the server announces beyond those the library
// adds by itself (IDLE, SASL-IR, LITERAL-, ENABLE, UNSELECT...). Each is
// implemented by store.Session.
var Caps = imap.CapSet{
	imap.CapIMAP4rev1:    {},
	imap.CapIMAP4rev2:    {},
	imap.CapNamespace:    {},
	imap.CapUIDPlus:      {},
	imap.CapMove:         {},
	imap.CapESearch:      {},
	imap.CapSearchRes:    {},
	imap.CapListExtended: {},
	imap.CapListStatus:   {},
	imap.CapStatusSize:   {},
	imap.CapChildren:     {},
}

// Config configures an IMAP server.
type Config struct {
	// Store keeps the mailboxes.
	Store *store.Store
	// Host is the server's name: only accounts it keeps may log in. Empty
	// makes a front door for live mode, where every account may.
	Host string
	// Logger receives the server's internal errors; nil discards them.
	Logger imapserver.Logger
	// TLS, when set, is offered with STARTTLS. For implicit TLS (port
	// 993), serve on a tls.NewListener too: the library sees the TLS
	// connection and offers no STARTTLS on it.
	TLS *tls.Config
	// RequireTLS refuses LOGIN and AUTHENTICATE before TLS, as a server on
	// an open network does: the capabilities say LOGINDISABLED, and the
	// commands get NO [PRIVACYREQUIRED]. Without it plaintext
	// authentication is allowed, as it is on the simulated network and on
	// loopback addresses.
	RequireTLS bool
}

// NewServer returns an IMAP server over the store. Serve it on a listener.
func NewServer(cfg Config) *imapserver.Server {
	logger := cfg.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	var accept func(*store.Account) bool
	if cfg.Host != "" {
		host := cfg.Host
		accept = func(a *store.Account) bool { return a.Host() == host }
	}
	return imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return cfg.Store.NewSession(accept), nil, nil
		},
		Caps:         Caps,
		Logger:       logger,
		TLSConfig:    cfg.TLS,
		InsecureAuth: !cfg.RequireTLS,
	})
}
