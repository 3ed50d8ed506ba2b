package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/mailscope/mailscope/sim"
)

// Relay empties a host's queue: for each recipient domain it looks up the
// MX records and hands the message to the exchanger on port 25, with its
// own SMTP client, as a server does (RFC 5321 section 5).
type Relay struct {
	Host *Host
	// Dial connects the host to a server's port.
	Dial func(from, host string, port int) (net.Conn, error)
	// LookupMX returns the exchangers of a domain, most preferred first.
	LookupMX func(domain string) ([]string, error)
	// TLS, when set, makes the relay use STARTTLS (RFC 3207) with every
	// exchanger that offers it, as mail servers do by default
	// (opportunistic TLS): it returns the TLS configuration for an
	// exchanger's host name. An exchanger that does not offer STARTTLS gets
	// the message in the clear, on a new connection; one whose handshake
	// fails (an untrusted certificate) does not get it, and the message
	// stays queued.
	TLS func(exchanger string) *tls.Config
	// Clock tells the time of attempts; nil means the wall clock.
	Clock sim.Clock
	// Retry is the schedule of attempts after a temporary failure; nil
	// means DefaultRetry.
	Retry *RetryPolicy
	// Notify, if set, is told of each delivery status notification
	// (RFC 3464) the relay wants sent to a message's sender: recipients
	// refused for good (a 5xx reply) or given up on, or still waiting
	// after Retry.Warn. It is never told
	// about a message with a null sender (a notification itself), which
	// would make notifications loop (RFC 5321 section 4.5.5).
	Notify func(*Notice)
}

// Notice is a delivery status notification the relay wants sent (RFC
// 3464).
type Notice struct {
	Item   *Item     // the message, as it was queued
	Action string    // "failed" (given up) or "delayed" (still trying)
	Rcpts  []Outcome // the recipients concerned, with the last error of each
	At     time.Time // when the relay decided
	// Until is, for "delayed", when the relay gives up.
	Until time.Time
}

// Outcome is what became of one recipient of a queued message.
type Outcome struct {
	QueueID   string
	Rcpt      string
	Exchanger string // the server that answered, if any
	Err       error  // nil when delivered
	Permanent bool   // a 5xx reply: the recipient will never be delivered
}

// Flush tries once to deliver every queued message and reports the outcome
// for each recipient, in queue order. Delivered and permanently refused
// recipients leave the queue; the others stay, with the time of their
// next attempt (see Retry), until they are delivered or expire.
func (r *Relay) Flush() []Outcome {
	return r.attempt(r.Host.Queue.Items())
}

// FlushDue is Flush for the messages whose next attempt is due now.
func (r *Relay) FlushDue() []Outcome {
	return r.attempt(r.Host.Queue.Due(r.now()))
}

// FlushReady is Flush for the messages never tried and those whose next
// attempt is due now, as a server does when new mail arrives.
func (r *Relay) FlushReady() []Outcome {
	return r.attempt(r.Host.Queue.Ready(r.now()))
}

func (r *Relay) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

func (r *Relay) policy() *RetryPolicy {
	if r.Retry == nil {
		return &DefaultRetry
	}
	return r.Retry
}

// attempt tries to deliver items once each.
func (r *Relay) attempt(items []*Item) []Outcome {
	var all []Outcome
	for _, it := range items {
		outcomes := r.deliver(it)
		all = append(all, outcomes...)
		delivered := 0
		var pending []string
		var late, refused []Outcome
		for _, o := range outcomes {
			switch {
			case o.Err == nil:
				delivered++
			case !o.Permanent:
				pending = append(pending, o.Rcpt)
				late = append(late, o)
			default:
				refused = append(refused, o)
			}
		}
		switch {
		case len(pending) > 0:
			r.retry(it, pending, late)
		case delivered > 0:
			r.Host.Queue.Remove(it.ID, "delivered")
		default:
			r.Host.Queue.Remove(it.ID, "rejected")
		}
		// Recipients refused for good (a 5xx reply from the next hop, such
		// as 550 5.1.1) are bounced at once (RFC 5321 section 6.1), in a
		// notification of their own; never for a notification itself.
		if len(refused) > 0 && r.Notify != nil && it.From != "" {
			r.Notify(&Notice{Item: it, Action: "failed", Rcpts: refused, At: r.now()})
		}
	}
	return all
}

// retry keeps the recipients that failed for now queued, and only they,
// with the time of the next attempt; or gives up on them once the message
// has waited too long, and tells the sender.
func (r *Relay) retry(it *Item, pending []string, late []Outcome) {
	now, p := r.now(), r.policy()
	arrived := it.Arrived
	if arrived.IsZero() {
		arrived = now
	}
	notify := func(action string, until time.Time) {
		if r.Notify != nil && it.From != "" {
			r.Notify(&Notice{Item: it, Action: action, Rcpts: late, At: now, Until: until})
		}
	}
	if p.Expired(arrived, now) {
		r.Host.Queue.Remove(it.ID, "expired")
		notify("failed", time.Time{})
		return
	}
	lastErr := ""
	if err := late[len(late)-1].Err; err != nil {
		if _, lastErr = Status(err); lastErr == "" {
			lastErr = err.Error()
		}
	}
	r.Host.Queue.Retry(it.ID, pending, lastErr, arrived, p.Next(arrived, now, it.Attempts+1))
	if p.Warn > 0 && !it.Warned && now.Sub(arrived) >= p.Warn {
		r.Host.Queue.SetWarned(it.ID)
		notify("delayed", arrived.Add(p.Expire))
	}
}

