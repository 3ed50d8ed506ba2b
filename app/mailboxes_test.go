package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/mailscope/mailscope/sim"
)

// queueRows returns the texts of the queued rows of the mailbox view at the
// end of step n of a scenario, in language l.
func queueRows(t *testing.T, a *App, n int, l sim.Lang) []string {
	t.Helper()
	a.seek(a.model.StepEnd(n))
	var out []string
	for i := range a.mail.rows {
		r := &a.mail.rows[i]
		if r.kind != rowQueued {
			continue
		}
		w := newMailRowWidget()
		w.Resize(fyne.NewSize(1600, 30)) // wide enough for nothing to be cut short
		w.set(r, l, a.deviceLabel)
		out = append(out, w.texts[0].Text+" | "+w.texts[3].Text)
	}
	return out
}

// TestQueueRetriesShown shows how many attempts a queued message has had
// and when the next is due, and a message that expired as returned.
func TestQueueRetriesShown(t *testing.T) {
	a := newTestApp(t, sim.EN)
	if err := a.Load("retry"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		step int
		lang sim.Lang
		want string
	}{
		{1, sim.EN, "<ana@ejemplo.com>"},
		{2, sim.EN, "1 failed; next: Mon 09:30 · <ana@ejemplo.com>"},
		{3, sim.ES, "2 fallos; próximo: lun 10:30 · <ana@ejemplo.com>"},
		{4, sim.EN, "left the queue · <ana@ejemplo.com>"},
		{7, sim.EN, "expired: returned to the sender · <ana@ejemplo.com>"},
		{7, sim.ES, "caducó: devuelto al remitente · <ana@ejemplo.com>"},
	} {
		rows := queueRows(t, a, tt.step, tt.lang)
		if len(rows) != 1 {
			t.Errorf("step %d: queued rows %q, want 1", tt.step, rows)
			continue
		}
		if _, got, _ := cut(rows[0]); !strings.HasPrefix(got, tt.want) {
			t.Errorf("step %d (%s): the queued row says %q, want it to start with %q", tt.step, tt.lang, got, tt.want)
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := 0; i+3 <= len(s); i++ {
		if s[i:i+3] == " | " {
			return s[:i], s[i+3:], true
		}
	}
	return s, "", false
}
