package explain_test

import (
	"testing"

	"github.com/mailscope/mailscope/sim"
)

// tableSMTPSubmission is a submission on port 587 with AUTH LOGIN, a
// refused recipient, dot-stuffing and a quoted-printable soft break.
var tableSMTPSubmission = table{"SMTPSubmission", sim.SMTP, "greeting", []step{
	{S, "220 mail.ejemplo.com ESMTP Service Ready", "smtp.reply.220", "smtp.class.2xx", "220", "greeting", 0},
	{C, "EHLO ana-laptop.home.arpa", "smtp.cmd.EHLO", "", "EHLO", "greeting", 0},
	{S, "250-mail.ejemplo.com Hello ana-laptop.home.arpa", "smtp.reply.250", "smtp.ehlo.hello smtp.class.2xx smtp.reply.multiline", "250", "greeting", 0},
	{S, "250-PIPELINING", "smtp.reply.250", "smtp.ext.PIPELINING smtp.class.2xx smtp.reply.multiline", "250 PIPELINING", "greeting", 0},
	{S, "250-ENHANCEDSTATUSCODES", "smtp.reply.250", "smtp.ext.ENHANCEDSTATUSCODES smtp.class.2xx smtp.reply.multiline", "250 ENHANCEDSTATUSCODES", "greeting", 0},
	{S, "250-AUTH PLAIN LOGIN", "smtp.reply.250", "smtp.ext.AUTH sasl.mech.PLAIN sasl.mech.LOGIN smtp.class.2xx smtp.reply.multiline", "250 AUTH", "greeting", 0},
	{S, "250-X-FOO", "smtp.reply.250", "smtp.ext.unknown smtp.class.2xx smtp.reply.multiline", "250 X-FOO", "greeting", 0},
	{S, "250 LIMITS RCPTMAX=100", "smtp.reply.250", "smtp.ext.LIMITS smtp.class.2xx smtp.reply.multiline", "250 LIMITS", "ready", 0},
	{C, "AUTH LOGIN", "smtp.cmd.AUTH", "sasl.mech.LOGIN", "AUTH", "ready", 0},
	{S, "334 VXNlcm5hbWU6", "smtp.reply.334", "sasl.mech.LOGIN smtp.class.3xx sasl.base64", "334", "auth", 0},
	{C, "YW5hQGVqZW1wbG8uY29t", "smtp.auth.response", "sasl.mech.LOGIN sasl.base64", "SASL", "auth", 0},
	{S, "334 UGFzc3dvcmQ6", "smtp.reply.334", "sasl.mech.LOGIN smtp.class.3xx sasl.base64", "334", "auth", 0},
	{C, "bWFuemFuYQ==", "smtp.auth.response", "sasl.mech.LOGIN sasl.base64", "SASL", "auth", 0},
	{S, "235 2.7.0 Authentication successful", "smtp.reply.235", "smtp.esc.2.7.0 smtp.class.2xx", "235", "ready", 0},
	{C, "mail from:<ana@ejemplo.com> BODY=8BITMIME SIZE=509", "smtp.cmd.MAIL", "smtp.param.BODY smtp.param.SIZE", "MAIL FROM", "ready", 0},
	{S, "250 2.1.0 Ok", "smtp.reply.250", "smtp.esc.2.1.0 smtp.class.2xx", "250", "envelope", 0},
	{C, "RCPT TO:<nadie@otro.org>", "smtp.cmd.RCPT", "", "RCPT TO", "envelope", 0},
	{S, "550 5.1.1 <nadie@otro.org>: Recipient address rejected", "smtp.reply.550", "smtp.esc.5.1.1 smtp.class.5xx", "550", "envelope", 0},
	{C, "RCPT TO:<beto@otro.org> NOTIFY=FAILURE ORCPT=rfc822;beto@otro.org", "smtp.cmd.RCPT", "smtp.param.NOTIFY smtp.param.ORCPT", "RCPT TO", "envelope", 0},
	{S, "250 2.1.5 Ok", "smtp.reply.250", "smtp.esc.2.1.5 smtp.class.2xx", "250", "recipients", 0},
	{C, "DATA", "smtp.cmd.DATA", "", "DATA", "recipients", 0},
	{S, "354 End data with <CR><LF>.<CR><LF>", "smtp.reply.354", "smtp.class.3xx", "354", "data", 0},
	{C, "Received: from x", "", "smtp.data.content msg.header.Received", "✉ Received:", "data", 0},
	{C, "\tby y", "", "smtp.data.content msg.header.fold msg.header.Received", "✉ Received:", "data", 0},
	{C, "X-Mailer: prueba", "", "smtp.data.content msg.header", "✉ X-Mailer:", "data", 0},
	{C, "Content-Transfer-Encoding: quoted-printable", "", "smtp.data.content msg.header.Content-Transfer-Encoding", "✉ Content-Transfer-Encoding:", "data", 0},
	{C, "", "", "smtp.data.content msg.blank", "✉ data", "data", 0},
	{C, "Hola, Beto:", "", "smtp.data.content msg.body", "✉ data", "data", 0},
	{C, "..", "", "smtp.data.content smtp.data.dotstuff msg.body", "✉ data", "data", 0},
	{C, "...y sigue", "", "smtp.data.content smtp.data.dotstuff msg.body", "✉ data", "data", 0},
	{C, "una línea larga que se parte=", "", "smtp.data.content msg.body msg.qp.softbreak", "✉ data", "data", 0},
	{C, "QUIT", "", "smtp.data.content msg.body", "✉ data", "data", 0}, // inside DATA a command is content
	{C, ".", "smtp.data.end", "", ".", "data", 0},
	{S, "250 2.0.0 Ok: queued as D935E73554", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "ready", 0},
	{C, "QUIT", "smtp.cmd.QUIT", "", "QUIT", "ready", 0},
	{S, "221 2.0.0 Bye", "smtp.reply.221", "smtp.esc.2.0.0 smtp.class.2xx", "221", "closed", 0},
}}

