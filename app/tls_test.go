package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/mailscope/mailscope/sim"
)

// rowsText is every row the transcript shows, as text.
func rowsText(a *App) []string {
	var out []string
	for i := 0; i < a.model.LinesShown(); i++ {
		out = append(out, a.model.LineEvent(i).Text)
	}
	return out
}

// TestEavesdropper plays the TLS scenario and switches to what an
// eavesdropper sees: the rows become the lines sent in the clear and the
// TLS records, with neither the password nor the message's body among
// them, at the same position; the endpoints' view has both.
func TestEavesdropper(t *testing.T) {
	a := newTestApp(t, sim.EN)
	if err := a.Load("tls"); err != nil {
		t.Fatal(err)
	}
	a.End()
	pos := a.model.Pos()
	secrets := []string{
		"AGFuYUBlamVtcGxvLmNvbQBtYW56YW5h", // AUTH PLAIN of ana's password
		"La llave del trastero est=C3=A1 debajo de la maceta azul.",
	}
	contains := func(rows []string, s string) bool {
		for _, r := range rows {
			if strings.Contains(r, s) {
				return true
			}
		}
		return false
	}
	plain := rowsText(a)
	for _, s := range secrets {
		if !contains(plain, s) {
			t.Errorf("the endpoints' view lacks %q", s)
		}
	}
	records := 0
	for i := 0; i < a.model.LinesShown(); i++ {
		if a.model.LineEvent(i).Kind == sim.KindTLS {
			records++
		}
	}
	if records != 0 {
		t.Errorf("the endpoints' view shows %d TLS records", records)
	}

	test.Tap(a.eaves)
	if !a.model.Eavesdropper() || a.model.Pos() != pos {
		t.Fatalf("the switch did not change the view in place (eavesdropper %v, position %d, was %d)", a.model.Eavesdropper(), a.model.Pos(), pos)
	}
	wire := rowsText(a)
	for _, s := range secrets {
		if contains(wire, s) {
			t.Errorf("an eavesdropper sees %q", s)
		}
	}
	records = 0
	for i := 0; i < a.model.LinesShown(); i++ {
		e := a.model.LineEvent(i)
		if e.Kind == sim.KindTLS {
			records++
			if x := a.model.LineExplained(i); x.Main == nil {
				t.Errorf("record %q has no explanation", e.Text)
			}
		}
	}
	if records == 0 || a.ladder.list.Length() != len(wire) || a.transcript.list.Length() != len(wire) {
		t.Errorf("%d records; ladder %d rows, transcript %d, want %d", records, a.ladder.list.Length(), a.transcript.list.Length(), len(wire))
	}
	// The greeting of the first connection was sent before STARTTLS: an
	// eavesdropper reads it.
	if !contains(wire, "220 mail.ejemplo.com ESMTP") {
		t.Error("an eavesdropper does not see the greeting sent in the clear")
	}

	// Step by step, the tokens: records are grey and sealed for the
	// eavesdropper; for the endpoints, a line under TLS carries a padlock.
	a.Home()
	sawWire, sawSealedLine := false, false
	for a.model.Pos() < a.model.Beats() {
		a.Next()
		tok := a.stage.token
		if tok == nil {
			continue
		}
		if tok.wire && tok.sealed {
			sawWire = true
		}
		a.rune('e')
		if tok := a.stage.token; tok != nil && !tok.wire && tok.sealed && !tok.content {
			sawSealedLine = true
		}
		a.rune('e')
	}
	if !sawWire || !sawSealedLine {
		t.Errorf("sealed records seen %v, sealed lines seen %v", sawWire, sawSealedLine)
	}
	if !a.model.Eavesdropper() {
		t.Error("E twice did not come back to the eavesdropper's view")
	}
}
