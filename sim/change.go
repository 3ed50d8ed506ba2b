package sim

import (
	"fmt"
	"strings"
	"time"
)

// Op is the operation of a Change.
type Op uint8

// The operations that change a server's store, a server's queue or a
// device's local copy.
const (
	OpAccount       Op = iota + 1 // an account was created on Host
	OpMailboxCreate               // Mailbox was created (with UIDValidity)
	OpMailboxDelete               // Mailbox was deleted
	OpMailboxRename               // Mailbox was renamed to NewName
	OpAppend                      // message UID was added to Mailbox
	OpFlags                       // message UID now has exactly Flags
	OpExpunge                     // message UID was removed from Mailbox
	OpQueueAdd                    // message QueueID waits in Host's outbound queue
	OpQueueRemove                 // message QueueID left the queue (Result says how)
	OpDeviceAdd                   // a device stored a copy of a message
	OpDeviceFlags                 // a device's copy now has exactly Flags
	OpDeviceRemove                // a device dropped its copy
)

var opNames = [...]string{
	OpAccount:       "account",
	OpMailboxCreate: "create",
	OpMailboxDelete: "delete",
	OpMailboxRename: "rename",
	OpAppend:        "append",
	OpFlags:         "flags",
	OpExpunge:       "expunge",
	OpQueueAdd:      "queue",
	OpQueueRemove:   "dequeue",
	OpDeviceAdd:     "save",
	OpDeviceFlags:   "device-flags",
	OpDeviceRemove:  "drop",
}

// String returns the operation's name as it appears in JSON Lines.
func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", o)
}

// Change describes one change of a store, a queue or a device. Only the
// fields that matter for its Op are set. A Change is immutable once
// published.
type Change struct {
	Op          Op
	Host        string // the server (store and queue changes) or the device
	Account     string // the account's address
	Mailbox     string
	NewName     string // OpMailboxRename
	UIDValidity uint32
	UID         uint32
	Key         string   // a device's key for its copy (POP3 UIDL or "mailbox/uid")
	Flags       []string // the complete set after the change
	QueueID     string
	Result      string   // OpQueueRemove: "delivered", "bounced", ...
	Partial     bool     // OpDeviceAdd: the device holds the header only
	Msg         *MsgInfo // OpAppend, OpQueueAdd, OpDeviceAdd
	// Try is where a queued message stands after failed delivery attempts
	// (OpQueueAdd); nil when it has not been tried yet.
	Try *QueueTry
}

// QueueTry is where a message waiting in a queue stands after delivery
// attempts that failed for now (RFC 5321 section 4.5.4.1).
type QueueTry struct {
	Attempts  int       `json:"attempts"`             // attempts so far
	Next      time.Time `json:"next"`                 // when the next attempt is due
	LastError string    `json:"last_error,omitempty"` // why the last attempt failed
}

// MsgInfo summarises a message for the views and the trace.
type MsgInfo struct {
	Size      int
	Date      time.Time // the internal date (arrival) on a server
	From      string
	To        string
	Subject   string
	MessageID string
	MailFrom  string   // the envelope sender (queue entries)
	RcptTo    []string // the envelope recipients (queue entries)
}

// Summary returns a one-line English description of the change, as the
// "text" of its event.
func (c *Change) Summary() string {
	var b strings.Builder
	b.WriteString(c.Op.String())
	b.WriteByte(' ')
	b.WriteString(c.Host)
	if c.Account != "" {
		b.WriteByte(' ')
		b.WriteString(c.Account)
	}
	if c.Mailbox != "" {
		fmt.Fprintf(&b, " %q", c.Mailbox)
	}
	switch c.Op {
	case OpMailboxCreate:
		fmt.Fprintf(&b, " uidvalidity=%d", c.UIDValidity)
	case OpMailboxRename:
		fmt.Fprintf(&b, " -> %q", c.NewName)
	case OpAppend, OpFlags, OpExpunge:
		fmt.Fprintf(&b, " uid=%d", c.UID)
	case OpQueueAdd, OpQueueRemove:
		b.WriteString(" id=" + c.QueueID)
		if c.Result != "" {
			b.WriteString(" " + c.Result)
		}
	case OpDeviceAdd, OpDeviceFlags, OpDeviceRemove:
		b.WriteString(" " + c.Key)
		if c.Op == OpDeviceAdd && c.Partial {
			b.WriteString(" header-only")
		}
	}
	if c.Op == OpFlags || c.Op == OpDeviceFlags || ((c.Op == OpAppend || c.Op == OpDeviceAdd) && len(c.Flags) > 0) {
		fmt.Fprintf(&b, " (%s)", strings.Join(c.Flags, " "))
	}
	if m := c.Msg; m != nil {
		if m.MailFrom != "" || len(m.RcptTo) > 0 {
			fmt.Fprintf(&b, " <%s> -> <%s>", m.MailFrom, strings.Join(m.RcptTo, ">, <"))
		}
		if m.Subject != "" {
			fmt.Fprintf(&b, " %q", m.Subject)
		}
		fmt.Fprintf(&b, " %d bytes", m.Size)
	}
	if t := c.Try; t != nil {
		fmt.Fprintf(&b, " (attempts %d, next %s", t.Attempts, t.Next.Format("2006-01-02 15:04 -0700"))
		if t.LastError != "" {
			b.WriteString(": " + t.LastError)
		}
		b.WriteByte(')')
	}
	return b.String()
}
