package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// xvfb starts a virtual X display for the test and returns its name.
func xvfb(tb testing.TB) string {
	tb.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		tb.Fatal("Xvfb is needed for this test (./dev test installs it)")
	}
	for n := 90; n < 140; n++ {
		if displayInUse(n) {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		cmd := exec.Command("Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			tb.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		// SIGTERM lets Xvfb remove its lock file and socket.
		tb.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); <-exited })
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		started := false
		for deadline := time.Now().Add(20 * time.Second); !started && time.Now().Before(deadline); {
			select {
			case <-exited:
				deadline = time.Time{} // another server took the display first
			case <-time.After(50 * time.Millisecond):
				_, err := os.Stat(sock)
				started = err == nil
			}
		}
		if started {
			return display
		}
	}
	tb.Fatal("no free X display number")
	return ""
}

// displayInUse reports whether X display n has a lock file whose server is
// still alive; a lock left by a server that was killed is removed.
func displayInUse(n int) bool {
	lock := fmt.Sprintf("/tmp/.X%d-lock", n)
	data, err := os.ReadFile(lock)
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	var pid int
	if _, err := fmt.Sscan(string(data), &pid); err != nil || pid <= 0 {
		return true
	}
	if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
		return true
	}
	os.Remove(lock)
	os.Remove(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
	return false
}

// TestWindowScreenshot opens the real application in a real window (under
// Xvfb) and checks that the screenshot it writes is a real rendering of the
// requested size.
func TestWindowScreenshot(t *testing.T) {
	display := xvfb(t)
	for _, tc := range []struct {
		args []string
		w, h int
	}{
		{[]string{"--scenario", "tour", "--step", "3", "--size", "1280x720", "--lang", "en", "--theme", "light"}, 1280, 720},
		{[]string{"--scenario", "tour", "--step", "5", "--size", "1920x1080", "--lang", "es", "--theme", "dark", "--scale", "1.5"}, 1920, 1080},
	} {
		out := filepath.Join(t.TempDir(), "shot.png")
		cmd := command(t, append(tc.args, "--screenshot", out)...)
		cmd.Env = append(cmd.Env, "DISPLAY="+display)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("mailscope %s: %v\n%s", strings.Join(tc.args, " "), err, stderr.String())
		}
		// LANG=C.UTF-8 (set by command) must not make Fyne complain.
		if s := stderr.String(); strings.Contains(s, "locale") {
			t.Errorf("mailscope logged a locale error:\n%s", s)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
		}
		if colours, inked := inspect(img); colours < 40 || inked < 0.03 {
			t.Errorf("screenshot looks blank: %d colours, %.1f%% of pixels differ from the background", colours, inked*100)
		}
	}
}

// inspect counts the distinct colours of an image and the share of pixels
// that differ from its most common colour.
func inspect(img image.Image) (colours int, inked float64) {
	count := make(map[[4]uint32]int)
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			count[[4]uint32{r, g, bl, a}]++
			n++
		}
	}
	most := 0
	for _, c := range count {
		most = max(most, c)
	}
	return len(count), float64(n-most) / float64(n)
}

// BenchmarkStartup measures the time from starting the program to its
// first frame, for MailScope and for a bare Fyne window built the same way
// (the same binary with --bare), taking turns, under Xvfb: the
// "first-frame-ratio" metric is MailScope's time over the bare window's.
// MailScope's first frame shows its icon while the scenario runs; the
// "ready" metrics are the time until a frame with every view and the
// scenario in it, over the bare window's time to its first capture.
func BenchmarkStartup(b *testing.B) {
	display := xvfb(b)
	bin := binary(b)
	run := func(args ...string) (first, ready time.Duration) {
		cmd := exec.Command(bin, append(args, "--first-frame")...)
		cmd.Env = append(isolated(b), "DISPLAY="+display, "LANG=C.UTF-8")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("mailscope %v: %v\n%s", args, err, stderr.String())
		}
		var f, r int64
		if _, err := fmt.Sscanf(stdout.String(), "first-frame %d\nready %d", &f, &r); err != nil {
			b.Fatalf("mailscope %v printed %q", args, stdout.String())
		}
		return time.Duration(f) * time.Microsecond, time.Duration(r) * time.Microsecond
	}
	run("--bare") // warm the file cache
	var appFirst, appReady, bareFirst, bareReady time.Duration
	for b.Loop() {
		f, r := run("--bare")
		bareFirst, bareReady = bareFirst+f, bareReady+r
		f, r = run("--scenario", "tour", "--step", "2")
		appFirst, appReady = appFirst+f, appReady+r
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(appFirst), "app-first-ms")
	b.ReportMetric(ms(bareFirst), "bare-first-ms")
	b.ReportMetric(float64(appFirst)/float64(bareFirst), "first-frame-ratio")
	b.ReportMetric(ms(appReady), "app-ready-ms")
	b.ReportMetric(float64(appReady)/float64(bareReady), "ready-ratio")
}

// BenchmarkIdle measures the processor time a paused window uses while
// nobody touches it, for MailScope (a lesson shown at a middle step) and
// for a bare Fyne window, side by side under Xvfb: after the windows have
// settled, each one's user and system time over the same seconds is read
// from /proc. "idle-ratio" is MailScope's time over the bare window's; a
// paused player should cost what an empty window costs.
func BenchmarkIdle(b *testing.B) {
	display := xvfb(b)
	bin := binary(b)
	start := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(isolated(b), "DISPLAY="+display, "LANG=C.UTF-8")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	bare := start("--bare")
	app := start("--scenario", "pop3-delete", "--step", "3")
	time.Sleep(5 * time.Second) // both windows shown and settled
	var appTicks, bareTicks, secs float64
	for b.Loop() {
		a0, b0 := cpuTicks(b, app.Process.Pid), cpuTicks(b, bare.Process.Pid)
		time.Sleep(5 * time.Second)
		appTicks += cpuTicks(b, app.Process.Pid) - a0
		bareTicks += cpuTicks(b, bare.Process.Pid) - b0
		secs += 5
	}
	// Linux counts processor time in ticks of 1/100 s (USER_HZ).
	b.ReportMetric(appTicks*10/secs, "app-cpu-ms/s")
	b.ReportMetric(bareTicks*10/secs, "bare-cpu-ms/s")
	b.ReportMetric(appTicks/max(bareTicks, 1), "idle-ratio")
}

// cpuTicks returns the user and system time of a process, in clock ticks.
func cpuTicks(tb testing.TB, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// The fields after the command name, which is in parentheses.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	var utime, stime float64
	if _, err := fmt.Sscan(fields[11], &utime); err != nil {
		tb.Fatal(err)
	}
	if _, err := fmt.Sscan(fields[12], &stime); err != nil {
		tb.Fatal(err)
	}
	return utime + stime
}
