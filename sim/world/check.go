package world

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/mailscope/mailscope/sim"
)

// Problem is something wrong in a script or spec, at a path such as
// "$.steps[2].do[0].imap.device" (the YAMLPath of the value at fault, which
// a loader turns into a line and column). Msg says it in English; Message
// says it in either language.
type Problem struct {
	Path string
	Msg  string
	es   string // Msg in Spanish; "" for a Problem made elsewhere
}

// newProblem returns the problem m at path.
func newProblem(path string, m sim.Message) Problem {
	return Problem{Path: path, Msg: m.In(sim.EN), es: m.In(sim.ES)}
}

func (p Problem) Error() string { return p.Path + ": " + p.Msg }

// Message returns what is wrong in language l (in English when the
// problem has no Spanish).
func (p Problem) Message(l sim.Lang) string {
	if l == sim.ES && p.es != "" {
		return p.es
	}
	return p.Msg
}

// In returns the problem as Error does, in language l.
func (p Problem) In(l sim.Lang) string { return p.Path + ": " + p.Message(l) }

// Problems is every problem found in a script; it is an error.
type Problems []Problem

func (ps Problems) Error() string { return ps.In(sim.EN) }

// In returns the problems as Error does, in language l.
func (ps Problems) In(l sim.Lang) string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.In(l)
	}
	return strings.Join(msgs, "\n")
}

type checker struct {
	problems Problems
}

// add reports a problem at path; format is English, and its Spanish is in
// the catalog (es.go).
func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, newProblem(path, msgf(format, args...)))
}

// text checks that a text exists in every language.
func (c *checker) text(path string, t sim.Text) {
	if t.IsZero() {
		c.add(path, "%s is missing: it needs a text in es and en", path[strings.LastIndex(path, ".")+1:])
		return
	}
	for _, l := range t.Missing() {
		c.add(path+"."+string(l), "the %s text is missing (every text needs es and en)", langName(l))
	}
}

// langName names a language in a sentence.
func langName(l sim.Lang) sim.Message {
	if l == sim.ES {
		return msgf("Spanish")
	}
	return msgf("English")
}

// Check validates a script without running it: its world, and that every
// action names things that exist and asks for something possible. The error
// is Problems.
func Check(s *Script) error {
	c := &checker{}
	if s.ID == "" {
		c.add("$.id", "the script needs an id")
	}
	c.text("$.title", s.Title)
	spec := s.World.WithDefaults()
	if s.World != nil {
		spec.check(c, "$.world")
	}
	if len(s.Steps) == 0 {
		c.add("$.steps", "the script has no steps")
	}
	devices := make(map[string]string) // id -> how it reads mail
	for _, d := range spec.Devices {
		devices[d.ID] = d.Reads
	}
	servers := make(map[string]bool)
	for _, d := range spec.Domains {
		servers[d.Server] = true
	}
	for i, st := range s.Steps {
		p := fmt.Sprintf("$.steps[%d]", i)
		c.text(p+".say", st.Say)
		for j := range st.Do {
			checkAction(c, fmt.Sprintf("%s.do[%d]", p, j), &st.Do[j], devices, servers)
		}
	}
	accounts := make(map[string]bool)
	for _, d := range spec.Domains {
		for _, a := range d.Accounts {
			accounts[a.User+"@"+d.Name] = true
		}
	}
	checkLesson(c, s, devices, servers, accounts)
	if len(c.problems) > 0 {
		return c.problems
	}
	return nil
}

