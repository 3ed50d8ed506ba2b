package world

import (
	"errors"
	"fmt"
	"strings"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
	"github.com/mailscope/mailscope/sim/smtp"
	"github.com/mailscope/mailscope/sim/store"
)

// Bounces. When the next hop refuses a recipient for good (a 5xx reply
// during relay), the relaying server owes the envelope sender a delivery
// status notification (RFC 3464, RFC 5321 section 6.1): bounceRefused
// builds it with message.BuildDSN and sends it with the null reverse-path
// (MAIL FROM:<>, RFC 5321 section 4.5.5): straight into the sender's INBOX
// when the sender is one of the server's own users, or queued for relay
// when not. A message that already has the null sender is itself a
// notification: it is never bounced, or notifications could loop.

// bounceRefused sends a notification for every queued item (as it was
// before the relay ran: items) that has recipients refused for good among
// outcomes.
func (w *World) bounceRefused(srv *Server, items []*smtp.Item, outcomes []smtp.Outcome) {
	for _, it := range items {
		var refused []smtp.Outcome
		for _, o := range outcomes {
			if o.QueueID == it.ID && o.Err != nil && o.Permanent {
				refused = append(refused, o)
			}
		}
		if len(refused) == 0 {
			continue
		}
		if it.From == "" {
			w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf(
				"%s: queue id %s has the null sender <>: it is a notification itself, and is dropped without one (RFC 5321 section 4.5.5)", srv.Name, it.ID)})
			continue
		}
		w.sendBounce(srv, it, refused)
	}
}

// sendBounce builds the notification of the refused recipients of it and
// sends it to it.From.
func (w *World) sendBounce(srv *Server, it *smtp.Item, refused []smtp.Outcome) {
	now := w.Clock.Now()
	d := message.DSN{
		ReportingMTA: srv.Name,
		Date:         now,
		MessageID:    w.messageID(srv.Name),
		From:         "MAILER-DAEMON@" + srv.Name,
		To:           it.From,
		Action:       message.ActionFailed,
		Original:     it.Data,
		Boundary:     w.boundary(),
	}
	var rcpts []string
	for _, o := range refused {
		status, diag := replyStatus(o.Err)
		r := message.DSNRecipient{Address: o.Rcpt, Status: status, DiagnosticCode: diag, LastAttempt: now}
		if diag != "" {
			r.RemoteMTA = o.Exchanger
		}
		d.Recipients = append(d.Recipients, r)
		rcpts = append(rcpts, "<"+o.Rcpt+">")
	}
	what := fmt.Sprintf("%s: %s refused for good (queue id %s)", srv.Name, strings.Join(rcpts, ", "), it.ID)
	raw, err := message.BuildDSN(d)
	if err != nil {
		w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf("%s; no notification: %v", what, err)})
		return
	}
	w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf("%s; a delivery status notification (failed) goes to <%s> from <>", what, it.From)})
	if srv.Host.Serves(domainOf(it.From)) {
		if _, err := w.Store.Deliver(it.From, store.Inbox, message.Prepend(raw, "Return-Path", "<>"), nil); err != nil {
			w.Trace.Append(sim.Event{Kind: sim.KindError, Text: fmt.Sprintf("%s: the notification to <%s> was not delivered: %v", srv.Name, it.From, err)})
		}
		return
	}
	srv.Host.Queue.Add(&smtp.Item{ID: w.queueID(), From: "", Rcpts: []string{it.From}, Data: raw})
}

// replyStatus returns the enhanced status code (RFC 3463) of a refusal and
// the reply as the Diagnostic-Code of a notification ("550 5.1.1 ..."); a
// reply without an enhanced code gets the class's X.0.0, an error that is
// no reply (no exchanger, a lookup that failed) 5.4.4 and no diagnostic.
func replyStatus(err error) (status, diag string) {
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) {
		return "5.4.4", "" // unable to route (RFC 3463 section 3.5)
	}
	class := se.Code / 100
	if class != 4 && class != 5 {
		class = 5
	}
	status = fmt.Sprintf("%d.0.0", class)
	diag = fmt.Sprintf("%d %s", se.Code, se.Message)
	if e := se.EnhancedCode; e != gosmtp.NoEnhancedCode && e != (gosmtp.EnhancedCode{}) {
		status = fmt.Sprintf("%d.%d.%d", e[0], e[1], e[2])
		diag = fmt.Sprintf("%d %s %s", se.Code, status, se.Message)
	}
	return status, diag
}
