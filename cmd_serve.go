package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/mailscope/mailscope/assets"
	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// cmdServe offers the simulated world's servers on real loopback ports
// until it is interrupted: in the clear with STARTTLS (STLS) on offer, and
// with implicit TLS on the TLS ports; --ca-out writes the world's
// certificate authority for the clients to trust.
func cmdServe(args []string, lang sim.Lang) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := world.ServeOptions{}
	fs.StringVar(&opts.SMTP, "smtp", "127.0.0.1:2525", "")
	fs.StringVar(&opts.Submission, "submission", "127.0.0.1:2587", "")
	fs.StringVar(&opts.SMTPS, "smtps", "127.0.0.1:2465", "")
	fs.StringVar(&opts.IMAP, "imap", "127.0.0.1:1143", "")
	fs.StringVar(&opts.IMAPS, "imaps", "127.0.0.1:1993", "")
	fs.StringVar(&opts.POP3, "pop3", "127.0.0.1:1110", "")
	fs.StringVar(&opts.POP3S, "pop3s", "127.0.0.1:1995", "")
	fs.BoolVar(&opts.Public, "public", false, "")
	tracePath := fs.String("trace", "", "")
	caOut := fs.String("ca-out", "", "")
	langFlag := fs.String("lang", "", "")
	var users []string
	fs.Func("user", "", func(s string) error { users = append(users, s); return nil })
	pos, err := parseFlags(fs, args)
	if err != nil {
		fail(lang, "cli.bad_flag", "serve", err)
		return 2
	}
	if lang, err = langOption(*langFlag, lang); err != nil {
		return 2
	}
	if len(pos) > 0 {
		fail(lang, "cli.extra_args", "serve", pos[0])
		return 2
	}

	w, err := world.New(nil, world.Options{Clock: sim.RealClock{}, LineDelay: -1, Live: true})
	if err != nil {
		fail(lang, "serve.world_error", err)
		return 1
	}
	defer w.Close()
	for _, u := range users {
		addr, pass, ok := strings.Cut(u, ":")
		if !ok || pass == "" || !strings.Contains(addr, "@") {
			fail(lang, "serve.bad_user", u)
			return 2
		}
		if err := w.AddAccount(addr, pass); err != nil {
			fail(lang, "serve.user_error", u, err)
			return 2
		}
	}

	var traceFile *os.File
	if *tracePath != "" {
		if traceFile, err = os.Create(*tracePath); err != nil {
			fail(lang, "serve.trace_error", err)
			return 2
		}
		defer traceFile.Close()
	}

	if *caOut != "" {
		// The world's own certificate authority, for real clients to
		// trust (curl --cacert, ssl.create_default_context(cafile=...)).
		if err := os.WriteFile(*caOut, w.CACertificate(), 0o644); err != nil {
			fail(lang, "serve.ca_error", err)
			return 2
		}
	}

	listening, err := w.Serve(opts)
	if err != nil {
		if errors.Is(err, world.ErrNotLoopback) {
			fail(lang, "serve.not_loopback", err)
		} else {
			fail(lang, "serve.listen_error", err)
		}
		return 2
	}

	fmt.Println(assets.T(lang, "serve.banner"))
	for _, l := range listening {
		fmt.Printf("  %-48s %s\n", assets.T(lang, "serve.service."+l.Service), l.Addr)
	}
	fmt.Println(assets.T(lang, "serve.accounts"))
	for _, a := range w.Store.Accounts() {
		fmt.Printf("  %-24s %s\n", a.Address(), passwordOf(w, users, a.Address()))
	}
	if *caOut != "" {
		fmt.Println(assets.T(lang, "serve.ca", *caOut))
	} else {
		fmt.Println(assets.T(lang, "serve.ca_hint"))
	}
	if traceFile != nil {
		fmt.Println(assets.T(lang, "serve.trace", *tracePath))
	}
	fmt.Println(assets.T(lang, "serve.stop"))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	var writeErr error
	go func() {
		defer wg.Done()
		writeErr = follow(ctx, w.Trace, traceFile, lang)
	}()
	<-ctx.Done()
	w.Close()
	wg.Wait()
	if writeErr != nil {
		fail(lang, "serve.trace_error", writeErr)
		return 1
	}
	fmt.Println(assets.T(lang, "serve.stopped"))
	return 0
}

// follow writes the trace as it grows: every event to the trace file (if
// any) as JSON Lines, and the exchanges of live connections to stdout as a
// transcript. It returns when ctx is done, after writing what remains.
func follow(ctx context.Context, t *sim.Trace, file *os.File, lang sim.Lang) error {
	signal, stop := t.Watch()
	defer stop()
	var jw *sim.JSONWriter
	if file != nil {
		jw = sim.NewJSONWriter(file, t.Start())
	}
	n := 0
	for {
		done := false
		select {
		case <-signal:
		case <-ctx.Done():
			done = true
		}
		events := t.Since(n)
		n += len(events)
		if jw != nil {
			if err := jw.Write(events); err != nil {
				return err
			}
			if err := jw.Flush(); err != nil {
				return err
			}
		}
		for i := range events {
			if events[i].Step > 0 || events[i].Kind != sim.KindStore {
				fmt.Println(sim.TextLine(&events[i], lang))
			}
		}
		if done {
			return nil
		}
	}
}

// passwordOf returns the password of an account: from --user, or from the
// world's spec.
func passwordOf(w *world.World, users []string, addr string) string {
	for _, u := range users {
		if a, p, _ := strings.Cut(u, ":"); strings.EqualFold(a, addr) {
			return p
		}
	}
	for _, d := range w.Spec.Domains {
		for _, a := range d.Accounts {
			if a.User+"@"+d.Name == addr {
				return a.Password
			}
		}
	}
	return ""
}