func checkAction(c *checker, p string, a *Action, devices map[string]string, servers map[string]bool) {
	n := 0
	for _, set := range []bool{a.Send != nil, a.Relay != nil, a.IMAP != nil, a.POP3 != nil, a.Wait != nil, a.Raw != nil, a.Server != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		c.add(p, "an action needs exactly one of send, relay, imap, pop3, wait, raw, server (found %d)", n)
		return
	}
	device := func(path, id string) {
		if _, ok := devices[id]; !ok {
			c.add(path, "there is no device %q", id)
		}
	}
	switch {
	case a.Send != nil:
		s := a.Send
		device(p+".send.device", s.Device)
		if len(s.To) == 0 {
			c.add(p+".send.to", "a message needs at least one recipient")
		}
		for _, f := range []struct {
			key  string
			list []string
		}{{"to", s.To}, {"cc", s.Cc}, {"bcc", s.Bcc}} {
			for i, to := range f.list {
				if _, err := mail.ParseAddress(to); err != nil || strings.ContainsAny(to, "<> ") {
					c.add(fmt.Sprintf("%s.send.%s[%d]", p, f.key, i), "%q is not an address such as beto@otro.org", to)
				}
			}
		}
		checkTLS(c, p+".send.tls", s.TLS)
		if s.Auth != "" && s.Auth != AuthPlain && s.Auth != AuthLogin {
			c.add(p+".send.auth", "auth %q is not %s or %s", s.Auth, AuthPlain, AuthLogin)
		}
		checkPassword(c, p+".send.password", s.Password)
		for i, at := range s.Attach {
			if at.Name == "" {
				c.add(fmt.Sprintf("%s.send.attach[%d].name", p, i), "an attachment needs a file name")
			}
			switch {
			case at.Size < 0:
				c.add(fmt.Sprintf("%s.send.attach[%d].size", p, i), "a size cannot be negative")
			case at.Size > MaxAttachSize:
				c.add(fmt.Sprintf("%s.send.attach[%d].size", p, i), "an attachment can have at most %d bytes (%d MB)", MaxAttachSize, MaxAttachSize>>20)
			case at.Size > 0 && at.Text != "":
				c.add(fmt.Sprintf("%s.send.attach[%d]", p, i), "an attachment has a text or a size, not both")
			}
		}
	case a.Relay != nil:
		if !servers[a.Relay.Server] {
			c.add(p+".relay.server", "there is no server %q", a.Relay.Server)
		}
	case a.Wait != nil:
		if v, err := a.Wait.For.Value(); err != nil {
			c.add(p+".wait.for", "%v", err)
		} else if v <= 0 {
			c.add(p+".wait.for", "a wait needs a positive duration such as 5m")
		}
	case a.Raw != nil:
		device(p+".raw.device", a.Raw.Device)
		if a.Raw.Server != "" && !servers[a.Raw.Server] {
			c.add(p+".raw.server", "there is no server %q", a.Raw.Server)
		}
		if a.Raw.Port <= 0 || a.Raw.Port > 65535 {
			c.add(p+".raw.port", "a port is a number from 1 to 65535, such as 25, 110 or 143")
		}
		if len(a.Raw.Lines) == 0 {
			c.add(p+".raw.lines", "raw needs at least one line to type")
		}
	case a.IMAP != nil:
		checkIMAP(c, p+".imap", a.IMAP, device)
	case a.POP3 != nil:
		checkPOP3(c, p+".pop3", a.POP3, devices)
	case a.Server != nil:
		checkServer(c, p+".server", a.Server, servers)
	}
}

func checkPOP3(c *checker, p string, a *POP3Action, devices map[string]string) {
	switch reads, ok := devices[a.Device]; {
	case !ok:
		c.add(p+".device", "there is no device %q", a.Device)
	case reads != ReadsPOP3 && reads != ReadsPOP3Keep:
		c.add(p+".device", "device %s reads mail with %s; a pop3 action needs a device that reads with %s or %s", a.Device, reads, ReadsPOP3, ReadsPOP3Keep)
	}
	if !slices.Contains(POP3Ops, a.Op) {
		c.add(p+".op", "op %q is not one of %s", a.Op, strings.Join(POP3Ops, ", "))
	}
	checkTLS(c, p+".tls", a.TLS)
	checkPassword(c, p+".password", a.Password)
}

// checkPassword checks the password an action tries instead of the
// account's: it travels on one protocol line.
func checkPassword(c *checker, path, password string) {
	if strings.ContainsAny(password, "\r\n\x00") {
		c.add(path, "a password cannot contain a line break or a NUL")
	}
}

func checkIMAP(c *checker, p string, a *IMAPAction, device func(path, id string)) {
	device(p+".device", a.Device)
	checkTLS(c, p+".tls", a.TLS)
	checkPassword(c, p+".password", a.Password)
	if !slices.Contains(IMAPOps, a.Op) {
		c.add(p+".op", "op %q is not one of %s", a.Op, strings.Join(IMAPOps, ", "))
		return
	}
	if a.Password != "" && (a.Op == "idle" || a.Op == "done" || a.Op == "logout") {
		c.add(p+".password", "a password is tried on a connection of its own, which the action closes: it needs an op that logs in and does something (not %s)", a.Op)
	}
	if _, err := a.numSet(); err != nil {
		c.add(p, "%v", err)
	}
	if _, err := fetchOptions(a.Items); err != nil {
		c.add(p+".items", "%v", err)
	}
	switch a.Op {
	case "store":
		if len(a.Add) == 0 && len(a.Remove) == 0 {
			c.add(p, "store needs flags to add or remove")
		}
	case "create":
		if a.Mailbox == "" {
			c.add(p+".mailbox", "create needs a mailbox name")
		}
	case "copy", "move":
		if a.To == "" {
			c.add(p+".to", "%s needs a destination mailbox (to)", a.Op)
		}
	}
}

