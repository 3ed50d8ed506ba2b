package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"testing"
	"time"
)

var now = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

func TestRepeatable(t *testing.T) {
	a, err := New(42, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(42, now)
	c, _ := New(43, now)
	if !bytes.Equal(a.PEM(), b.PEM()) {
		t.Error("two authorities of the same seed differ")
	}
	if bytes.Equal(a.PEM(), c.PEM()) {
		t.Error("authorities of seeds 42 and 43 are the same")
	}
	ca, cb := mustIssue(t, a, "mail.ejemplo.com"), mustIssue(t, b, "mail.ejemplo.com")
	if !bytes.Equal(ca.Certificate[0], cb.Certificate[0]) {
		t.Error("certificates of the same seed and name differ")
	}
	if again := mustIssue(t, a, "mail.ejemplo.com"); again != ca {
		t.Error("issuing again for the same names gave another certificate")
	}
	if _, ok := a.Certificate().PublicKey.(ed25519.PublicKey); !ok {
		t.Errorf("a repeatable authority's key is %T, want Ed25519", a.Certificate().PublicKey)
	}
}

func TestLive(t *testing.T) {
	a, err := NewLive(now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewLive(now)
	if bytes.Equal(a.PEM(), b.PEM()) {
		t.Error("two live authorities are the same")
	}
	c := mustIssue(t, a, "localhost", "127.0.0.1", "::1")
	if _, ok := c.Leaf.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("a live certificate's key is %T, want ECDSA", c.Leaf.PublicKey)
	}
}

// TestVerify checks that a certificate verifies against the authority's
// pool for its names, at times around the one it was made for, and not for
// other names or beyond its validity.
func TestVerify(t *testing.T) {
	for _, live := range []bool{false, true} {
		a, _ := New(1, now)
		if live {
			a, _ = NewLive(now)
		}
		c := mustIssue(t, a, "localhost", "127.0.0.1", "mail.otro.org")
		if len(c.Certificate) != 1 || c.Leaf.IsCA || !c.Leaf.NotBefore.Before(now) || !c.Leaf.NotAfter.After(now) {
			t.Errorf("live %v: leaf %+v", live, c.Leaf)
		}
		for _, tt := range []struct {
			name string
			at   time.Time
			ok   bool
		}{
			{"localhost", now, true},
			{"127.0.0.1", now, true},
			{"mail.otro.org", now.AddDate(5, 0, 0), true},
			{"mail.otro.org", now.AddDate(-5, 0, 0), true},
			{"mail.ejemplo.com", now, false},
			{"localhost", now.AddDate(11, 0, 0), false},
		} {
			_, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: tt.name, Roots: a.Pool(), CurrentTime: tt.at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if (err == nil) != tt.ok {
				t.Errorf("live %v: verify for %s at %v = %v, want ok %v", live, tt.name, tt.at, err, tt.ok)
			}
		}
	}
}

func TestPEM(t *testing.T) {
	a, _ := New(1, now)
	block, rest := pem.Decode(a.PEM())
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("PEM() = %q, want one CERTIFICATE block", a.PEM())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.IsCA || cert.Subject.CommonName == "" {
		t.Errorf("the PEM's certificate: %v, %+v; want the CA", err, cert)
	}
}

func TestIssueNoNames(t *testing.T) {
	a, _ := New(1, now)
	if _, err := a.Issue(); err == nil {
		t.Error("Issue() without names succeeded")
	}
}

// TestReader checks the repeatable stream: the same seed and purpose give
// the same bytes, others give others, and a one-byte read (the probe of
// crypto/internal/randutil.MaybeReadByte) neither fails nor moves it.
func TestReader(t *testing.T) {
	read := func(r io.Reader, n int) []byte {
		b := make([]byte, n)
		if k, err := r.Read(b); k != n || err != nil {
			t.Fatalf("Read(%d) = %d, %v", n, k, err)
		}
		return b
	}
	a, b := NewReader(1, "tls"), NewReader(1, "tls")
	first := read(a, 32)
	read(b, 1) // a probe
	if got := read(b, 32); !bytes.Equal(got, first) {
		t.Error("a one-byte read moved the stream")
	}
	if bytes.Equal(read(NewReader(2, "tls"), 32), first) || bytes.Equal(read(NewReader(1, "other"), 32), first) {
		t.Error("another seed or purpose gave the same bytes")
	}
	if bytes.Equal(read(a, 32), first) {
		t.Error("the stream repeats itself")
	}
}

func mustIssue(t *testing.T, a *Authority, names ...string) *tls.Certificate {
	t.Helper()
	c, err := a.Issue(names...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSelfSigned makes a certificate that its own key signed: repeatable,
// and not trusted by the authority's pool.
func TestSelfSigned(t *testing.T) {
	a, _ := New(42, now)
	b, _ := New(42, now)
	c, err := a.SelfSigned("mail.otro.org")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b.SelfSigned("mail.otro.org")
	if !bytes.Equal(c.Certificate[0], d.Certificate[0]) {
		t.Error("two self-signed certificates of the same seed differ")
	}
	if err := c.Leaf.CheckSignature(c.Leaf.SignatureAlgorithm, c.Leaf.RawTBSCertificate, c.Leaf.Signature); err != nil {
		t.Errorf("the certificate is not signed by its own key: %v", err)
	}
	_, err = c.Leaf.Verify(x509.VerifyOptions{Roots: a.Pool(), DNSName: "mail.otro.org", CurrentTime: now})
	if _, ok := err.(x509.UnknownAuthorityError); !ok {
		t.Errorf("Verify = %v, want x509.UnknownAuthorityError", err)
	}
	if _, err := a.SelfSigned(); err == nil {
		t.Error("SelfSigned() with no names = nil error")
	}
}