// deliver sends one item to the exchangers of each recipient domain.
func (r *Relay) deliver(it *Item) []Outcome {
	var domains []string
	byDomain := make(map[string][]string)
	for _, rcpt := range it.Rcpts {
		d := domainOf(rcpt)
		if byDomain[d] == nil {
			domains = append(domains, d)
		}
		byDomain[d] = append(byDomain[d], rcpt)
	}
	var out []Outcome
	for _, d := range domains {
		out = append(out, r.deliverDomain(it, d, byDomain[d])...)
	}
	return out
}

func (r *Relay) deliverDomain(it *Item, domain string, rcpts []string) []Outcome {
	fail := func(mx string, err error, permanent bool) []Outcome {
		out := make([]Outcome, len(rcpts))
		for i, rcpt := range rcpts {
			out[i] = Outcome{QueueID: it.ID, Rcpt: rcpt, Exchanger: mx, Err: err, Permanent: permanent}
		}
		return out
	}
	mxs, err := r.LookupMX(domain)
	if err == nil && len(mxs) == 0 {
		// Without this, the loop below tries nothing and the recipients
		// would count as delivered.
		err = errors.New("no exchanger")
	}
	if err != nil {
		return fail("", fmt.Errorf("MX lookup for %s: %w", domain, err), true)
	}
	var lastErr error
	for _, mx := range mxs {
		conn, err := r.Dial(r.Host.Name, mx, 25)
		if err != nil {
			lastErr = err
			continue // the next exchanger, if any
		}
		return r.converse(conn, it, mx, rcpts)
	}
	return fail("", lastErr, false)
}

// open starts a session with an exchanger on conn: EHLO, and STARTTLS
// when the relay uses TLS and the exchanger offers it.
func (r *Relay) open(conn net.Conn, mx string) (*gosmtp.Client, error) {
	if r.TLS == nil {
		c := gosmtp.NewClient(conn)
		if err := c.Hello(r.Host.Name); err != nil {
			c.Quit()
			c.Close()
			return nil, err
		}
		return c, nil
	}
	c, offered, err := startTLS(conn, r.Host.Name, r.TLS(mx))
	var se *gosmtp.SMTPError
	if err == nil || offered || errors.As(err, &se) {
		// Connected with TLS, or the handshake failed, or the server
		// refused the session (a 421 greeting): no second connection.
		return c, err
	}
	// No STARTTLS on offer: in the clear, on a new connection (go-smtp
	// closed this one).
	conn, err = r.Dial(r.Host.Name, mx, 25)
	if err != nil {
		return nil, err
	}
	clear := *r
	clear.TLS = nil
	return clear.open(conn, mx)
}

// converse delivers an item to an exchanger: one SMTP transaction, or
// more when the exchanger takes fewer recipients per transaction than the
// item has (452, RFC 5321 section 4.5.3.1.10): the recipients it put off
// go in the next transaction on the same connection.
func (r *Relay) converse(conn net.Conn, it *Item, mx string, rcpts []string) []Outcome {
	out := make([]Outcome, len(rcpts))
	for i, rcpt := range rcpts {
		out[i] = Outcome{QueueID: it.ID, Rcpt: rcpt, Exchanger: mx}
	}
	c, err := r.open(conn, mx)
	if err != nil {
		for i := range out {
			out[i].Err, out[i].Permanent = err, isPermanent(err)
		}
		return out
	}
	defer c.Close()
	fail := func(idx []int, err error) {
		for _, i := range idx {
			out[i].Err, out[i].Permanent = err, isPermanent(err)
		}
	}
	pending := make([]int, len(rcpts))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 {
		if err := c.Mail(it.From, &gosmtp.MailOptions{Size: int64(len(it.Data))}); err != nil {
			fail(pending, err)
			break
		}
		var accepted, later []int
		for k, i := range pending {
			if err := c.Rcpt(rcpts[i], nil); err != nil {
				if TooManyRecipients(err) && len(accepted) > 0 {
					later = pending[k:]
					break
				}
				fail([]int{i}, err)
				continue
			}
			accepted = append(accepted, i)
		}
		if len(accepted) == 0 {
			break
		}
		if err := sendData(c, it.Data); err != nil {
			fail(accepted, err)
			fail(later, err)
			break
		}
		pending = later
	}
	c.Quit()
	return out
}

// sendData sends DATA, the message and the final dot.
func sendData(c *gosmtp.Client, data []byte) error {
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// TooManyRecipients reports whether err is a refusal of RCPT for now
// because the transaction has as many recipients as the server takes at
// once: 452 (RFC 5321 section 4.5.3.1.10), or the 552 that RFC 821 gave
// for it with the enhanced code 5.5.3 (RFC 3463), which RFC 5321 says a
// client should treat as temporary. The client then sends the message to
// the recipients accepted so far, and to the others in another transaction.
func TooManyRecipients(err error) bool {
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) {
		return false
	}
	return se.Code == 452 || se.Code == 552 && se.EnhancedCode == gosmtp.EnhancedCode{5, 5, 3}
}

// isPermanent reports whether err is a 5xx reply.
func isPermanent(err error) bool {
	var se *gosmtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}