// check validates a spec, reporting problems under path.
func (s *Spec) check(c *checker, path string) {
	domains := make(map[string]bool)
	servers := make(map[string]bool)
	accounts := make(map[string]bool)
	if len(s.Domains) == 0 {
		c.add(path+".domains", "a world needs at least one domain")
	}
	for i, d := range s.Domains {
		dp := fmt.Sprintf("%s.domains[%d]", path, i)
		switch {
		case !isHostName(d.Name):
			c.add(dp+".name", "%q is not a domain name such as ejemplo.com", d.Name)
		case domains[d.Name]:
			c.add(dp+".name", "domain %s is listed twice", d.Name)
		}
		domains[d.Name] = true
		if !isHostName(d.Server) {
			c.add(dp+".server", "%q is not a host name such as mail.ejemplo.com", d.Server)
		}
		servers[d.Server] = true
		checkLimits(c, dp, d, s.Domains[:i])
		for j, a := range d.Accounts {
			ap := fmt.Sprintf("%s.accounts[%d]", dp, j)
			addr := a.User + "@" + d.Name
			switch {
			case a.User == "" || strings.ContainsAny(a.User, "@ <>\"\\") || strings.ToLower(a.User) != a.User:
				c.add(ap+".user", "%q is not a user name (lower-case letters, digits, . - _)", a.User)
			case accounts[addr]:
				c.add(ap+".user", "account %s is listed twice", addr)
			}
			if a.Password == "" {
				c.add(ap+".password", "account %s has no password", addr)
			}
			accounts[addr] = true
			for k, m := range a.Mail {
				if _, err := mail.ParseAddress(m.From); err != nil {
					c.add(fmt.Sprintf("%s.mail[%d].from", ap, k), "%q is not an address", m.From)
				}
			}
		}
	}
	ids := make(map[string]bool)
	for i, d := range s.Devices {
		dp := fmt.Sprintf("%s.devices[%d]", path, i)
		switch {
		case d.ID == "" || strings.ContainsAny(d.ID, " /:@."):
			c.add(dp+".id", "device id %q must be one word (letters, digits, -)", d.ID)
		case ids[d.ID]:
			c.add(dp+".id", "device %s is listed twice", d.ID)
		case servers[d.ID]:
			c.add(dp+".id", "device %s has the name of a server", d.ID)
		}
		ids[d.ID] = true
		if !accounts[strings.ToLower(d.Account)] {
			c.add(dp+".account", "there is no account %q", d.Account)
		}
		if d.Kind != Laptop && d.Kind != Phone {
			c.add(dp+".kind", "kind %q is not %s or %s", d.Kind, Laptop, Phone)
		}
		if d.Reads != ReadsIMAP && d.Reads != ReadsPOP3 && d.Reads != ReadsPOP3Keep {
			c.add(dp+".reads", "reads %q is not %s, %s or %s", d.Reads, ReadsIMAP, ReadsPOP3, ReadsPOP3Keep)
		}
		switch {
		case d.KeepDays < 0:
			c.add(dp+".keep_days", "keep_days cannot be negative")
		case d.KeepDays > 0 && d.Reads != ReadsPOP3Keep:
			c.add(dp+".keep_days", "keep_days needs reads: %s (a copy left on the server)", ReadsPOP3Keep)
		}
		c.text(dp+".label", d.Label)
	}
}

// checkLimits checks a domain's max_size and max_recipients, and that
// domains kept by the same server agree on them.
func checkLimits(c *checker, dp string, d DomainSpec, before []DomainSpec) {
	if d.MaxSize < 0 {
		c.add(dp+".max_size", "max_size is a number of bytes; it cannot be negative")
	}
	if d.MaxRecipients < 0 {
		c.add(dp+".max_recipients", "max_recipients cannot be negative")
	}
	for _, o := range before {
		if o.Server != d.Server {
			continue
		}
		if d.MaxSize != o.MaxSize {
			c.add(dp+".max_size", "domains %s and %s share server %s, which has one max_size: give both the same", o.Name, d.Name, d.Server)
		}
		if d.MaxRecipients != o.MaxRecipients {
			c.add(dp+".max_recipients", "domains %s and %s share server %s, which has one max_recipients: give both the same", o.Name, d.Name, d.Server)
		}
		break
	}
}

// Validate checks the spec; the error is Problems.
func (s *Spec) Validate() error {
	c := &checker{}
	s.check(c, "$")
	if len(c.problems) > 0 {
		return c.problems
	}
	return nil
}