// tableSMTPPipelining sends MAIL, RCPT, RCPT and DATA at once (RFC 2920):
// the replies answer them in order.
var tableSMTPPipelining = table{"SMTPPipelining", sim.SMTP, "greeting", []step{
	{S, "220 mx ESMTP", "smtp.reply.220", "smtp.class.2xx", "220", "greeting", 0},
	{C, "HELO mail.ejemplo.com", "smtp.cmd.HELO", "", "HELO", "greeting", 0},
	{S, "250 2.0.0 mx Hello mail.ejemplo.com", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "ready", 0},
	{C, "MAIL FROM:<>", "smtp.cmd.MAIL", "smtp.path.null", "MAIL FROM", "ready", 0},
	{C, "RCPT TO:<beto@otro.org>", "smtp.cmd.RCPT", "", "RCPT TO", "ready", 0},
	{C, "RCPT TO:<carla@otro.org>", "smtp.cmd.RCPT", "", "RCPT TO", "ready", 0},
	{C, "DATA", "smtp.cmd.DATA", "", "DATA", "ready", 0},
	{S, "250 2.0.0 Roger, accepting mail from <>", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "envelope", 0},
	{S, "250 2.0.0 I'll make sure <beto@otro.org> gets this", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "recipients", 0},
	{S, "452 4.5.3 Maximum limit of 1 recipients reached", "smtp.reply.452", "smtp.esc.4.5.3 smtp.class.4xx", "452", "recipients", 0},
	{S, "354 Go ahead", "smtp.reply.354", "smtp.class.3xx", "354", "data", 0},
	{C, "Subject: x", "", "smtp.data.content msg.header.Subject", "✉ Subject:", "data", 0},
	{C, ".", "smtp.data.end", "", ".", "data", 0},
	{C, "RSET", "smtp.cmd.RSET", "", "RSET", "data", 0},
	{C, "NOOP", "smtp.cmd.NOOP", "", "NOOP", "data", 0},
	{S, "554 5.7.99 Policy says no", "smtp.reply.554", "smtp.esc.class.5 smtp.esc.subject.7 smtp.class.5xx", "554", "ready", 0},
	{S, "250 2.0.0 Session reset", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "ready", 0},
	{S, "250 2.0.0 I have successfully done nothing", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "ready", 0},
}}

