package explain

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mailscope/mailscope/sim"
)

// TestCatalog checks every entry: an ID, an RFC, and a title and a text in
// every language; IDs unique and All sorted by them.
func TestCatalog(t *testing.T) {
	all := All()
	if len(all) < 300 {
		t.Errorf("All() has %d entries, want at least 300", len(all))
	}
	seen := make(map[string]bool)
	for i, e := range all {
		if seen[e.ID] {
			t.Errorf("entry %q appears twice", e.ID)
		}
		seen[e.ID] = true
		if i > 0 && all[i-1].ID >= e.ID {
			t.Errorf("All() is not sorted: %q before %q", all[i-1].ID, e.ID)
		}
		if !strings.HasPrefix(e.RFC, "RFC ") && !strings.Contains(e.RFC, "no RFC") {
			t.Errorf("%s: RFC = %q, want \"RFC n §s\" (or a draft saying \"no RFC\")", e.ID, e.RFC)
		}
		for _, l := range sim.Langs {
			if e.Title.In(l) == "" || e.Text.In(l) == "" {
				t.Errorf("%s: no title or text in %s", e.ID, l)
			}
			if len(e.Title.In(l)) > 90 {
				t.Errorf("%s: title in %s is %d bytes long, want a short one", e.ID, l, len(e.Title.In(l)))
			}
		}
		if e.Title.ES == e.Text.ES || e.Title.EN == e.Text.EN {
			t.Errorf("%s: the text repeats the title", e.ID)
		}
		if Lookup(e.ID) != e {
			t.Errorf("Lookup(%q) is not the entry All returns", e.ID)
		}
	}
	if Lookup("no.such.entry") != nil {
		t.Errorf("Lookup(no.such.entry) != nil")
	}
}

// TestStates checks that every state the tracker reports has an entry and
// a name in both languages.
func TestStates(t *testing.T) {
	for _, id := range StateIDs() {
		proto := sim.Proto(strings.SplitN(id, ".", 2)[0])
		s := State{Proto: proto, ID: id}
		if s.Entry() == nil {
			t.Errorf("state %q has no entry", id)
			continue
		}
		for _, l := range sim.Langs {
			if s.Name(l) == "" || s.Name(l) == id {
				t.Errorf("State{%s}.Name(%s) = %q, want its title", id, l, s.Name(l))
			}
		}
	}
	if got := (State{}).Name(sim.ES); got != "" {
		t.Errorf("State{}.Name = %q, want \"\"", got)
	}
	if got := (State{ID: "x.state.y"}).Name(sim.EN); got != "x.state.y" {
		t.Errorf("State{x.state.y}.Name = %q, want the ID", got)
	}
}

// TestReferencedIDs checks that every entry ID written whole in the
// package's code is in the catalogue (prefixes that code completes end in
// a dot and are skipped).
func TestReferencedIDs(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"((?:smtp|pop3|imap|sasl|msg|line)\.[^"%\s]*)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			id := m[1]
			if strings.HasSuffix(id, ".") {
				continue
			}
			n++
			if Lookup(id) == nil {
				t.Errorf("%s names %q, which is not in the catalogue", f, id)
			}
		}
	}
	if n < 50 {
		t.Errorf("found %d IDs in the code, want more: is the pattern right?", n)
	}
}

