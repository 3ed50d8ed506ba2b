package smtp

import (
	"slices"
	"sync"
	"time"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
)

// Item is a message waiting in a queue to be relayed. A queue never changes
// an item it holds: it replaces it with a changed copy.
type Item struct {
	ID    string
	From  string   // the envelope sender; "" for a delivery status notification
	Rcpts []string // the envelope recipients still to be delivered
	Data  []byte   // the message, with this server's Received: field

	// Arrived is when the message was queued; zero means at its first
	// delivery attempt.
	Arrived time.Time
	// Attempts counts the delivery attempts that failed for now.
	Attempts int
	// NextTry is when the next attempt is due. Zero means the item has not
	// been tried: a scripted world waits for a relay action, a live one
	// relays it at once.
	NextTry time.Time
	// LastError is why the last attempt failed.
	LastError string
	// Warned reports whether the sender was told the message is delayed.
	Warned bool
}

// Try returns where the item stands after failed attempts, or nil if it
// was never tried.
func (it *Item) Try() *sim.QueueTry {
	if it.Attempts == 0 {
		return nil
	}
	return &sim.QueueTry{Attempts: it.Attempts, Next: it.NextTry, LastError: it.LastError}
}

// Queue is a server's outbound queue. It publishes every addition and
// removal. It is safe for concurrent use.
type Queue struct {
	host    string            // immutable
	publish func(*sim.Change) // immutable

	mu    sync.Mutex
	items []*Item // oldest first
}

// NewQueue returns the empty queue of host; publish (which may be nil) is
// told of every change, in order.
func NewQueue(host string, publish func(*sim.Change)) *Queue {
	if publish == nil {
		publish = func(*sim.Change) {}
	}
	return &Queue{host: host, publish: publish}
}

// Add appends an item.
func (q *Queue) Add(it *Item) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = append(q.items, it)
	q.publish(q.change(sim.OpQueueAdd, it, ""))
}

// Items returns the items waiting, oldest first.
func (q *Queue) Items() []*Item {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.items)
}

// Len returns the number of items waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// SetRcpts leaves only rcpts as the recipients still to be delivered of
// item id (published as the item queued again, under the same id).
func (q *Queue) SetRcpts(id string, rcpts []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.items, func(it *Item) bool { return it.ID == id })
	if i < 0 || slices.Equal(q.items[i].Rcpts, rcpts) {
		return
	}
	it := *q.items[i]
	it.Rcpts = slices.Clone(rcpts)
	q.items[i] = &it
	q.publish(q.change(sim.OpQueueAdd, &it, ""))
}

// Retry records a delivery attempt of item id that failed for now: rcpts
// are the recipients still to be delivered, lastErr why the attempt
// failed, next when the next attempt is due, and arrived when the item
// arrived if it did not say (published as the item queued again, with
// where it stands). It reports whether the item was still queued.
func (q *Queue) Retry(id string, rcpts []string, lastErr string, arrived, next time.Time) bool {
	return q.update(id, func(it *Item) {
		it.Rcpts = slices.Clone(rcpts)
		it.Attempts++
		it.LastError = lastErr
		it.NextTry = next
		if it.Arrived.IsZero() {
			it.Arrived = arrived
		}
	})
}

// SetWarned records that the sender of item id was told the message is
// delayed (nothing is published: the views do not show it).
func (q *Queue) SetWarned(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if i := slices.IndexFunc(q.items, func(it *Item) bool { return it.ID == id }); i >= 0 {
		it := *q.items[i]
		it.Warned = true
		q.items[i] = &it
	}
}

// update replaces item id with a copy changed by f and publishes it.
func (q *Queue) update(id string, f func(*Item)) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.items, func(it *Item) bool { return it.ID == id })
	if i < 0 {
		return false
	}
	it := *q.items[i]
	f(&it)
	q.items[i] = &it
	q.publish(q.change(sim.OpQueueAdd, &it, ""))
	return true
}

// Due returns the items whose next attempt is due at now (those tried
// before, whose NextTry is not after now), oldest first.
func (q *Queue) Due(now time.Time) []*Item {
	return q.filter(func(it *Item) bool { return !it.NextTry.IsZero() && !it.NextTry.After(now) })
}

// Ready returns the items never tried and those whose retry is due at
// now, oldest first.
func (q *Queue) Ready(now time.Time) []*Item {
	return q.filter(func(it *Item) bool { return !it.NextTry.After(now) })
}

// filter returns the items keep accepts, oldest first.
func (q *Queue) filter(keep func(*Item) bool) []*Item {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*Item
	for _, it := range q.items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// NextDue returns the earliest time an attempt is due, and false if no
// item is waiting for a retry.
func (q *Queue) NextDue() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	for _, it := range q.items {
		if !it.NextTry.IsZero() && (next.IsZero() || it.NextTry.Before(next)) {
			next = it.NextTry
		}
	}
	return next, !next.IsZero()
}

// Remove takes an item out of the queue; result says why ("delivered",
// "rejected", ...).
func (q *Queue) Remove(id, result string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.items, func(it *Item) bool { return it.ID == id })
	if i < 0 {
		return
	}
	it := q.items[i]
	q.items = slices.Delete(q.items, i, i+1)
	q.publish(q.change(sim.OpQueueRemove, it, result))
}

func (q *Queue) change(op sim.Op, it *Item, result string) *sim.Change {
	c := &sim.Change{Op: op, Host: q.host, QueueID: it.ID, Result: result}
	if op == sim.OpQueueAdd {
		info := message.Info(it.Data)
		info.MailFrom, info.RcptTo = it.From, slices.Clone(it.Rcpts)
		c.Msg = &info
		c.Try = it.Try()
	}
	return c
}