// tableSMTPOddities covers cancelled AUTH, STARTTLS, unknown commands and
// replies, and a server that gives up.
var tableSMTPOddities = table{"SMTPOddities", sim.SMTP, "greeting", []step{
	{S, "220 mail.ejemplo.com ESMTP", "smtp.reply.220", "smtp.class.2xx", "220", "greeting", 0},
	{C, "MAIL FROM:<ana@ejemplo.com>", "smtp.cmd.MAIL", "", "MAIL FROM", "greeting", 0},
	{S, "503 5.5.1 Please introduce yourself first.", "smtp.reply.503", "smtp.esc.5.5.1 smtp.class.5xx", "503", "greeting", 0},
	{C, "EHLO x", "smtp.cmd.EHLO", "", "EHLO", "greeting", 0},
	{S, "250-mail.ejemplo.com", "smtp.reply.250", "smtp.ehlo.hello smtp.class.2xx smtp.reply.multiline", "250", "greeting", 0},
	{S, "250 STARTTLS", "smtp.reply.250", "smtp.ext.STARTTLS smtp.class.2xx smtp.reply.multiline", "250 STARTTLS", "ready", 0},
	{C, "STARTTLS", "smtp.cmd.STARTTLS", "", "STARTTLS", "ready", 0},
	{S, "220 2.0.0 Ready to start TLS", "smtp.reply.220", "smtp.esc.2.0.0 smtp.class.2xx", "220", "greeting", 0},
	{C, "EHLO x", "smtp.cmd.EHLO", "", "EHLO", "greeting", 0},
	{S, "250 mail.ejemplo.com", "smtp.reply.250", "smtp.ehlo.hello smtp.class.2xx", "250", "ready", 0},
	{C, "AUTH PLAIN", "smtp.cmd.AUTH", "sasl.mech.PLAIN", "AUTH", "ready", 0},
	{S, "334 ", "smtp.reply.334", "sasl.mech.PLAIN smtp.class.3xx", "334", "auth", 0},
	{C, "*", "smtp.auth.cancel", "sasl.mech.PLAIN", "*", "auth", 0},
	{S, "501 5.0.0 Negotiation cancelled", "smtp.reply.501", "smtp.esc.5.0.0 smtp.class.5xx", "501", "ready", 0},
	{C, "FOOD", "smtp.cmd.unknown", "", "FOOD", "ready", 0},
	{S, "500 5.5.2 Syntax errors, FOOD command unrecognized", "smtp.reply.500", "smtp.esc.5.5.2 smtp.class.5xx", "500", "ready", 0},
	{C, "VRFY ana", "smtp.cmd.VRFY", "", "VRFY", "ready", 0},
	{S, "252 2.5.0 Cannot VRFY user, but will accept message", "smtp.reply.252", "smtp.esc.2.5.0 smtp.class.2xx", "252", "ready", 0},
	{C, "", "smtp.cmd.unknown", "", "?", "ready", 0},
	{S, "299 odd", "smtp.class.2xx", "", "299", "ready", 0},
	{S, "hello?", "smtp.reply.unknown", "", "?", "ready", 0},
	{S, "421 4.4.2 Timeout, closing", "smtp.reply.421", "smtp.esc.4.4.2 smtp.class.4xx", "421", "closed", 0},
}}

// tableSMTPChunking sends a message with BDAT (RFC 3030): the chunk is
// counted in octets, so its last line may carry the next command.
var tableSMTPChunking = table{"SMTPChunking", sim.SMTP, "greeting", []step{
	{S, "220 mx", "smtp.reply.220", "smtp.class.2xx", "220", "greeting", 0},
	{C, "EHLO x", "smtp.cmd.EHLO", "", "EHLO", "greeting", 0},
	{S, "250-mx", "smtp.reply.250", "smtp.ehlo.hello smtp.class.2xx smtp.reply.multiline", "250", "greeting", 0},
	{S, "250 CHUNKING", "smtp.reply.250", "smtp.ext.CHUNKING smtp.class.2xx smtp.reply.multiline", "250 CHUNKING", "ready", 0},
	{C, "MAIL FROM:<a@x>", "smtp.cmd.MAIL", "", "MAIL FROM", "ready", 0},
	{S, "250 ok", "smtp.reply.250", "smtp.class.2xx", "250", "envelope", 0},
	{C, "RCPT TO:<b@y>", "smtp.cmd.RCPT", "", "RCPT TO", "envelope", 0},
	{S, "250 ok", "smtp.reply.250", "smtp.class.2xx", "250", "recipients", 0},
	// 12 + 2 + 4 octets: "Subject: hi\r\n" is 13, "\r\n" 2, "body" 4.
	{C, "BDAT 19", "smtp.cmd.BDAT", "", "BDAT", "data", 0},
	{C, "Subject: hi", "", "smtp.bdat.content msg.header.Subject", "✉ Subject:", "data", 13},
	{C, "", "", "smtp.bdat.content msg.blank", "✉ data", "data", 2},
	{C, "bodyBDAT 0 LAST", "", "smtp.bdat.content msg.body smtp.cmd.BDAT smtp.bdat.last", "✉ data", "data", 17},
	{S, "250 2.0.0 chunk ok", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "data", 0},
	{S, "250 2.0.0 queued", "smtp.reply.250", "smtp.esc.2.0.0 smtp.class.2xx", "250", "ready", 0},
}}

// TestSMTP runs the SMTP tables.
func TestSMTP(t *testing.T) {
	for _, tt := range []table{tableSMTPSubmission, tableSMTPPipelining, tableSMTPOddities, tableSMTPChunking} {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.proto, tt.first, tt.steps) })
	}
}
