package smtp_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/smtp"
)

// changeLog collects published changes; it is safe for concurrent use.
type changeLog struct {
	mu      sync.Mutex
	changes []*sim.Change
}

func (l *changeLog) publish(c *sim.Change) {
	l.mu.Lock()
	l.changes = append(l.changes, c)
	l.mu.Unlock()
}

// take returns the changes published since the last call.
func (l *changeLog) take() []*sim.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.changes
	l.changes = nil
	return out
}

func summaries(l []*sim.Change) []string {
	out := make([]string, len(l))
	for i, c := range l {
		out[i] = c.Summary()
	}
	return out
}

func ids(items []*smtp.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestQueue(t *testing.T) {
	var log changeLog
	q := smtp.NewQueue(ejemploHost, log.publish)
	if n, items := q.Len(), q.Items(); n != 0 || len(items) != 0 {
		t.Fatalf("new queue: Len = %d, Items = %v, want empty", n, items)
	}
	one := msg("ana@ejemplo.com", "beto@otro.org", "uno")
	two := msg("ana@ejemplo.com", "Beto <beto@otro.org>", "dos")
	q.Add(&smtp.Item{ID: "Q1", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org"}, Data: one})
	q.Add(&smtp.Item{ID: "Q2", From: "ana@ejemplo.com", Rcpts: []string{"beto@otro.org", "x@caido.net"}, Data: two})

	if got, want := ids(q.Items()), []string{"Q1", "Q2"}; !slices.Equal(got, want) || q.Len() != 2 {
		t.Errorf("Items = %v, Len = %d, want %v, 2", got, q.Len(), want)
	}
	adds := log.take()
	want := []string{
		fmt.Sprintf(`queue mail.ejemplo.com id=Q1 <ana@ejemplo.com> -> <beto@otro.org> "uno" %d bytes`, len(one)),
		fmt.Sprintf(`queue mail.ejemplo.com id=Q2 <ana@ejemplo.com> -> <beto@otro.org>, <x@caido.net> "dos" %d bytes`, len(two)),
	}
	if got := summaries(adds); !slices.Equal(got, want) {
		t.Errorf("changes after Add:\n%q\nwant\n%q", got, want)
	}
	if c := adds[1]; c.Op != sim.OpQueueAdd || c.Host != ejemploHost || c.QueueID != "Q2" || c.Result != "" {
		t.Errorf("second change = %+v, want queue of Q2 on %s", c, ejemploHost)
	}
	if m := adds[1].Msg; m.Size != len(two) || m.Subject != "dos" || m.To != "Beto <beto@otro.org>" || m.From != "ana@ejemplo.com" ||
		m.MessageID != "dos@test" || m.MailFrom != "ana@ejemplo.com" || !slices.Equal(m.RcptTo, []string{"beto@otro.org", "x@caido.net"}) {
		t.Errorf("MsgInfo of the second addition = %+v", m)
	}

	// Items is a copy: changing it does not change the queue.
	items := q.Items()
	items[0] = nil
	_ = append(items[:1], &smtp.Item{ID: "bogus"})
	if got := ids(q.Items()); !slices.Equal(got, []string{"Q1", "Q2"}) {
		t.Errorf("after changing the slice Items returned, Items = %v, want [Q1 Q2]", got)
	}

	// SetRcpts replaces the item, leaving the one handed out unchanged.
	old := q.Items()[1]
	keep := []string{"x@caido.net"}
	q.SetRcpts("Q2", keep)
	keep[0] = "changed@later"
	if got := q.Items()[1].Rcpts; !slices.Equal(got, []string{"x@caido.net"}) {
		t.Errorf("after SetRcpts, Rcpts = %v, want [x@caido.net]", got)
	}
	if !slices.Equal(old.Rcpts, []string{"beto@otro.org", "x@caido.net"}) {
		t.Errorf("SetRcpts changed an item handed out before: Rcpts = %v", old.Rcpts)
	}
	if got, want := summaries(log.take()), []string{fmt.Sprintf(`queue mail.ejemplo.com id=Q2 <ana@ejemplo.com> -> <x@caido.net> "dos" %d bytes`, len(two))}; !slices.Equal(got, want) {
		t.Errorf("changes after SetRcpts = %q, want %q", got, want)
	}
	q.SetRcpts("Q2", []string{"x@caido.net"}) // the same: nothing to tell
	q.SetRcpts("Q9", []string{"x@caido.net"}) // no such item
	if got := log.take(); len(got) != 0 {
		t.Errorf("SetRcpts without a change published %q, want nothing", summaries(got))
	}

	q.Remove("Q1", "delivered")
	q.Remove("Q1", "delivered") // already gone
	q.Remove("Q9", "rejected")  // never there
	if got, want := summaries(log.take()), []string{"dequeue mail.ejemplo.com id=Q1 delivered"}; !slices.Equal(got, want) {
		t.Errorf("changes after Remove = %q, want %q", got, want)
	}
	if got := ids(q.Items()); !slices.Equal(got, []string{"Q2"}) || q.Len() != 1 {
		t.Errorf("after Remove, Items = %v, Len = %d, want [Q2], 1", got, q.Len())
	}
	q.Remove("Q2", "bounced")
	if c := log.take(); len(c) != 1 || c[0].Op != sim.OpQueueRemove || c[0].QueueID != "Q2" || c[0].Result != "bounced" || c[0].Msg != nil {
		t.Errorf("changes after the last Remove = %+v, want one dequeue of Q2, bounced", c)
	}
	if q.Len() != 0 || len(q.Items()) != 0 {
		t.Errorf("after removing everything Len = %d, Items = %v, want empty", q.Len(), q.Items())
	}
}

// TestQueueNilPublish checks that a queue may be told nobody to publish to.
func TestQueueNilPublish(t *testing.T) {
	q := smtp.NewQueue(ejemploHost, nil)
	q.Add(&smtp.Item{ID: "Q1", Rcpts: []string{"a@b"}})
	q.SetRcpts("Q1", []string{"c@d"})
	if got := q.Items(); len(got) != 1 || !slices.Equal(got[0].Rcpts, []string{"c@d"}) {
		t.Errorf("Items = %+v, want Q1 for c@d", got)
	}
	q.Remove("Q1", "delivered")
	if q.Len() != 0 {
		t.Errorf("Len = %d, want 0", q.Len())
	}
}

// TestQueueConcurrent uses a queue from many goroutines at once (run with
// -race): the published changes, replayed, give what the queue holds, and
// each item's changes come in the order they were made.
func TestQueueConcurrent(t *testing.T) {
	const workers, each = 8, 50
	var log changeLog
	q := smtp.NewQueue(ejemploHost, log.publish)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("W%d-%d", w, i)
				q.Add(&smtp.Item{ID: id, From: "ana@ejemplo.com", Rcpts: []string{"a@x", "b@y"}, Data: msg("ana@ejemplo.com", "a@x", id)})
				q.SetRcpts(id, []string{"b@y"})
				if i%2 == 0 {
					q.Remove(id, "delivered")
				}
			}
		}()
		go func() { // a reader, as the views are
			defer wg.Done()
			for range each {
				for _, it := range q.Items() {
					_ = it.ID + it.From + it.Rcpts[0]
				}
				q.Len()
			}
		}()
	}
	wg.Wait()

	if n := q.Len(); n != workers*each/2 {
		t.Errorf("Len = %d, want %d", n, workers*each/2)
	}
	held := make(map[string][]string) // id -> recipients, from the changes
	steps := make(map[string][]string)
	for _, c := range log.take() {
		switch c.Op {
		case sim.OpQueueAdd:
			held[c.QueueID] = c.Msg.RcptTo
			steps[c.QueueID] = append(steps[c.QueueID], fmt.Sprint(len(c.Msg.RcptTo)))
		case sim.OpQueueRemove:
			delete(held, c.QueueID)
			steps[c.QueueID] = append(steps[c.QueueID], c.Result)
		}
	}
	items := q.Items()
	if len(held) != len(items) {
		t.Errorf("the changes leave %d items, the queue holds %d", len(held), len(items))
	}
	for _, it := range items {
		if !slices.Equal(held[it.ID], it.Rcpts) {
			t.Errorf("item %s: changes say %v, queue says %v", it.ID, held[it.ID], it.Rcpts)
		}
	}
	for w := range workers {
		for i := range each {
			id := fmt.Sprintf("W%d-%d", w, i)
			want := []string{"2", "1"}
			if i%2 == 0 {
				want = append(want, "delivered")
			}
			if !slices.Equal(steps[id], want) {
				t.Errorf("changes of %s = %v, want %v", id, steps[id], want)
			}
		}
	}
}
