package smtp

import (
	"slices"
	"sync"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/message"
)

// Item is a message waiting in a queue to be relayed.
type Item struct {
	ID    string
	From  string   // the envelope sender
	Rcpts []string // the envelope recipients still to be delivered
	Data  []byte   // the message, with this server's Received: field
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
	}
	return c
}
