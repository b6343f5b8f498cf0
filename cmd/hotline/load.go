package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
)

func runLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	ariCfg := ariFlags(fs, "")
	steps := fs.String("calls", "50", "concurrent callers; a comma-separated list runs one step each (e.g. 25,50,100)")
	duration := fs.Duration("duration", time.Minute, "how long each step starts new calls")
	pid := fs.Int("hotline-pid", 0, "the hotline's process id, for its CPU and memory (default: the running `hotline serve`)")
	addr := fs.String("hotline-addr", env("HOTLINE_ADDR", "127.0.0.1:8080"), "the hotline's console address, for its own reaction times (HOTLINE_ADDR)")
	admin := fs.String("admin", env("HOTLINE_ADMIN", ""), "an admin of the console, USER:PASSWORD, to read the reaction times (HOTLINE_ADMIN)")
	sse := fs.Int("sse", 0, "console pages connected to the live events meanwhile (agents' strips and wallboards); needs --viewer")
	viewer := fs.String("viewer", env("HOTLINE_VIEWER", ""), "a supervisor of the console, USER:PASSWORD, whose pages --sse opens (HOTLINE_VIEWER)")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	if ariCfg.Application == "" {
		ariCfg.Application = "hotline-load-" + fmt.Sprint(os.Getpid())
	}
	if err := ariCfg.check(); err != nil {
		return err
	}
	var counts []int
	for _, s := range strings.Split(*steps, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 500 {
			return settingErrorf("--calls %q: give numbers of concurrent callers from 1 to 500.", *steps)
		}
		counts = append(counts, n)
	}
	if *pid == 0 {
		*pid = findProcess(func(comm, cmdline string) bool { return comm == "hotline" && strings.Contains(cmdline, "serve") })
	}
	astPid := findProcess(func(comm, _ string) bool { return comm == "asterisk" })
	if *pid == 0 || astPid == 0 {
		return settingErrorf("--hotline-pid: found hotline %d and asterisk %d; both must be running on this machine.", *pid, astPid)
	}
	// Ctrl-C ends the run; each caller hangs up its call on the way out.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	caller, closeCaller, err := connectCaller(ctx, *ariCfg)
	if err != nil {
		return err
	}
	defer closeCaller()
	fmt.Printf("load: hotline pid %d, asterisk pid %d, %s per step, scripts mixing every menu path\n", *pid, astPid, *duration)
	console, err := signInConsole(*addr, *admin)
	if err != nil {
		return settingErrorf("--hotline-addr %s, --admin: the hotline's statistics cannot be read: %v", *addr, err)
	}
	if _, err := console.reactions(); err != nil {
		return settingErrorf("--hotline-addr %s: the hotline's statistics cannot be read: %v", *addr, err)
	}
	if *sse < 0 || *sse > 500 || (*sse > 0 && *viewer == "") {
		return settingErrorf("--sse %d: give 0 to 500 pages, and --viewer a supervisor as USER:PASSWORD.", *sse)
	}
	var pages *liveViewers
	if *sse > 0 {
		if pages, err = connectViewers(ctx, *addr, *viewer, *sse); err != nil {
			return settingErrorf("%v", err)
		}
		defer pages.close()
		fmt.Printf("load: %d console pages connected to the live events (half strips, half wallboards)\n", *sse)
	}
	fmt.Printf("%6s %9s %7s %6s %10s %10s %9s %9s %11s %12s %7s %12s %9s\n",
		"calls", "completed", "failed", "keys", "react p50", "react p99", "own p50", "own p99",
		"hotline cpu", "asterisk cpu", "ratio", "hotline/call", "peak rss")
	for _, n := range counts {
		h0, a0 := cpuSeconds(*pid), cpuSeconds(astPid)
		res := caller.RunLoad(ctx, testcaller.LoadOptions{Concurrent: n, Duration: *duration})
		h1, a1 := cpuSeconds(*pid), cpuSeconds(astPid)
		own, err := console.reactions()
		if err != nil {
			return err
		}
		hc, ac := h1-h0, a1-a0
		calls := max(res.Completed+res.Failed, 1)
		ratio := cpuRatio(hc, ac)
		fmt.Printf("%6d %9d %7d %6d %8.1fms %8.1fms %7.2fms %7.2fms %10.2fs %11.2fs %7s %10.2fms %6.0fMiB\n",
			n, res.Completed, res.Failed, len(res.Reactions),
			ms(res.Percentile(0.5)), ms(res.Percentile(0.99)), own.OwnP50MS, own.OwnP99MS,
			hc, ac, ratio, 1000*hc/float64(calls), rssMiB(*pid))
		fmt.Printf("       own p99: %.2fms for the %d keys that waited for a database write to reach the disk, %.2fms for the %d others\n",
			own.OwnWroteP99MS, own.NWrote, own.OwnNoWriteP99MS, own.N-own.NWrote)
		fmt.Printf("       reports: %d keys ending a report or result, answered at once by a lead (\"thank you\"); written to disk %.1fms p50, %.1fms p99 after the key (own %.2fms p99), confirmed after the lead\n",
			own.NConfirm, own.ConfirmP50MS, own.ConfirmP99MS, own.ConfirmOwnP99MS)
		if res.Failed > 0 {
			fmt.Printf("       failed calls: %v\n", res.Failures)
		}
		if pages != nil {
			fmt.Printf("       live events: %d received by %d pages, %d pages disconnected\n",
				pages.events.Swap(0), pages.clients, pages.broken.Load())
		}
	}
	fmt.Println("react: DTMF received by Asterisk → the hotline's next prompt started, by Asterisk's event timestamps")
	fmt.Println("own: the hotline's own processing of a key (event in → next prompt asked for, less the time Asterisk took to answer its commands)")
	fmt.Println("cpu: user+system seconds during the step; ratio: hotline CPU to Asterisk CPU; rss: the hotline's peak resident memory")
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// findProcess returns the first process whose name and command line match.
func findProcess(match func(comm, cmdline string) bool) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil {
			continue
		}
		cmd, _ := os.ReadFile(d + "/cmdline")
		if match(strings.TrimSpace(string(comm)), strings.ReplaceAll(string(cmd), "\x00", " ")) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			if pid != os.Getpid() {
				return pid
			}
		}
	}
	return 0
}

// cpuRatio writes the hotline's CPU time against Asterisk's as 1/N.
func cpuRatio(hotline, asterisk float64) string {
	if hotline <= 0 {
		return "-"
	}
	return fmt.Sprintf("1/%.0f", asterisk/hotline)
}

// cpuSeconds reads a process's user and system CPU time from /proc.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// threadSwitches counts the context switches of a process's threads alive now, put off
// the CPU or waking: the hotline's threads live as long as it does. (Asterisk's threads of
// calls that ended are gone, with their counts.)
func threadSwitches(pid int) int64 {
	paths, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	var n int64
	for _, p := range paths {
		st := procStatus(p)
		for _, k := range []string{"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"} {
			x, _ := strconv.ParseInt(st[k], 10, 64)
			n += x
		}
	}
	return n
}

// procStatus reads a /proc status file's fields, by name (nil if it cannot be read).
func procStatus(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return fields
}

// rssMiB reads a process's peak resident memory.
func rssMiB(pid int) float64 {
	hwm, _, _ := strings.Cut(procStatus(fmt.Sprintf("/proc/%d/status", pid))["VmHWM"], " ") // "1234 kB"
	kb, _ := strconv.ParseFloat(hwm, 64)
	return kb / 1024
}
