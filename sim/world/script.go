package world

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/mailscope/mailscope/sim"
)

// Script is a scenario: a world and the steps taken in it. Lessons are
// scripts with more to say; scripts are data, never code.
type Script struct {
	ID      string   `yaml:"id" json:"id"`
	Title   sim.Text `yaml:"title" json:"title"`
	Summary sim.Text `yaml:"summary,omitempty" json:"summary,omitempty"`
	Level   string   `yaml:"level,omitempty" json:"level,omitempty"` // one of Levels
	Order   int      `yaml:"order,omitempty" json:"order,omitempty"` // place in the curriculum; 0: not a lesson
	World   *Spec    `yaml:"world,omitempty" json:"world,omitempty"` // nil means DefaultSpec
	Steps   []Step   `yaml:"steps" json:"steps"`
}

// Step is one step of a script: what the narrator says and what happens.
type Step struct {
	Say    sim.Text   `yaml:"say" json:"say"`
	Do     []Action   `yaml:"do,omitempty" json:"do,omitempty"`
	Expect []Expect   `yaml:"expect,omitempty" json:"expect,omitempty"`
	Quiz   []Question `yaml:"quiz,omitempty" json:"quiz,omitempty"`
}

// Action is one thing that happens in a step. Exactly one field is set.
type Action struct {
	Send  *Send       `yaml:"send,omitempty" json:"send,omitempty"`
	Relay *Relay      `yaml:"relay,omitempty" json:"relay,omitempty"`
	IMAP  *IMAPAction `yaml:"imap,omitempty" json:"imap,omitempty"`
	POP3  *POP3Action `yaml:"pop3,omitempty" json:"pop3,omitempty"`
	Wait  *Wait       `yaml:"wait,omitempty" json:"wait,omitempty"`
	Raw   *Raw        `yaml:"raw,omitempty" json:"raw,omitempty"`
	// Server changes how a server behaves: down or up, failing for a
	// while, or with another certificate (see failures.go).
	Server *ServerAction `yaml:"server,omitempty" json:"server,omitempty"`
}

// Send makes a device compose a message and submit it (SMTP, port 587; or
// port 465 with implicit TLS).
type Send struct {
	Device string   `yaml:"device" json:"device"`
	To     []string `yaml:"to" json:"to"`
	// Cc are recipients named in the Cc: header field.
	Cc []string `yaml:"cc,omitempty" json:"cc,omitempty"`
	// Bcc are blind copies: each gets a RCPT TO, and no header field names
	// them (RFC 5322 section 3.6.3).
	Bcc     []string `yaml:"bcc,omitempty" json:"bcc,omitempty"`
	Subject string   `yaml:"subject" json:"subject"`
	Text    string   `yaml:"text,omitempty" json:"text,omitempty"`
	Attach  []Attach `yaml:"attach,omitempty" json:"attach,omitempty"`
	// TLS is how the device secures the submission: "none" (the
	// default), "starttls" (port 587) or "implicit" (port 465, RFC 8314).
	TLS string `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Auth is the SASL mechanism it authenticates with: "plain" (the
	// default) or "login".
	Auth string `yaml:"auth,omitempty" json:"auth,omitempty"`
	// Password, when set, is tried instead of the account's (a mistyped
	// password: the server answers 535 5.7.8).
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
}

// Attach is a file attached to a message: its text, or Size bytes of
// made-up (but always the same) content.
type Attach struct {
	Name string `yaml:"name" json:"name"`
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
	Size int    `yaml:"size,omitempty" json:"size,omitempty"`
}

// MaxAttachSize is the largest attachment a script can ask for: enough to
// exceed any server's SIZE limit, small enough not to exhaust memory.
const MaxAttachSize = 64 << 20

// data returns the attachment's content.
func (a *Attach) data() []byte {
	if a.Text != "" || a.Size == 0 {
		return []byte(a.Text)
	}
	// A repeatable stream of bytes derived from the name.
	out := make([]byte, 0, a.Size)
	sum := sha256.Sum256([]byte(a.Name))
	for len(out) < a.Size {
		out = append(out, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return out[:a.Size]
}

// Relay makes a server try to deliver everything in its outbound queue.
type Relay struct {
	Server string `yaml:"server" json:"server"`
}

// Wait advances the virtual clock; the retries of the servers' queues that
// come due meanwhile run, in time order.
type Wait struct {
	For Duration `yaml:"for" json:"for"`
}

// IMAPAction makes a device's IMAP agent run one command (logging in first
// when it is not).
type IMAPAction struct {
	Device  string   `yaml:"device" json:"device"`
	Op      string   `yaml:"op" json:"op"`
	Mailbox string   `yaml:"mailbox,omitempty" json:"mailbox,omitempty"` // select, create
	UID     string   `yaml:"uid,omitempty" json:"uid,omitempty"`         // a UID set: "1", "2:4", "1:*"
	Seq     string   `yaml:"seq,omitempty" json:"seq,omitempty"`         // a sequence set
	Items   []string `yaml:"items,omitempty" json:"items,omitempty"`     // fetch: envelope, flags, size, structure, header, body, peek
	Add     []string `yaml:"add,omitempty" json:"add,omitempty"`         // store: flags to add
	Remove  []string `yaml:"remove,omitempty" json:"remove,omitempty"`   // store: flags to remove
	To      string   `yaml:"to,omitempty" json:"to,omitempty"`           // copy, move: the destination
	// TLS is how the device secures the connection this action opens:
	// "none" (the default), "starttls" (port 143) or "implicit" (port
	// 993). An action on an open connection may repeat how it was opened,
	// not change it.
	TLS string `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Password, when set, is tried instead of the account's, on a
	// connection of its own that the action closes (the server answers NO
	// [AUTHENTICATIONFAILED] to a wrong one).
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
}

// The IMAP operations an action can ask for.
var IMAPOps = []string{"login", "list", "select", "fetch", "store", "create", "copy", "move", "expunge", "idle", "done", "logout"}

// POP3Action makes a device that reads mail with POP3 run one session.
type POP3Action struct {
	Device string `yaml:"device" json:"device"`
	// Op is "check" (download what is new, and delete it from the server
	// unless the device leaves a copy there), "preview" (fetch only the
	// headers of what is new, TOP n 0, deleting nothing) or "drop" (as
	// check with deletion, but the connection drops before QUIT, so the
	// server deletes nothing).
	Op string `yaml:"op" json:"op"`
	// TLS is how the device secures the session: "none" (the default),
	// "starttls" (STLS on port 110) or "implicit" (port 995).
	TLS string `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Password, when set, is tried instead of the account's (the server
	// answers -ERR [AUTH] to a wrong one).
	Password string `yaml:"password,omitempty" json:"password,omitempty"`
}

// The POP3 operations an action can ask for.
var POP3Ops = []string{"check", "preview", "drop"}

// Duration is a length of time as a script writes it: "90s", "5m", "2h"
// or "3d" (days). It is kept as written so that Check can say where a
// malformed one is.
type Duration string

// Value parses the duration.
func (d Duration) Value() (time.Duration, error) {
	s := string(d)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != days {
			return 0, msgf("%q is not a duration such as 90s, 5m, 2h or 3d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, msgf("%q is not a duration such as 90s, 5m, 2h or 3d", s)
	}
	return v, nil
}
