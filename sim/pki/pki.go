// Package pki makes the certificates of a simulated world: a certificate
// authority of its own, and a server certificate (RFC 5280) for each host
// it names, signed by that authority, so that the world's TLS (RFC 8446) is
// real — real handshakes, real signatures, real verification by the
// clients — without anything from outside the process.
//
// A repeatable authority (New with a seed) derives every key from the seed:
// Ed25519 keys, whose signatures are deterministic, and serial numbers from
// a hash, so that a scripted world's handshakes are the same bytes on every
// run (with a Reader from this package as tls.Config.Rand). A live
// authority (NewLive) makes ECDSA P-256 keys from crypto/rand, which every
// real mail client accepts (some, such as Thunderbird's NSS, do not accept
// Ed25519 certificates).
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Authority is a world's certificate authority. It is safe for concurrent
// use.
type Authority struct {
	cert      *x509.Certificate // immutable
	key       crypto.Signer     // immutable
	pool      *x509.CertPool    // immutable: a pool with only cert
	seed      []byte            // immutable: nil for a live authority
	notBefore time.Time         // immutable
	notAfter  time.Time         // immutable

	mu     sync.Mutex
	issued map[string]*tls.Certificate // by the names, joined
}

// Validity is how long the certificates are valid on each side of the
// time an authority is made for: a scenario may wait days or months of
// virtual time, and serve runs for as long as it is left running.
const Validity = 10 * 365 * 24 * time.Hour

// New returns a repeatable authority: its keys and serial numbers derive
// from seed, and its certificates are valid from Validity before now to
// Validity after it, so the same seed and time give the same certificates.
func New(seed uint64, now time.Time) (*Authority, error) {
	s := make([]byte, 8)
	binary.BigEndian.PutUint64(s, seed)
	return newAuthority(s, now)
}

// NewLive returns an authority with random ECDSA P-256 keys, valid around
// now, for a world that real clients connect to.
func NewLive(now time.Time) (*Authority, error) {
	return newAuthority(nil, now)
}

func newAuthority(seed []byte, now time.Time) (*Authority, error) {
	a := &Authority{
		seed:      seed,
		notBefore: now.Add(-Validity).UTC().Truncate(time.Second),
		notAfter:  now.Add(Validity).UTC().Truncate(time.Second),
		issued:    make(map[string]*tls.Certificate),
	}
	key, err := a.newKey("ca")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          a.serial("ca"),
		Subject:               pkix.Name{Organization: []string{"MailScope"}, CommonName: "MailScope simulated world CA"},
		NotBefore:             a.notBefore,
		NotAfter:              a.notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(a.rand("ca"), tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate authority: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate authority: %w", err)
	}
	a.cert, a.key = cert, key
	a.pool = x509.NewCertPool()
	a.pool.AddCert(cert)
	return a, nil
}

// Certificate returns the authority's own certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// Pool returns a certificate pool that trusts only the authority, for
// tls.Config.RootCAs. The pool is shared: do not add to it.
func (a *Authority) Pool() *x509.CertPool { return a.pool }

// PEM returns the authority's certificate in PEM form (RFC 7468), as a
// real client such as curl (--cacert) needs it to trust the world.
func (a *Authority) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.cert.Raw})
}

// Issue returns a server certificate for the given names, signed by the
// authority: each name that is an IP address goes into the certificate's IP
// addresses, each other one into its DNS names (RFC 5280 section 4.2.1.6);
// the first is also its common name. Asking again for the same names
// returns the same certificate.
func (a *Authority) Issue(names ...string) (*tls.Certificate, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("pki: issue: no names")
	}
	id := strings.Join(names, " ")
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.issued[id]; c != nil {
		return c, nil
	}
	key, err := a.newKey("server " + id)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: a.serial("server " + id),
		Subject:      pkix.Name{Organization: []string{"MailScope"}, CommonName: names[0]},
		NotBefore:    a.notBefore,
		NotAfter:     a.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if !slices.Contains(tmpl.DNSNames, n) {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(a.rand("server "+id), tmpl, a.cert, key.Public(), a.key)
	if err != nil {
		return nil, fmt.Errorf("pki: issue for %s: %w", id, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: issue for %s: %w", id, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	a.issued[id] = c
	return c, nil
}

// SelfSigned returns a certificate for the given names signed by its own
// key, not by the authority: what a server administrator makes with one
// command, and what no client that checks certificates trusts ("certificate
// signed by unknown authority"). Asking again for the same names returns
// the same certificate.
func (a *Authority) SelfSigned(names ...string) (*tls.Certificate, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("pki: self-signed: no names")
	}
	id := "self-signed " + strings.Join(names, " ")
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.issued[id]; c != nil {
		return c, nil
	}
	key, err := a.newKey(id)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: a.serial(id),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    a.notBefore,
		NotAfter:     a.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
	}
	der, err := x509.CreateCertificate(a.rand(id), tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", id, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", id, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	a.issued[id] = c
	return c, nil
}

// derive returns 32 bytes derived from the seed for a purpose.
func (a *Authority) derive(purpose string) [32]byte {
	return sha256.Sum256(append(append([]byte("mailscope pki\x00"), a.seed...), purpose...))
}

// newKey returns the private key for a purpose: Ed25519 from the seed, or
// a random ECDSA P-256 key for a live authority.
func (a *Authority) newKey(purpose string) (crypto.Signer, error) {
	if a.seed == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("pki: key for %s: %w", purpose, err)
		}
		return k, nil
	}
	d := a.derive("key " + purpose)
	return ed25519.NewKeyFromSeed(d[:]), nil
}

// serial returns a certificate serial number: positive, at most 20 octets
// (RFC 5280 section 4.1.2.2), random or derived from the seed.
func (a *Authority) serial(purpose string) *big.Int {
	var b [16]byte
	if a.seed == nil {
		rand.Read(b[:])
	} else {
		d := a.derive("serial " + purpose)
		copy(b[:], d[:])
	}
	b[0] &= 0x7f
	b[0] |= 0x01 // never zero, never negative
	return new(big.Int).SetBytes(b[:])
}

// rand returns the randomness x509.CreateCertificate is given: Ed25519
// signatures use none, ECDSA signatures crypto/rand.
func (a *Authority) rand(purpose string) io.Reader {
	if a.seed == nil {
		return rand.Reader
	}
	d := a.derive("rand " + purpose)
	return NewReader(binary.BigEndian.Uint64(d[:8]), purpose)
}
