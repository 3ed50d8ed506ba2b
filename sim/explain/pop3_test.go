package explain_test

import (
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// tablePOP3Session is the session of RFC 1939 section 9 as MailScope's
// server holds it (sim/pop3/testdata/rfc1939.txt).
var tablePOP3Session = table{"POP3Session", sim.POP3, "authorization", []step{
	{S, "+OK mail.otro.org POP3 server ready <1.1772438400@mail.otro.org>", "pop3.resp.greeting", "pop3.apop.timestamp", "+OK", "authorization", 0},
	{C, "APOP beto 449a51a48c3f6de1410dc3e4fd317e09", "pop3.cmd.APOP", "", "APOP", "authorization", 0},
	{S, "+OK beto@otro.org's maildrop has 2 messages (320 octets)", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{C, "STAT", "pop3.cmd.STAT", "", "STAT", "transaction", 0},
	{S, "+OK 2 320", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{C, "LIST", "pop3.cmd.LIST", "", "LIST", "transaction", 0},
	{S, "+OK 2 messages (320 octets)", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{S, "1 120", "pop3.line.scan", "", "1 120", "transaction", 0},
	{S, "2 200", "pop3.line.scan", "", "2 200", "transaction", 0},
	{S, ".", "pop3.resp.end", "", ".", "transaction", 0},
	{C, "RETR 1", "pop3.cmd.RETR", "", "RETR", "transaction", 0},
	{S, "+OK 120 octets", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{S, "From: ana@ejemplo.com", "", "pop3.msg.content msg.header.From", "✉ From:", "transaction", 0},
	{S, "Subject: Hola", "", "pop3.msg.content msg.header.Subject", "✉ Subject:", "transaction", 0},
	{S, "", "", "pop3.msg.content msg.blank", "✉ data", "transaction", 0},
	{S, "Hola, Beto.", "", "pop3.msg.content msg.body", "✉ data", "transaction", 0},
	{S, "..", "", "pop3.msg.content pop3.dotstuff msg.body", "✉ data", "transaction", 0},
	{S, "...", "", "pop3.msg.content pop3.dotstuff msg.body", "✉ data", "transaction", 0},
	{S, "+OK no es una respuesta", "", "pop3.msg.content msg.body", "✉ data", "transaction", 0},
	{S, ".", "pop3.resp.end", "", ".", "transaction", 0},
	{C, "DELE 1", "pop3.cmd.DELE", "", "DELE", "transaction", 0},
	{S, "+OK message 1 deleted", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{C, "LIST 2", "pop3.cmd.LIST", "", "LIST", "transaction", 0},
	{S, "+OK 2 200", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{C, "QUIT", "pop3.cmd.QUIT", "", "QUIT", "update", 0},
	{S, "+OK mail.otro.org POP3 server signing off (1 message left)", "pop3.resp.+OK", "", "+OK", "closed", 0},
}}

// tablePOP3Extensions covers CAPA, USER and PASS, a refused login with a
// response code, SASL with a challenge, UIDL, TOP and pipelining.
var tablePOP3Extensions = table{"POP3Extensions", sim.POP3, "authorization", []step{
	{S, "+OK ready", "pop3.resp.greeting", "", "+OK", "authorization", 0},
	{C, "CAPA", "pop3.cmd.CAPA", "", "CAPA", "authorization", 0},
	{S, "+OK Capability list follows", "pop3.resp.+OK", "", "+OK", "authorization", 0},
	{S, "TOP", "pop3.capa.TOP", "", "TOP", "authorization", 0},
	{S, "UIDL", "pop3.capa.UIDL", "", "UIDL", "authorization", 0},
	{S, "RESP-CODES", "pop3.capa.RESP-CODES", "", "RESP-CODES", "authorization", 0},
	{S, "AUTH-RESP-CODE", "pop3.capa.AUTH-RESP-CODE", "", "AUTH-RESP-CODE", "authorization", 0},
	{S, "PIPELINING", "pop3.capa.PIPELINING", "", "PIPELINING", "authorization", 0},
	{S, "STLS", "pop3.capa.STLS", "", "STLS", "authorization", 0},
	{S, "USER", "pop3.capa.USER", "", "USER", "authorization", 0},
	{S, "SASL PLAIN LOGIN", "pop3.capa.SASL", "sasl.mech.PLAIN sasl.mech.LOGIN", "SASL", "authorization", 0},
	{S, "EXPIRE NEVER", "pop3.capa.EXPIRE", "", "EXPIRE", "authorization", 0},
	{S, "LOGIN-DELAY 900", "pop3.capa.LOGIN-DELAY", "", "LOGIN-DELAY", "authorization", 0},
	{S, "IMPLEMENTATION MailScope", "pop3.capa.IMPLEMENTATION", "", "IMPLEMENTATION", "authorization", 0},
	{S, "X-EXTRA", "pop3.capa.unknown", "", "X-EXTRA", "authorization", 0},
	{S, ".", "pop3.resp.end", "", ".", "authorization", 0},
	{C, "USER beto@otro.org", "pop3.cmd.USER", "", "USER", "authorization", 0},
	{S, "+OK Send your password with PASS", "pop3.resp.+OK", "", "+OK", "authorization", 0},
	{C, "PASS limon", "pop3.cmd.PASS", "", "PASS", "authorization", 0},
	{S, "-ERR [AUTH] Authentication failed", "pop3.resp.-ERR", "pop3.code.AUTH", "-ERR", "authorization", 0},
	{C, "AUTH", "pop3.cmd.AUTH", "", "AUTH", "authorization", 0},
	{S, "+OK Methods supported:", "pop3.resp.+OK", "", "+OK", "authorization", 0},
	{S, "PLAIN", "sasl.mech.PLAIN", "", "PLAIN", "authorization", 0},
	{S, "LOGIN", "sasl.mech.LOGIN", "", "LOGIN", "authorization", 0},
	{S, ".", "pop3.resp.end", "", ".", "authorization", 0},
	{C, "AUTH PLAIN", "pop3.cmd.AUTH", "sasl.mech.PLAIN", "AUTH", "authorization", 0},
	{S, "+ ", "pop3.resp.continue", "sasl.mech.PLAIN", "+", "authorization", 0},
	{C, "AGJldG9Ab3Ryby5vcmcAbmFyYW5qYQ==", "pop3.auth.response", "sasl.mech.PLAIN sasl.base64", "SASL", "authorization", 0},
	{S, "-ERR [IN-USE] Unable to lock maildrop", "pop3.resp.-ERR", "pop3.code.IN-USE", "-ERR", "authorization", 0},
	{C, "AUTH LOGIN", "pop3.cmd.AUTH", "sasl.mech.LOGIN", "AUTH", "authorization", 0},
	{S, "+ VXNlcm5hbWU6", "pop3.resp.continue", "sasl.mech.LOGIN sasl.base64", "+", "authorization", 0},
	{C, "*", "pop3.auth.cancel", "sasl.mech.LOGIN", "*", "authorization", 0},
	{S, "-ERR Authentication cancelled", "pop3.resp.-ERR", "", "-ERR", "authorization", 0},
	{C, "AUTH PLAIN AGJldG9Ab3Ryby5vcmcAbmFyYW5qYQ==", "pop3.cmd.AUTH", "sasl.mech.PLAIN sasl.base64", "AUTH", "authorization", 0},
	{S, "+OK beto@otro.org's maildrop has 1 message (120 octets)", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	// Pipelined (RFC 2449 section 6.6): the responses come in order.
	{C, "UIDL", "pop3.cmd.UIDL", "", "UIDL", "transaction", 0},
	{C, "TOP 1 0", "pop3.cmd.TOP", "", "TOP", "transaction", 0},
	{C, "NOOP", "pop3.cmd.NOOP", "", "NOOP", "transaction", 0},
	{C, "XTND", "pop3.cmd.unknown", "", "XTND", "transaction", 0},
	{C, "MAIL FROM:<beto@otro.org>", "pop3.cmd.MAIL", "", "MAIL", "transaction", 0},
	{C, "mail from:<beto@otro.org>", "pop3.cmd.MAIL", "", "MAIL", "transaction", 0},
	{C, "HELO x", "pop3.cmd.unknown", "", "HELO", "transaction", 0},
	{S, "+OK", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{S, "1 1772438402.1", "pop3.line.uidl", "", "1 1772438402.1", "transaction", 0},
	{S, ".", "pop3.resp.end", "", ".", "transaction", 0},
	{S, "+OK top of message follows", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{S, "Subject: Hola", "", "pop3.msg.content msg.header.Subject", "✉ Subject:", "transaction", 0},
	{S, "", "", "pop3.msg.content msg.blank", "✉ data", "transaction", 0},
	{S, ".", "pop3.resp.end", "", ".", "transaction", 0},
	{S, "+OK", "pop3.resp.+OK", "", "+OK", "transaction", 0},
	{S, "-ERR [SYS/TEMP] Unknown command: XTND", "pop3.resp.-ERR", "pop3.code.SYS/TEMP", "-ERR", "transaction", 0},
	{S, "-ERR Unknown command: MAIL", "pop3.resp.-ERR", "", "-ERR", "transaction", 0},
	{S, "-ERR Unknown command: MAIL", "pop3.resp.-ERR", "", "-ERR", "transaction", 0},
	{S, "-ERR Unknown command: HELO", "pop3.resp.-ERR", "", "-ERR", "transaction", 0},
	{C, "RSET", "pop3.cmd.RSET", "", "RSET", "transaction", 0},
	{S, "-ERR [X-ODD/THING] no", "pop3.resp.-ERR", "pop3.code.unknown", "-ERR", "transaction", 0},
	{S, "garbage", "pop3.resp.unknown", "", "?", "transaction", 0},
}}

// tablePOP3QuitBeforeLogin checks that QUIT in the AUTHORIZATION state does
// not enter the UPDATE state, and that STLS keeps the state.
var tablePOP3QuitBeforeLogin = table{"POP3QuitBeforeLogin", sim.POP3, "authorization", []step{
	{S, "+OK ready", "pop3.resp.greeting", "", "+OK", "authorization", 0},
	{C, "STLS", "pop3.cmd.STLS", "", "STLS", "authorization", 0},
	{S, "+OK Begin TLS negotiation", "pop3.resp.+OK", "", "+OK", "authorization", 0},
	{C, "quit", "pop3.cmd.QUIT", "", "QUIT", "authorization", 0},
	{S, "+OK bye", "pop3.resp.+OK", "", "+OK", "closed", 0},
}}

// TestPOP3 runs the POP3 tables.
func TestPOP3(t *testing.T) {
	for _, tt := range []table{tablePOP3Session, tablePOP3Extensions, tablePOP3QuitBeforeLogin} {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.proto, tt.first, tt.steps) })
	}
}
