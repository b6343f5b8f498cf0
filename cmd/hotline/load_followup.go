package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

// runLoadFollowUps measures a day of automated follow-up calls through the real
// Asterisk: a hotline on a scratch database with N cases in monitoring due today, and a
// sipp far end on the carrier trunk (sip:127.0.0.1:5080) that answers every call and
// presses 1 to begin and 2 (no) to each question. It prints how many calls completed,
// the most follow-up channels Asterisk had up at once (against the setting), how long
// the day's calls took, and the hotline's CPU beside Asterisk's.
func runLoadFollowUps(args []string) error {
	fs := flag.NewFlagSet("load-followups", flag.ContinueOnError)
	ariCfg := ariFlags(fs, "hotline-followup-load")
	cases := fs.Int("cases", 500, "cases in monitoring due a call today")
	concurrent := fs.Int("concurrent", 40, "HOTLINE_FOLLOWUP_CONCURRENT of the hotline under test")
	rate := fs.Int("rate", 300, "HOTLINE_FOLLOWUP_RATE of the hotline under test (calls started a minute)")
	sippDir := fs.String("sipp", "ivr/asterisk/sipp", "folder of the sipp scenarios")
	limit := fs.Duration("timeout", 40*time.Minute, "give up after this long")
	listen := fs.Bool("listen", true, "the citizens hear each prompt to its end before pressing, as people do; false: a key a second, cutting the prompts short")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	if err := ariCfg.check(); err != nil {
		return err
	}
	if *cases < 1 || *cases > 10000 || *concurrent < 1 || *concurrent > 100 {
		return settingErrorf("--cases 1 to 10000 and --concurrent 1 to 100.")
	}
	astPid := findProcess(func(comm, _ string) bool { return comm == "asterisk" })
	if astPid == 0 {
		return settingErrorf("Asterisk is not running on this machine (make sandbox).")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()

	dir, err := os.MkdirTemp("", "hotline-followups-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "load.db")
	store, err := tickets.OpenStore(ctx, db)
	if err != nil {
		return err
	}
	defer store.Close()
	for i := 0; i < *cases; i++ {
		phone := fmt.Sprintf("0905%06d", i)
		c := &tickets.Case{PersonName: "Người theo dõi", Phone: &phone, Language: []string{"vi", "en"}[i%5/4]}
		if err := store.CreateCase(ctx, tickets.ActorSystem, c, nil); err != nil {
			return err
		}
		if err := store.SetCaseStatus(ctx, tickets.ActorSystem, c.ID, tickets.CaseMonitoring, ""); err != nil {
			return err
		}
	}
	pcap := filepath.Join(dir, "keys.pcap")
	at := []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}
	if *listen {
		// Each key half a second after the prompt it answers ends (the longer language's).
		var t time.Duration
		for i, prompts := range [][]string{{"fu_intro"}, {"fu_how", "q_fever"}, {"q_cough"}, {"q_breath"}, {"fu_q_new"}} {
			var longest time.Duration
			for _, lang := range sounds.Languages {
				var d time.Duration
				for _, p := range prompts {
					d += sounds.Duration(lang, p)
				}
				longest = max(longest, d)
			}
			t += longest + 500*time.Millisecond
			at[i] = t
		}
		for i := range at {
			at[i] -= 2500 * time.Millisecond // the scenario plays the keys from 1.5 s after the answer, the first 1 s into them
		}
	}
	if err := testcaller.WriteDTMFPcapAt(pcap, "12222", at); err != nil {
		return err
	}
	far := exec.CommandContext(ctx, "sipp", "-sf", filepath.Join(*sippDir, "citizen_answers.xml"), "-i", "127.0.0.1", "-p", "5080",
		"-mi", "127.0.0.1", "-mp", "15080", "-d", "500", "-key", "dtmf", pcap, "-m", fmt.Sprint(*cases), "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "sipp-errors.log"))
	if err := far.Start(); err != nil {
		return fmt.Errorf("start sipp (apt-get install sip-tester): %w", err)
	}
	defer far.Process.Kill()

	self, err := os.Executable()
	if err != nil {
		return err
	}
	hl := exec.Command(self, "serve")
	hl.Env = append(os.Environ(), "HOTLINE_DB="+db, "HOTLINE_ADDR=127.0.0.1:8098", "ARI_URL="+ariCfg.URL,
		"ARI_USERNAME="+ariCfg.Username, "ARI_PASSWORD="+ariCfg.Password, "ARI_APPLICATION="+ariCfg.Application,
		"HOTLINE_FOLLOWUP_WINDOW=00:00-24:00",
		fmt.Sprintf("HOTLINE_FOLLOWUP_CONCURRENT=%d", *concurrent), fmt.Sprintf("HOTLINE_FOLLOWUP_RATE=%d", *rate))
	logFile, err := os.Create(filepath.Join(dir, "hotline.log"))
	if err != nil {
		return err
	}
	hl.Stdout, hl.Stderr = logFile, logFile
	if err := hl.Start(); err != nil {
		return err
	}
	defer func() { hl.Process.Signal(syscall.SIGTERM); hl.Wait() }()
	// The run is measured from the hotline's first follow-up call: its start-up
	// (migrations, the first connection to Asterisk) is not part of the day's calls.
	rest := asterisk.NewREST(ariCfg.URL, ariCfg.Username, ariCfg.Password, 5*time.Second)
	for first := false; !first; time.Sleep(20 * time.Millisecond) {
		if ctx.Err() != nil {
			return fmt.Errorf("no follow-up call started (log: %s)", logFile.Name())
		}
		chans, _ := rest.Channels(ctx)
		for _, ch := range chans {
			first = first || strings.HasPrefix(ch.ID, "fu-")
		}
	}
	h0, a0, sw0 := cpuSeconds(hl.Process.Pid), cpuSeconds(astPid), threadSwitches(hl.Process.Pid)
	start := time.Now()
	how := "presses 1 2 2 2 2 a second apart, cutting the prompts short"
	if *listen {
		how = "hears each prompt out, then presses 1 2 2 2 2"
	}
	fmt.Printf("load-followups: %d cases due today, HOTLINE_FOLLOWUP_CONCURRENT=%d, RATE=%d/min; the far end answers, %s\n",
		*cases, *concurrent, *rate, how)

	most, samples := 0, 0
	var ups []int
	done := 0
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s with %d of %d days recorded (log: %s)", time.Since(start).Round(time.Second), done, *cases, logFile.Name())
		case <-tick.C:
		}
		chans, err := rest.Channels(ctx)
		if err == nil {
			// By ID: Asterisk lists a channel being dialled twice for a moment (Down and
			// Ringing under one ID).
			ids := map[string]bool{}
			for _, ch := range chans {
				if strings.HasPrefix(ch.ID, "fu-") {
					ids[ch.ID] = true
				}
			}
			up := len(ids)
			most = max(most, up)
			if up > 0 {
				ups = append(ups, up)
			}
			samples++
		}
		if samples%8 == 0 {
			t, err := store.FollowUpCallTotalsOn(ctx, tickets.Day(time.Now()))
			if err == nil {
				done = t.Completed
			}
			if done >= *cases {
				break
			}
		}
	}
	took := time.Since(start)
	hc, ac, sw := cpuSeconds(hl.Process.Pid)-h0, cpuSeconds(astPid)-a0, threadSwitches(hl.Process.Pid)-sw0
	t, err := store.FollowUpCallTotalsOn(ctx, tickets.Day(time.Now()))
	if err != nil {
		return err
	}
	sort.Ints(ups)
	median := 0
	if len(ups) > 0 {
		median = ups[len(ups)/2]
	}
	ratio := cpuRatio(hc, ac)
	fmt.Printf("%6s %9s %9s %10s %12s %10s %11s %12s %7s\n", "cases", "dialled", "completed", "took", "most up", "median up",
		"hotline cpu", "asterisk cpu", "ratio")
	fmt.Printf("%6d %9d %9d %9.0fs %7d of %d %10d %10.2fs %11.2fs %7s\n", *cases, t.Dialled, t.Completed, took.Seconds(),
		most, *concurrent, median, hc, ac, ratio)
	fmt.Println("most up: the most follow-up channels Asterisk had at once (GET /channels every 250 ms), against HOTLINE_FOLLOWUP_CONCURRENT")
	fmt.Println("cpu: user+system seconds from the first call to the last day recorded, the hotline beside Asterisk; ratio: hotline to Asterisk")
	if sw > 0 && t.Dialled > 0 {
		fmt.Printf("hotline threads: %d context switches a call dialled, %.0f µs of its cpu each\n", sw/int64(t.Dialled), hc*1e6/float64(sw))
	}
	if most > *concurrent {
		return fmt.Errorf("Asterisk had %d follow-up calls up at once, more than the setting %d", most, *concurrent)
	}
	if t.Completed < *cases {
		return fmt.Errorf("%d of %d days recorded", t.Completed, *cases)
	}
	return nil
}
