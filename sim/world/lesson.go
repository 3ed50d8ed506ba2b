package world

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// A lesson is a script with more to say: a summary and a level, quiz
// questions, and expectations that state what must be true after a step
// (so that every lesson is also a test). This file holds those parts, and
// the raw action: protocol lines typed to a server as a learner would in a
// terminal.

// WithDefaults returns the spec with what it leaves out taken from
// DefaultSpec: a lesson that only says which devices it needs (or only
// which domains) keeps the rest of the usual world. A nil spec is the
// default world.
func (s *Spec) WithDefaults() *Spec {
	d := DefaultSpec()
	if s == nil {
		return d
	}
	c := *s
	if len(c.Domains) == 0 {
		c.Domains = d.Domains
	}
	if c.Devices == nil {
		c.Devices = d.Devices
	}
	return &c
}

// Levels a lesson can have.
var Levels = []string{"basic", "intermediate", "advanced"}

// Question is a quiz question with its choices.
type Question struct {
	Ask     sim.Text `yaml:"ask" json:"ask"`
	Choices []Choice `yaml:"choices" json:"choices"`
}

// Choice is one answer to a question, with why it is right or wrong.
type Choice struct {
	Text    sim.Text `yaml:"text" json:"text"`
	Correct bool     `yaml:"correct,omitempty" json:"correct,omitempty"`
	Why     sim.Text `yaml:"why" json:"why"`
}

