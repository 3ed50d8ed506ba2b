package explain_test

import (
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// tableIMAPSession goes through the states: login, SELECT, a failed
// SELECT, EXAMINE, IDLE with pushes, UNSELECT, errors and LOGOUT.
var tableIMAPSession = table{"IMAPSession", sim.IMAP, "notauth", []step{
	{S, "* OK [CAPABILITY IMAP4rev2 IMAP4rev1 SASL-IR LITERAL- AUTH=PLAIN] IMAP server ready", "imap.greeting", "imap.code.CAPABILITY imap.cap.IMAP4rev2 imap.cap.IMAP4rev1 imap.cap.SASL-IR imap.cap.LITERAL- imap.cap.AUTH= sasl.mech.PLAIN", "* OK", "notauth", 0},
	{C, "T1 LOGIN \"beto@otro.org\" \"naranja\"", "imap.cmd.LOGIN", "", "LOGIN", "notauth", 0},
	{S, "T1 NO [AUTHENTICATIONFAILED] Invalid credentials", "imap.status.NO", "imap.code.AUTHENTICATIONFAILED", "NO", "notauth", 0},
	{C, "A5 AUTHENTICATE PLAIN", "imap.cmd.AUTHENTICATE", "sasl.mech.PLAIN", "AUTHENTICATE", "notauth", 0},
	{S, "+ ", "imap.cont.sasl", "sasl.mech.PLAIN", "+", "notauth", 0},
	{C, "AGJldG9Ab3Ryby5vcmcAbmFyYW5qYQ==", "imap.auth.response", "sasl.mech.PLAIN sasl.base64", "SASL", "notauth", 0},
	{S, "A5 OK [CAPABILITY IMAP4rev2 IDLE MOVE X-GM-EXT-1] Authenticated", "imap.status.OK", "imap.code.CAPABILITY imap.cap.IMAP4rev2 imap.cap.IDLE imap.cap.MOVE imap.cap.unknown", "OK", "auth", 0},
	{C, "T2 LIST \"\" \"*\"", "imap.cmd.LIST", "", "LIST", "auth", 0},
	{S, "* LIST (\\HasNoChildren) \"/\" INBOX", "imap.resp.LIST", "imap.attr.HasNoChildren", "* LIST", "auth", 0},
	{S, "* LIST (\\HasNoChildren \\Sent \\Flagged) \"/\" Enviados", "imap.resp.LIST", "imap.attr.HasNoChildren imap.attr.Sent imap.attr.Flagged", "* LIST", "auth", 0},
	{S, "T2 OK LIST completed", "imap.status.OK", "", "OK", "auth", 0},
	{C, "T3 SELECT INBOX", "imap.cmd.SELECT", "", "SELECT", "auth", 0},
	{S, "* 2 EXISTS", "imap.resp.EXISTS", "", "* 2 EXISTS", "auth", 0},
	{S, "* 0 RECENT", "imap.resp.RECENT", "", "* 0 RECENT", "auth", 0},
	{S, "* OK [UNSEEN 1] First unseen message", "imap.resp.OK", "imap.code.UNSEEN", "* OK", "auth", 0},
	{S, "* OK [UIDVALIDITY 1772438402] UIDs valid", "imap.resp.OK", "imap.code.UIDVALIDITY", "* OK", "auth", 0},
	{S, "* OK [UIDNEXT 3] Predicted next UID", "imap.resp.OK", "imap.code.UIDNEXT", "* OK", "auth", 0},
	{S, "* FLAGS (\\Answered \\Deleted \\Draft \\Flagged \\Seen $Forwarded)", "imap.resp.FLAGS", "imap.flag.Answered imap.flag.Deleted imap.flag.Draft imap.flag.Flagged imap.flag.Seen", "* FLAGS", "auth", 0},
	{S, "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Permanent flags", "imap.resp.OK", "imap.code.PERMANENTFLAGS imap.flag.Deleted imap.flag.Seen imap.flag.*", "* OK", "auth", 0},
	{S, "T3 OK [READ-WRITE] SELECT completed", "imap.status.OK", "imap.code.READ-WRITE", "OK", "selected", 0},
	{C, "T4 FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", "imap.cmd.FETCH", "imap.item.UID imap.item.FLAGS imap.item.INTERNALDATE imap.item.RFC822.SIZE imap.item.ENVELOPE", "FETCH", "selected", 0},
	{S, "* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE 884 ENVELOPE (\"Mon, 02 Mar 2026 09:00:00 +0100\" \"Hola\" NIL NIL NIL NIL NIL NIL NIL \"<x@y>\"))", "imap.resp.FETCH", "imap.item.UID imap.item.FLAGS imap.flag.Seen imap.item.RFC822.SIZE imap.item.ENVELOPE", "* FETCH", "selected", 0},
	{S, "T4 OK FETCH completed", "imap.status.OK", "", "OK", "selected", 0},
	{C, "T5 STORE 2 +FLAGS.SILENT (\\Deleted)", "imap.cmd.STORE", "imap.flag.Deleted", "STORE", "selected", 0},
	{C, "T6 UID FETCH 1 BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]", "imap.cmd.UID.FETCH", "imap.item.BODY.PEEK[] imap.item.BODY[HEADER.FIELDS]", "UID FETCH", "selected", 0},
	{S, "T5 OK STORE completed", "imap.status.OK", "", "OK", "selected", 0},
	{S, "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM SUBJECT)] \"Subject: Hola\\r\\n\\r\\n\")", "imap.resp.FETCH", "imap.item.UID imap.item.BODY[HEADER.FIELDS]", "* FETCH", "selected", 0},
	{S, "T6 OK UID FETCH completed", "imap.status.OK", "", "OK", "selected", 0},
	{C, "T7 UID EXPUNGE 2", "imap.cmd.UID.EXPUNGE", "", "UID EXPUNGE", "selected", 0},
	{S, "* 2 EXPUNGE", "imap.resp.EXPUNGE", "", "* 2 EXPUNGE", "selected", 0},
	{S, "T7 OK UID EXPUNGE completed", "imap.status.OK", "", "OK", "selected", 0},
	{C, "T8 UID MOVE 1 Amigos", "imap.cmd.UID.MOVE", "", "UID MOVE", "selected", 0},
	{S, "T8 NO [TRYCREATE] No such mailbox", "imap.status.NO", "imap.code.TRYCREATE", "NO", "selected", 0},
	{C, "T9 SELECT Nada", "imap.cmd.SELECT", "", "SELECT", "selected", 0},
	{S, "T9 NO [NONEXISTENT] No such mailbox", "imap.status.NO", "imap.code.NONEXISTENT", "NO", "auth", 0},
	{C, "T10 EXAMINE INBOX", "imap.cmd.EXAMINE", "", "EXAMINE", "auth", 0},
	{S, "T10 OK [READ-ONLY] EXAMINE completed", "imap.status.OK", "imap.code.READ-ONLY", "OK", "selected", 0},
	{C, "T11 IDLE", "imap.cmd.IDLE", "", "IDLE", "selected", 0},
	{S, "+ idling", "imap.cont.idle", "", "+", "selected", 0},
	{S, "* 2 EXISTS", "imap.resp.EXISTS", "imap.idle.push", "* 2 EXISTS", "selected", 0},
	{S, "* 1 FETCH (FLAGS (\\Seen \\Answered))", "imap.resp.FETCH", "imap.item.FLAGS imap.flag.Seen imap.flag.Answered imap.idle.push", "* FETCH", "selected", 0},
	{C, "DONE", "imap.cmd.DONE", "", "DONE", "selected", 0},
	{S, "T11 OK IDLE terminated", "imap.status.OK", "", "OK", "selected", 0},
	{C, "T12 UNSELECT", "imap.cmd.UNSELECT", "", "UNSELECT", "selected", 0},
	{S, "T12 OK UNSELECT completed", "imap.status.OK", "", "OK", "auth", 0},
	{C, "T13 XYZZY", "imap.cmd.unknown", "", "XYZZY", "auth", 0},
	{C, "T13 UID.FETCH 1 FLAGS", "imap.cmd.unknown", "", "UID.FETCH", "auth", 0},
	{S, "T13 BAD Unknown command", "imap.status.BAD", "", "BAD", "auth", 0},
	{C, "DONE", "imap.cmd.unknown", "", "?", "auth", 0},
	{S, "* BAD [CLIENTBUG] Missing tag", "imap.resp.BAD", "imap.code.CLIENTBUG", "* BAD", "auth", 0},
	{S, "* 3 FROB", "imap.resp.unknown", "", "* FROB", "auth", 0},
	{S, "nonsense", "imap.resp.unknown", "", "?", "auth", 0},
	{C, "T14 LOGOUT", "imap.cmd.LOGOUT", "", "LOGOUT", "auth", 0},
	{S, "* BYE Logging out", "imap.resp.BYE", "", "* BYE", "logout", 0},
	{S, "T14 OK LOGOUT completed", "imap.status.OK", "", "OK", "logout", 0},
}}

// tableIMAPServerLiterals counts literals in responses from the Size of the
// recorded lines (RFC 9051 section 4.3).
var tableIMAPServerLiterals = table{"IMAPServerLiterals", sim.IMAP, "notauth", []step{
	{S, "* PREAUTH IMAP4rev2 server logged in as beto", "imap.resp.PREAUTH", "", "* PREAUTH", "auth", 0},
	{C, "A1 SELECT INBOX", "imap.cmd.SELECT", "", "SELECT", "auth", 0},
	{S, "A1 OK [READ-WRITE] SELECT completed", "imap.status.OK", "imap.code.READ-WRITE", "OK", "selected", 0},
	{C, "A2 FETCH 1 BODY[]", "imap.cmd.FETCH", "imap.item.BODY[]", "FETCH", "selected", 0},
	// 15 + 2 + 13 + 3 + 5 = 38 octets, CRLFs included; then ")".
	{S, "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {38}", "imap.resp.FETCH", "imap.item.UID imap.item.FLAGS imap.flag.Seen imap.item.BODY[] imap.literal", "* FETCH", "selected", 45},
	{S, "Subject: Hola", "", "imap.literal.data msg.header.Subject", "✉ Subject:", "selected", 15},
	{S, "", "", "imap.literal.data msg.blank", "✉ data", "selected", 2},
	{S, "Hola, Beto.", "", "imap.literal.data msg.body", "✉ data", "selected", 13},
	{S, ".", "", "imap.literal.data msg.body imap.literal.dot", "✉ data", "selected", 3},
	{S, "Ana", "", "imap.literal.data msg.body", "✉ data", "selected", 5},
	{S, ")", "imap.resp.FETCH", "imap.literal.end", "* FETCH", "selected", 3},
	{S, "A2 OK FETCH completed", "imap.status.OK", "", "OK", "selected", 0},
	// A message without a final CRLF: the literal ends inside a line
	// and ")" follows on the same line.
	{C, "A3 FETCH 2 RFC822", "imap.cmd.FETCH", "imap.item.RFC822", "FETCH", "selected", 0},
	{S, "* 2 FETCH (RFC822 {23}", "imap.resp.FETCH", "imap.item.RFC822 imap.literal", "* FETCH", "selected", 0},
	{S, "Subject: x", "", "imap.literal.data msg.header.Subject", "✉ Subject:", "selected", 12},
	{S, "", "", "imap.literal.data msg.blank", "✉ data", "selected", 2},
	{S, "sin salto)", "", "imap.literal.data msg.body imap.literal.end", "✉ data", "selected", 12},
	{S, "A3 OK FETCH completed", "imap.status.OK", "", "OK", "selected", 0},
	// Two literals in one response: the header, then the text.
	{C, "A4 FETCH 3 (BODY.PEEK[HEADER] BODY.PEEK[TEXT])", "imap.cmd.FETCH", "imap.item.BODY.PEEK[] imap.item.BODY[HEADER] imap.item.BODY[TEXT]", "FETCH", "selected", 0},
	{S, "* 3 FETCH (BODY[HEADER] {17}", "imap.resp.FETCH", "imap.item.BODY[HEADER] imap.literal", "* FETCH", "selected", 0},
	{S, "Subject: Hola", "", "imap.literal.data msg.header.Subject", "✉ Subject:", "selected", 15},
	{S, "", "", "imap.literal.data msg.blank", "✉ data", "selected", 2},
	{S, " BODY[TEXT] {7}", "imap.resp.FETCH", "imap.literal.end imap.item.BODY[TEXT] imap.literal", "* FETCH", "selected", 0},
	{S, "Hola.", "", "imap.literal.data msg.body", "✉ data", "selected", 7},
	{S, " UID 3)", "imap.resp.FETCH", "imap.literal.end imap.item.UID", "* FETCH", "selected", 0},
	{S, "A4 OK FETCH completed", "imap.status.OK", "", "OK", "selected", 0},
	// A literal inside the ENVELOPE list, with the rest of the
	// response after it on the same line.
	{S, "* 4 FETCH (UID 9 ENVELOPE (\"Mon\" {5}", "imap.resp.FETCH", "imap.item.UID imap.item.ENVELOPE imap.literal", "* FETCH", "selected", 0},
	{S, "Hola! NIL NIL NIL NIL NIL NIL NIL NIL))", "", "imap.literal.data imap.literal.end", "✉ data", "selected", 0},
	// An empty literal: the next line is all the rest of the response.
	{S, "* LIST () \"/\" {0}", "imap.resp.LIST", "imap.literal", "* LIST", "selected", 0},
	{S, "", "imap.resp.LIST", "imap.literal.end", "* LIST", "selected", 0},
	// Free text ending in braces is not a literal.
	{S, "* OK done {5}", "imap.resp.OK", "", "* OK", "selected", 0},
	{S, "* 5 EXISTS", "imap.resp.EXISTS", "", "* 5 EXISTS", "selected", 0},
}}

// tableIMAPClientLiterals sends literals from the client: synchronizing ones
// that wait for "+", non-synchronizing ones (LITERAL+) and one the server
// refuses.
var tableIMAPClientLiterals = table{"IMAPClientLiterals", sim.IMAP, "notauth", []step{
	{S, "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready", "imap.greeting", "imap.code.CAPABILITY imap.cap.IMAP4rev1 imap.cap.LITERAL+", "* OK", "notauth", 0},
	{C, "A1 LOGIN {13}", "imap.cmd.LOGIN", "imap.literal", "LOGIN", "notauth", 0},
	{S, "+ Ready for literal data", "imap.cont.literal", "", "+", "notauth", 0},
	// 13 octets of literal, then " {7}" announces the next one.
	{C, "beto@otro.org {7}", "", "imap.literal.data imap.literal.end imap.literal", "✉ data", "notauth", 0},
	{S, "+ Ready for literal data", "imap.cont.literal", "", "+", "notauth", 0},
	// 7 octets, and the CRLF that ends the command.
	{C, "naranja", "", "imap.literal.data imap.literal.end", "✉ data", "notauth", 0},
	{S, "A1 OK LOGIN completed", "imap.status.OK", "", "OK", "auth", 0},
	{C, "A2 APPEND Enviados (\\Seen) {20+}", "imap.cmd.APPEND", "imap.flag.Seen imap.literal.plus", "APPEND", "auth", 0},
	{C, "Subject: enviado", "", "imap.literal.data msg.header.Subject", "✉ Subject:", "auth", 18},
	{C, "", "", "imap.literal.data msg.blank", "✉ data", "auth", 2},
	{C, "", "imap.cmd.APPEND", "imap.literal.end", "APPEND", "auth", 2},
	{S, "A2 OK [APPENDUID 38505 3955] APPEND completed", "imap.status.OK", "imap.code.APPENDUID", "OK", "auth", 0},
	{C, "A3 APPEND Nada {100}", "imap.cmd.APPEND", "imap.literal", "APPEND", "auth", 0},
	{S, "A3 NO [TRYCREATE] No such mailbox", "imap.status.NO", "imap.code.TRYCREATE", "NO", "auth", 0},
	{C, "A4 NOOP", "imap.cmd.NOOP", "", "NOOP", "auth", 0},
	{S, "A4 OK NOOP completed", "imap.status.OK", "", "OK", "auth", 0},
	{C, "A5 ENABLE UTF8=ACCEPT", "imap.cmd.ENABLE", "imap.cap.UTF8=ACCEPT", "ENABLE", "auth", 0},
	{S, "* ENABLED UTF8=ACCEPT", "imap.resp.ENABLED", "imap.cap.UTF8=ACCEPT", "* ENABLED", "auth", 0},
	{S, "A5 OK ENABLE completed", "imap.status.OK", "", "OK", "auth", 0},
	{C, "A6 AUTHENTICATE XOAUTH2", "imap.cmd.AUTHENTICATE", "sasl.mech.XOAUTH2", "AUTHENTICATE", "auth", 0},
	{S, "+ ", "imap.cont.sasl", "sasl.mech.XOAUTH2", "+", "auth", 0},
	{C, "*", "imap.auth.cancel", "sasl.mech.XOAUTH2", "*", "auth", 0},
	{S, "A6 BAD AUTHENTICATE cancelled", "imap.status.BAD", "", "BAD", "auth", 0},
	{S, "* BYE [UNAVAILABLE] Shutting down", "imap.resp.BYE", "imap.code.UNAVAILABLE", "* BYE", "logout", 0},
}}

// TestIMAP runs the IMAP tables.
func TestIMAP(t *testing.T) {
	for _, tt := range []table{tableIMAPSession, tableIMAPServerLiterals, tableIMAPClientLiterals} {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.proto, tt.first, tt.steps) })
	}
}
