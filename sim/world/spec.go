// Package world assembles a simulated world — domains with their mail
// servers, a DNS with MX records, accounts, devices that run client agents —
// on an in-process network whose every byte is recorded in a trace, and runs
// scripts of steps and actions in it. The same servers can also be offered
// on real loopback ports (Serve), so that real clients can be watched.
package world

import (
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim"
)

// Spec describes a world: what exists before the first step.
type Spec struct {
	// Start is when the world's virtual clock starts; zero means sim.Epoch.
	Start time.Time `yaml:"start,omitempty" json:"start,omitempty"`
	// Seed fixes everything a server would pick at random (queue ids), and
	// the world's keys and TLS randomness.
	Seed    uint64       `yaml:"seed,omitempty" json:"seed,omitempty"`
	Domains []DomainSpec `yaml:"domains" json:"domains"`
	Devices []DeviceSpec `yaml:"devices" json:"devices"`
	// RelayTLS makes the servers relay with STARTTLS to every exchanger
	// that offers it (opportunistic TLS, RFC 3207), as mail servers do;
	// without it they relay in the clear.
	RelayTLS bool `yaml:"relay_tls,omitempty" json:"relay_tls,omitempty"`
}

// DomainSpec is a mail domain and the server that keeps its mail.
type DomainSpec struct {
	Name     string        `yaml:"name" json:"name"`     // "ejemplo.com"
	Server   string        `yaml:"server" json:"server"` // "mail.ejemplo.com"
	IP       string        `yaml:"ip,omitempty" json:"ip,omitempty"`
	Accounts []AccountSpec `yaml:"accounts" json:"accounts"`
	// MaxSize is the largest message, in bytes, its server accepts
	// (announced as SIZE, RFC 1870); zero means 10485760 (10 MB).
	MaxSize int64 `yaml:"max_size,omitempty" json:"max_size,omitempty"`
	// MaxRecipients is the most recipients its server accepts in one
	// transaction (announced as LIMITS RCPTMAX=); zero means 100.
	MaxRecipients int `yaml:"max_recipients,omitempty" json:"max_recipients,omitempty"`
}

// AccountSpec is an account of a domain.
type AccountSpec struct {
	User     string     `yaml:"user" json:"user"`                     // "ana"
	Name     string     `yaml:"name,omitempty" json:"name,omitempty"` // "Ana García"
	Password string     `yaml:"password" json:"password"`
	Mail     []MailSpec `yaml:"mail,omitempty" json:"mail,omitempty"`
}

// MailSpec is a message already in a mailbox when the world starts.
type MailSpec struct {
	Mailbox string   `yaml:"mailbox,omitempty" json:"mailbox,omitempty"` // INBOX when empty
	From    string   `yaml:"from" json:"from"`
	Subject string   `yaml:"subject" json:"subject"`
	Text    string   `yaml:"text,omitempty" json:"text,omitempty"`
	Flags   []string `yaml:"flags,omitempty" json:"flags,omitempty"`
}

// DeviceSpec is a device that reads and sends mail for one account.
type DeviceSpec struct {
	ID      string   `yaml:"id" json:"id"` // "beto-phone"
	Label   sim.Text `yaml:"label" json:"label"`
	Kind    string   `yaml:"kind" json:"kind"`       // "laptop" or "phone"
	Account string   `yaml:"account" json:"account"` // "beto@otro.org"
	// Reads says how the device reads mail: "imap" (the mail stays on the
	// server), "pop3" (POP3, download and delete) or "pop3-keep" (POP3,
	// leaving a copy on the server).
	Reads string `yaml:"reads" json:"reads"`
	// KeepDays, with "pop3-keep", deletes a message from the server this
	// many days (on the world's clock) after the device downloaded it;
	// zero keeps it for ever.
	KeepDays int    `yaml:"keep_days,omitempty" json:"keep_days,omitempty"`
	IP       string `yaml:"ip,omitempty" json:"ip,omitempty"`
}

// Device kinds.
const (
	Laptop = "laptop"
	Phone  = "phone"
)

// Ways a device reads mail.
const (
	ReadsIMAP     = "imap"
	ReadsPOP3     = "pop3"
	ReadsPOP3Keep = "pop3-keep"
)

// DefaultSpec returns the world every lesson starts from unless it says
// otherwise: Ana at ejemplo.com, Beto at otro.org, Ana's laptop, Beto's
// laptop and Beto's phone.
func DefaultSpec() *Spec {
	return &Spec{
		Domains: []DomainSpec{
			{Name: "ejemplo.com", Server: "mail.ejemplo.com", IP: "192.0.2.10", Accounts: []AccountSpec{
				{User: "ana", Name: "Ana García", Password: "manzana"},
			}},
			{Name: "otro.org", Server: "mail.otro.org", IP: "198.51.100.20", Accounts: []AccountSpec{
				{User: "beto", Name: "Beto Ramírez", Password: "naranja"},
			}},
		},
		Devices: []DeviceSpec{
			{ID: "ana-laptop", Label: sim.Text{ES: "Portátil de Ana", EN: "Ana's laptop"}, Kind: Laptop, Account: "ana@ejemplo.com", Reads: ReadsIMAP},
			{ID: "beto-laptop", Label: sim.Text{ES: "Portátil de Beto", EN: "Beto's laptop"}, Kind: Laptop, Account: "beto@otro.org", Reads: ReadsIMAP},
			{ID: "beto-phone", Label: sim.Text{ES: "Móvil de Beto", EN: "Beto's phone"}, Kind: Phone, Account: "beto@otro.org", Reads: ReadsIMAP},
		},
	}
}

// isHostName reports whether s looks like a DNS name with at least one dot.
func isHostName(s string) bool {
	if !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || len(s) > 253 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