// TestLoadCatalogErrors feeds the loader broken files.
func TestLoadCatalogErrors(t *testing.T) {
	const good = `
- id: a.b
  rfc: RFC 1 §1
  title: {es: 'uno', en: 'one'}
  text: {es: 'Uno.', en: 'One.'}
`
	tests := []struct {
		name, data, want string
	}{
		{"duplicate", good + good, "already used"},
		{"no english text", "- id: a.b\n  rfc: RFC 1\n  title: {es: x, en: y}\n  text: {es: z}\n", "no text in en"},
		{"no rfc", "- id: a.b\n  title: {es: x, en: y}\n  text: {es: z, en: w}\n", "no rfc"},
		{"no id", "- rfc: RFC 1\n  title: {es: x, en: y}\n  text: {es: z, en: w}\n", "no id"},
		{"unknown key", "- id: a.b\n  rfc: RFC 1\n  titel: {es: x, en: y}\n", "unknown field"},
		{"not a list", "id: a.b\n", "explain: data/x.yaml"},
	}
	for _, tt := range tests {
		_, err := loadCatalog(fstest.MapFS{"data/x.yaml": {Data: []byte(tt.data)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loadCatalog(%s) = %v, want an error with %q", tt.name, err, tt.want)
		}
	}
	c, err := loadCatalog(fstest.MapFS{"data/x.yaml": {Data: []byte(good)}})
	if err != nil || len(c.all) != 1 || c.byID["a.b"].Text.EN != "One." {
		t.Errorf("loadCatalog(good) = %v, %v; want one entry", c, err)
	}
	if _, err := loadCatalog(fstest.MapFS{}); err == nil {
		t.Error("loadCatalog(empty) = nil error, want one")
	}
}

// TestCoverage checks that the catalogue has what the protocols need: every
// command, reply code, response code and capability named in the brief.
func TestCoverage(t *testing.T) {
	var ids []string
	add := func(prefix string, names string) {
		for _, n := range strings.Fields(names) {
			ids = append(ids, prefix+n)
		}
	}
	add("smtp.cmd.", "HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY EXPN HELP AUTH STARTTLS unknown")
	add("smtp.", "data.end data.content data.dotstuff auth.response auth.cancel reply.multiline reply.unknown ehlo.hello")
	add("smtp.class.", "2xx 3xx 4xx 5xx")
	add("smtp.reply.", "211 214 220 221 235 250 251 252 334 354 421 450 451 452 454 455 500 501 502 503 504 521 523 530 534 535 538 550 551 552 553 554 555")
	add("smtp.esc.subject.", "0 1 2 3 4 5 6 7")
	add("smtp.esc.", "5.1.1 5.7.1 5.7.0 5.7.8 5.3.4 4.7.0 2.0.0")
	add("smtp.ext.", "PIPELINING 8BITMIME ENHANCEDSTATUSCODES CHUNKING AUTH SIZE STARTTLS SMTPUTF8 DSN LIMITS unknown")
	add("pop3.cmd.", "USER PASS APOP AUTH STAT LIST RETR DELE NOOP RSET TOP UIDL QUIT CAPA STLS unknown")
	add("pop3.resp.", "+OK -ERR continue end greeting unknown")
	add("pop3.code.", "AUTH IN-USE SYS/TEMP SYS/PERM LOGIN-DELAY unknown")
	add("pop3.capa.", "TOP UIDL USER SASL RESP-CODES PIPELINING STLS IMPLEMENTATION EXPIRE LOGIN-DELAY unknown")
	add("imap.cmd.", "CAPABILITY NOOP LOGOUT STARTTLS AUTHENTICATE LOGIN ENABLE SELECT EXAMINE CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB NAMESPACE STATUS APPEND IDLE DONE CHECK CLOSE UNSELECT EXPUNGE SEARCH FETCH STORE COPY MOVE unknown")
	add("imap.cmd.UID.", "FETCH STORE COPY MOVE SEARCH EXPUNGE")
	add("imap.status.", "OK NO BAD")
	add("imap.resp.", "OK NO BAD BYE PREAUTH CAPABILITY LIST LSUB STATUS FLAGS EXISTS RECENT EXPUNGE FETCH SEARCH ESEARCH NAMESPACE ENABLED continue unknown")
	add("imap.code.", "ALERT CAPABILITY UIDVALIDITY UIDNEXT PERMANENTFLAGS UNSEEN READ-WRITE READ-ONLY TRYCREATE COPYUID APPENDUID AUTHENTICATIONFAILED AUTHORIZATIONFAILED ALREADYEXISTS NONEXISTENT CANNOT CLOSED PRIVACYREQUIRED CLIENTBUG SERVERBUG unknown")
	add("imap.item.", "FLAGS ENVELOPE BODY[] BODY.PEEK[] RFC822.SIZE INTERNALDATE UID BODYSTRUCTURE")
	add("imap.flag.", "Seen Answered Flagged Deleted Draft")
	add("imap.", "greeting literal literal.plus literal.data literal.end idle.push cont.literal cont.idle cont.sasl")
	add("sasl.mech.", "PLAIN LOGIN unknown")
	ids = append(ids, StateIDs()...)
	for _, id := range ids {
		if Lookup(id) == nil {
			t.Errorf("Lookup(%q) = nil, want an entry", id)
		}
	}
	if !slices.Contains(StateIDs(), SMTPClosed) {
		t.Error("StateIDs() lacks the closed states")
	}
}