// Expect states what must be true after a step. It looks at one thing: a
// server mailbox (Account, and Mailbox, INBOX by default), a device's local
// copy (Device), a server's outbound queue (Queue), or the last reply a
// server sent (Reply, on the connections of Device if given).
type Expect struct {
	Account string `yaml:"account,omitempty" json:"account,omitempty"`
	Mailbox string `yaml:"mailbox,omitempty" json:"mailbox,omitempty"`
	Device  string `yaml:"device,omitempty" json:"device,omitempty"`
	Queue   string `yaml:"queue,omitempty" json:"queue,omitempty"`
	// Subject narrows the messages looked at to those with this subject.
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`

	Count   *int     `yaml:"count,omitempty" json:"count,omitempty"`       // how many messages
	Present *bool    `yaml:"present,omitempty" json:"present,omitempty"`   // whether there is any
	Flags   []string `yaml:"flags,omitempty" json:"flags,omitempty"`       // every one has these
	NoFlags []string `yaml:"no_flags,omitempty" json:"no_flags,omitempty"` // and none of these
	Partial *bool    `yaml:"partial,omitempty" json:"partial,omitempty"`   // a device holds only the header
	// Reply is how the last final reply of the step starts: "250",
	// "550 5.1.1", "+OK", "-ERR [AUTH]", "OK", "NO" (IMAP replies are
	// compared without their tag).
	Reply string `yaml:"reply,omitempty" json:"reply,omitempty"`
	// Replied is how some final reply of the step starts, not necessarily
	// the last: a refusal ("535 5.7.8", "-ERR [AUTH]", "NO
	// [AUTHENTICATIONFAILED]") is followed by the reply to the client's
	// QUIT or LOGOUT.
	Replied string `yaml:"replied,omitempty" json:"replied,omitempty"`
}

// Raw makes a device open a connection to a server's port and type lines
// to it, one at a time, each after the server has answered the last, as a
// learner would with a terminal program. Nothing checks what is typed: a
// wrong command gets the server's own error reply.
type Raw struct {
	Device string   `yaml:"device" json:"device"`
	Server string   `yaml:"server,omitempty" json:"server,omitempty"` // the device's server by default
	Port   int      `yaml:"port" json:"port"`
	Lines  []string `yaml:"lines" json:"lines"`
}

// doRaw types the lines and closes the connection (the server sees the
// end of its input, as when a terminal program is closed).
func (w *World) doRaw(r *Raw) error {
	d, err := w.device(r.Device)
	if err != nil {
		return err
	}
	server := r.Server
	if server == "" {
		server = d.server
	}
	conn, err := w.Net.Dial(d.Spec.ID, server, r.Port)
	if err != nil {
		return failure(d.Spec.ID, err)
	}
	defer conn.Close()
	w.Settle() // the greeting
	for _, line := range r.Lines {
		if _, err := conn.Write([]byte(line + "\r\n")); err != nil {
			return failure(d.Spec.ID, fmt.Errorf("the server closed the connection: %w", err))
		}
		w.Settle()
	}
	return nil
}

// checkLesson validates what a lesson adds to a script: its summary and
// level, its quizzes and its expectations.
func checkLesson(c *checker, s *Script, devices map[string]string, servers map[string]bool, accounts map[string]bool) {
	if !s.Summary.IsZero() {
		c.text("$.summary", s.Summary)
	}
	if s.Level != "" && !slices.Contains(Levels, s.Level) {
		c.add("$.level", "level %q is not one of %s", s.Level, strings.Join(Levels, ", "))
	}
	if s.Order < 0 {
		c.add("$.order", "order cannot be negative")
	}
	for i, st := range s.Steps {
		for j, q := range st.Quiz {
			p := fmt.Sprintf("$.steps[%d].quiz[%d]", i, j)
			c.text(p+".ask", q.Ask)
			if len(q.Choices) < 2 {
				c.add(p+".choices", "a question needs at least two choices")
			}
			correct := 0
			for k, ch := range q.Choices {
				cp := fmt.Sprintf("%s.choices[%d]", p, k)
				c.text(cp+".text", ch.Text)
				c.text(cp+".why", ch.Why)
				if ch.Correct {
					correct++
				}
			}
			if len(q.Choices) >= 2 && correct != 1 {
				c.add(p+".choices", "exactly one choice must be correct (found %d)", correct)
			}
		}
		for j := range st.Expect {
			checkExpect(c, fmt.Sprintf("$.steps[%d].expect[%d]", i, j), &st.Expect[j], devices, servers, accounts)
		}
	}
}

func checkExpect(c *checker, p string, e *Expect, devices map[string]string, servers map[string]bool, accounts map[string]bool) {
	targets := 0
	for _, set := range []bool{e.Account != "", e.Device != "" && e.Reply == "", e.Queue != ""} {
		if set {
			targets++
		}
	}
	if e.Reply != "" || e.Replied != "" {
		if e.Reply != "" && e.Replied != "" {
			c.add(p, "an expectation takes reply or replied, not both")
		}
		if e.Account != "" || e.Queue != "" || e.Count != nil || e.Present != nil || len(e.Flags) > 0 || len(e.NoFlags) > 0 || e.Partial != nil || e.Subject != "" {
			c.add(p, "a reply expectation takes only reply (or replied) and, optionally, device")
		}
		if e.Device != "" {
			if _, ok := devices[e.Device]; !ok {
				c.add(p+".device", "there is no device %q", e.Device)
			}
		}
		return
	}
	if targets != 1 {
		c.add(p, "an expectation looks at exactly one of account, device, queue or reply (found %d)", targets)
		return
	}
	switch {
	case e.Account != "":
		if !accounts[strings.ToLower(e.Account)] {
			c.add(p+".account", "there is no account %q", e.Account)
		}
	case e.Device != "":
		if _, ok := devices[e.Device]; !ok {
			c.add(p+".device", "there is no device %q", e.Device)
		}
		if e.Mailbox != "" {
			c.add(p+".mailbox", "a device's copy has no mailbox to choose; use subject")
		}
	case e.Queue != "":
		if !servers[e.Queue] {
			c.add(p+".queue", "there is no server %q", e.Queue)
		}
	}
	if e.Partial != nil && e.Device == "" {
		c.add(p+".partial", "partial applies to a device's copy")
	}
	if e.Count == nil && e.Present == nil && len(e.Flags) == 0 && len(e.NoFlags) == 0 && e.Partial == nil {
		c.add(p, "an expectation needs count, present, flags, no_flags or partial")
	}
	if e.Count != nil && *e.Count < 0 {
		c.add(p+".count", "a count cannot be negative")
	}
}

// expectMessage is what an expectation sees of one message.
type expectMessage struct {
	subject string
	flags   []string
	partial bool
}

// Verify checks the expectations of step i (0-based) against the world as
// it is now and the events recorded since the step began. It returns a
// Problem for each expectation that does not hold.
func (w *World) Verify(s *Script, i int, since int) Problems {
	var out Problems
	st := w.State()
	events := w.Trace.Since(since)
	for j := range s.Steps[i].Expect {
		e := &s.Steps[i].Expect[j]
		p := fmt.Sprintf("$.steps[%d].expect[%d]", i, j)
		if msg := verify(e, st, events); !msg.IsZero() {
			out = append(out, newProblem(p, msg))
		}
	}
	return out
}

// verify returns why an expectation does not hold, or a zero Message.
func verify(e *Expect, st *sim.State, events []sim.Event) sim.Message {
	if e.Replied != "" {
		all := finalReplies(events, e.Device)
		if slices.ContainsFunc(all, func(r string) bool { return strings.HasPrefix(r, e.Replied) }) {
			return sim.Message{}
		}
		if len(all) == 0 {
			return msgf("expected a reply %q, but no server replied in this step", e.Replied)
		}
		return msgf("expected a reply starting %q; none of the %d replies of this step does (the last was %q)", e.Replied, len(all), all[len(all)-1])
	}
	if e.Reply != "" {
		got, ok := lastReply(events, e.Device)
		switch {
		case !ok:
			return msgf("expected a last reply %q, but no server replied in this step", e.Reply)
		case !strings.HasPrefix(got, e.Reply):
			return msgf("expected a last reply starting %q, got %q", e.Reply, got)
		}
		return sim.Message{}
	}
	var msgs []expectMessage
	var where sim.Message
	switch {
	case e.Account != "":
		mbox := e.Mailbox
		if mbox == "" {
			mbox = "INBOX"
		}
		where = msgf("%s %s", strings.ToLower(e.Account), mbox)
		a := st.Accounts[strings.ToLower(e.Account)]
		if a == nil || a.Mailboxes[mbox] == nil {
			return msgf("expected mailbox %s, but it does not exist", where)
		}
		for _, m := range a.Mailboxes[mbox].Messages {
			msgs = append(msgs, expectMessage{m.Info.Subject, m.Flags, false})
		}
	case e.Device != "":
		where = msgf("the copy of device %s", e.Device)
		if d := st.Devices[e.Device]; d != nil {
			for _, it := range d.Items {
				msgs = append(msgs, expectMessage{it.Info.Subject, it.Flags, it.Partial})
			}
		}
	case e.Queue != "":
		where = msgf("the queue of %s", e.Queue)
		for _, q := range st.Queues[e.Queue] {
			msgs = append(msgs, expectMessage{subject: q.Info.Subject})
		}
	}
	if e.Subject != "" {
		msgs = slices.DeleteFunc(msgs, func(m expectMessage) bool { return m.subject != e.Subject })
		where = msgf("%s (subject %q)", where, e.Subject)
	}
	if e.Count != nil && len(msgs) != *e.Count {
		return msgf("expected %d messages in %s, found %d", *e.Count, where, len(msgs))
	}
	if e.Present != nil && (len(msgs) > 0) != *e.Present {
		if *e.Present {
			return msgf("expected a message in %s, found none", where)
		}
		return msgf("expected no message in %s, found %d", where, len(msgs))
	}
	for _, m := range msgs {
		for _, f := range e.Flags {
			if !slices.ContainsFunc(m.flags, func(x string) bool { return strings.EqualFold(x, f) }) {
				return msgf("expected flag %s on %q in %s; its flags are (%s)", f, m.subject, where, strings.Join(m.flags, " "))
			}
		}
		for _, f := range e.NoFlags {
			if slices.ContainsFunc(m.flags, func(x string) bool { return strings.EqualFold(x, f) }) {
				return msgf("expected no flag %s on %q in %s", f, m.subject, where)
			}
		}
		if e.Partial != nil && m.partial != *e.Partial {
			if *e.Partial {
				return msgf("expected only the header of %q in %s, but the whole message is there", m.subject, where)
			}
			return msgf("expected the whole of %q in %s, but only its header is there", m.subject, where)
		}
	}
	if (len(e.Flags) > 0 || len(e.NoFlags) > 0 || e.Partial != nil) && len(msgs) == 0 && e.Count == nil && e.Present == nil {
		return msgf("expected messages in %s to check their flags, found none", where)
	}
	return sim.Message{}
}

// Final replies of each protocol: an SMTP reply's last line, a POP3
// status, an IMAP tagged status.
var (
	smtpFinal = regexp.MustCompile(`^[2-5][0-9][0-9]( |$)`)
	pop3Final = regexp.MustCompile(`^[+-](OK|ERR)\b`)
	imapFinal = regexp.MustCompile(`^[^*+ ]+ ((OK|NO|BAD)\b.*)$`)
)

// lastReply returns the last final reply among events (on the connections
// of device, if given), an IMAP reply without its tag.
func lastReply(events []sim.Event, device string) (string, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if r, ok := finalReply(&events[i], device); ok {
			return r, true
		}
	}
	return "", false
}

// finalReplies returns every final reply among events (on the connections
// of device, if given), in order.
func finalReplies(events []sim.Event, device string) []string {
	var out []string
	for i := range events {
		if r, ok := finalReply(&events[i], device); ok {
			out = append(out, r)
		}
	}
	return out
}

// finalReply returns the final reply e is, if it is one: a server's line
// (on a connection of device, if given), an IMAP reply without its tag.
func finalReply(e *sim.Event, device string) (string, bool) {
	if e.Kind != sim.KindLine || e.Dir != sim.S2C || (device != "" && e.Conn.Client != device) {
		return "", false
	}
	switch e.Conn.Proto {
	case sim.SMTP:
		if smtpFinal.MatchString(e.Text) {
			return e.Text, true
		}
	case sim.POP3:
		if pop3Final.MatchString(e.Text) {
			return e.Text, true
		}
	case sim.IMAP:
		if m := imapFinal.FindStringSubmatch(e.Text); m != nil {
			return m[1], true
		}
	}
	return "", false
}
