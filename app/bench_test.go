package app

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// bigScript is a real scenario with a mailbox of n messages: Beto's laptop
// fetches every envelope and every body (well over 100,000 protocol lines
// for n = 10,000), then flags messages one step at a time.
func bigScript(n int) *world.Script {
	spec := world.DefaultSpec()
	mail := make([]world.MailSpec, n)
	for i := range mail {
		mail[i] = world.MailSpec{From: "ana@ejemplo.com", Subject: fmt.Sprintf("Mensaje %d", i+1),
			Text: "Hola, Beto:\n\nEste es uno de muchos mensajes.\nTiene varias líneas,\npara que el cuerpo se parezca a uno de verdad.\n\nAna"}
	}
	spec.Domains[1].Accounts[0].Mail = mail
	say := sim.Text{ES: "Paso.", EN: "Step."}
	steps := []world.Step{
		{Say: say, Do: []world.Action{
			{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "select", Mailbox: "INBOX"}},
			{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "fetch", Seq: "1:*", Items: []string{"envelope"}}},
		}},
		{Say: say, Do: []world.Action{{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "fetch", Seq: "1:*", Items: []string{"peek"}}}}},
	}
	for i := 1; i <= 20; i++ {
		steps = append(steps, world.Step{Say: say, Do: []world.Action{
			{IMAP: &world.IMAPAction{Device: "beto-laptop", Op: "store", UID: strconv.Itoa(i * 97), Add: []string{`\Flagged`}}},
		}})
	}
	return &world.Script{ID: "big", Title: sim.Text{ES: "Grande", EN: "Big"}, World: spec, Steps: steps}
}

var (
	bigOnce  sync.Once
	bigApp   *App
	bigError error
)

// loadBig opens the big scenario once for all the benchmarks.
func loadBig(b *testing.B) *App {
	bigOnce.Do(func() {
		fa := test.NewApp()
		bigApp, bigError = New(fa, Options{Scenario: "tour", Lang: sim.EN, Theme: "light", Step: -1, Size: fyne.NewSize(1920, 1080)})
		if bigError == nil {
			bigApp.Window().Show()
			bigError = bigApp.LoadScript(bigScript(10_000))
		}
	})
	if bigError != nil {
		b.Fatal(bigError)
	}
	return bigApp
}

// BenchmarkApplyStep measures the time to apply one step to every view
// (stage, transcript, ladder, mailboxes, explanation, narration) with a
// trace of over 100,000 lines and a mailbox of 10,000 messages, stepping
// forward and back between steps that flag a message.
func BenchmarkApplyStep(b *testing.B) {
	a := loadBig(b)
	m := a.Model()
	if m.Trace().Len() < 100_000 {
		b.Fatalf("the trace has %d events, want a big one", m.Trace().Len())
	}
	a.seek(m.StepEnd(3))
	b.ReportMetric(float64(len(m.lines)), "lines")
	forward := true
	var total time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if forward {
			a.NextStep()
		} else {
			a.PrevStep()
		}
		total += time.Since(t0)
		n++
		forward = !forward
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/step")
}

// BenchmarkMemory reports the resident memory of the process with the big
// scenario open in the application.
func BenchmarkMemory(b *testing.B) {
	a := loadBig(b)
	a.seek(a.Model().Beats())
	for b.Loop() {
		runtime.GC()
	}
	b.ReportMetric(float64(residentKB())/1024, "MB-resident")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MB-heap")
	b.ReportMetric(float64(a.Model().Trace().Len()), "events")
}

// residentKB reads the process's resident set size from /proc.
func residentKB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
