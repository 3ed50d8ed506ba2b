package explain

import "github.com/mailscope/mailscope/sim"

// State is a protocol state of a connection. Its ID is the ID of the
// catalogue entry that names and explains it.
type State struct {
	Proto sim.Proto
	ID    string // such as "smtp.state.envelope", "pop3.state.transaction", "imap.state.selected"
}

// Name returns the state's name in language l (the title of its entry), or
// its ID when the catalogue has no entry for it, or "" for the zero State.
func (s State) Name(l sim.Lang) string {
	if e := Lookup(s.ID); e != nil {
		return e.Title.In(l)
	}
	return s.ID
}

// Entry returns the state's catalogue entry, or nil.
func (s State) Entry() *Entry { return Lookup(s.ID) }

// The IDs of the states the tracker uses.
const (
	SMTPGreeting   = "smtp.state.greeting"   // connected; the client must introduce itself (again after STARTTLS)
	SMTPReady      = "smtp.state.ready"      // introduced, no mail transaction open
	SMTPAuth       = "smtp.state.auth"       // in a SASL exchange: the server waits for a base64 line
	SMTPEnvelope   = "smtp.state.envelope"   // MAIL accepted: a transaction is open
	SMTPRecipients = "smtp.state.recipients" // at least one RCPT accepted
	SMTPData       = "smtp.state.data"       // the message is travelling (after 354, or during BDAT)
	SMTPClosed     = "smtp.state.closed"

	POP3Authorization = "pop3.state.authorization"
	POP3Transaction   = "pop3.state.transaction"
	POP3Update        = "pop3.state.update"
	POP3Closed        = "pop3.state.closed"

	IMAPNotAuth  = "imap.state.notauth"
	IMAPAuth     = "imap.state.auth"
	IMAPSelected = "imap.state.selected"
	IMAPLogout   = "imap.state.logout"
	IMAPClosed   = "imap.state.closed"
)

// StateIDs returns the ID of every state the tracker can report.
func StateIDs() []string {
	return []string{
		SMTPGreeting, SMTPReady, SMTPAuth, SMTPEnvelope, SMTPRecipients, SMTPData, SMTPClosed,
		POP3Authorization, POP3Transaction, POP3Update, POP3Closed,
		IMAPNotAuth, IMAPAuth, IMAPSelected, IMAPLogout, IMAPClosed,
	}
}
