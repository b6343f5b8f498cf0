// Command agishape measures what one automated follow-up call would cost the hotline if
// its questions were asked over FastAGI instead of ARI events: a design measurement for
// issue 12 (the hotline's CPU at most 1/20 of Asterisk's), not part of the hotline.
//
// It seeds a throwaway database with cases in monitoring, answers FastAGI on
// 127.0.0.1:4573 and places the day's calls through the sandbox carrier
// (PJSIP/{number}@carrier, dialplan context hotline-followup-agi), at most --concurrent
// at once, while a sipp far end answers them as make load-followups' does (the citizen
// hears each prompt out, then presses 1 2 2 2 2). Each call makes the store writes the
// hotline's dialer makes (the attempt claimed with its call record before dialling, the
// result before the confirmation, the attempt ended), and asks the questions in 12 AGI
// commands. It prints its CPU and Asterisk's, per call.
//
//	make load-followups-agi    (from the repository root; both runs, with and without the writes)
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
)

func main() {
	var o options
	flag.IntVar(&o.cases, "cases", 160, "cases due today, one call each")
	flag.IntVar(&o.concurrent, "concurrent", 40, "calls up at once")
	ariURL := os.Getenv("ARI_URL")
	if ariURL == "" {
		ariURL = "http://127.0.0.1:8088/ari"
	}
	flag.StringVar(&o.ariURL, "ari", ariURL, "ARI base URL, ARI_URL's by default (ARI_USERNAME and ARI_PASSWORD give the user)")
	flag.BoolVar(&o.store, "store", true, "make the dialer's store writes; false measures the telephony alone")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write this process's CPU profile of the calls to this file")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal("agishape: ", err)
	}
}

type options struct {
	cases, concurrent  int
	ariURL, cpuprofile string
	store              bool
}

// call is one attempt in flight: the AGI session that serves it closes ended.
type call struct {
	attempt *tickets.FollowUpCall
	lang    string
	ended   chan struct{}
	done    atomic.Bool // the result was recorded
}

type shape struct {
	store  *tickets.Store
	writes bool // the dialer's store writes are made
	mu     sync.Mutex
	calls  map[string]*call // by channel ID
}

func run(o options) error {
	cases, concurrent := o.cases, o.concurrent
	ctx := context.Background()
	out, _ := exec.Command("pgrep", "-x", "asterisk").Output()
	astPid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	if astPid == 0 {
		return fmt.Errorf("asterisk is not running (make sandbox)")
	}
	dir, err := os.MkdirTemp("", "agishape-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := tickets.OpenStore(ctx, filepath.Join(dir, "shape.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	for i := range cases {
		phone := fmt.Sprintf("0905%06d", i)
		c := &tickets.Case{PersonName: "Người theo dõi", Phone: &phone, Language: "vi"}
		if err := store.CreateCase(ctx, tickets.ActorSystem, c, nil); err != nil {
			return err
		}
		if err := store.SetCaseStatus(ctx, tickets.ActorSystem, c.ID, tickets.CaseMonitoring, ""); err != nil {
			return err
		}
	}

	// The far end: the keys of make load-followups' listening citizen.
	at := make([]time.Duration, 5)
	var t time.Duration
	for i, prompts := range [][]string{{"fu_intro"}, {"fu_how", "q_fever"}, {"q_cough"}, {"q_breath"}, {"fu_q_new"}} {
		for _, p := range prompts {
			t += sounds.Duration("vi", p)
		}
		t += 500 * time.Millisecond
		at[i] = t - 2500*time.Millisecond
	}
	pcap := filepath.Join(dir, "keys.pcap")
	if err := ivr.WriteDTMFPcapAt(pcap, "12222", at); err != nil {
		return err
	}
	far := exec.Command("sipp", "-sf", "ivr/asterisk/sipp/citizen_answers.xml", "-i", "127.0.0.1", "-p", "5080",
		"-mi", "127.0.0.1", "-mp", "15080", "-d", "500", "-key", "dtmf", pcap, "-m", fmt.Sprint(cases), "-nostdin")
	if err := far.Start(); err != nil {
		return fmt.Errorf("start sipp: %w", err)
	}
	defer far.Process.Kill()

	ln, err := net.Listen("tcp", "127.0.0.1:4573")
	if err != nil {
		return err
	}
	defer ln.Close()
	sh := &shape{store: store, writes: o.store, calls: map[string]*call{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go sh.serve(c)
		}
	}()

	rest := ivr.NewREST(o.ariURL, os.Getenv("ARI_USERNAME"), os.Getenv("ARI_PASSWORD"), 5*time.Second)
	time.Sleep(time.Second) // sipp listening
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	h0, a0, start := cpuSelf(), cpuOf(astPid), time.Now()
	slots := make(chan struct{}, concurrent)
	var wg sync.WaitGroup
	completed := 0
	for i := range cases {
		slots <- struct{}{}
		id := fmt.Sprintf("fu-shape-%d", i)
		due := []*tickets.FollowUpCallTarget{{Phone: fmt.Sprintf("0905%06d", i), Language: "vi"}}
		if o.store {
			due, err = store.FollowUpCallsDue(ctx, time.Now(), 1)
			if err != nil || len(due) == 0 {
				return fmt.Errorf("call %d: nothing due (%v)", i, err)
			}
		}
		// The call record as the dialer writes it with the claim (ivr's followUpRecord).
		number := due[0].Phone
		rec := &tickets.Call{ID: tickets.NewCallID(), ChannelID: id, Direction: "follow_up", CallerNumber: &number,
			CallerRaw: number, Dialed: number, Language: due[0].Language, StartedAt: time.Now().UTC(),
			Outcome: tickets.OutcomeInProgress}
		a := &tickets.FollowUpCall{}
		if o.store {
			if a, err = store.ClaimFollowUpCall(ctx, due[0], time.Now(), rec); err != nil {
				return err
			}
		}
		c := &call{attempt: a, lang: due[0].Language, ended: make(chan struct{})}
		sh.mu.Lock()
		sh.calls[id] = c
		sh.mu.Unlock()
		q := url.Values{"endpoint": {"PJSIP/" + due[0].Phone + "@carrier"}, "context": {"hotline-followup-agi"},
			"extension": {"s"}, "priority": {"1"}, "callerId": {"19001075"}, "timeout": {"30"}, "channelId": {id}}
		if err := rest.Do(ctx, http.MethodPost, "/channels", q, nil, nil); err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-c.ended:
			case <-time.After(2 * time.Minute):
			}
			result := tickets.AttemptNoAnswer
			if c.done.Load() {
				result = tickets.AttemptWell
			} else {
				fmt.Println("not completed:", id)
			}
			now := time.Now().UTC()
			rec.EndedAt, rec.EndedBy, rec.Outcome = &now, tickets.EndedByCaller, "follow_up_"+result
			if o.store {
				if err := store.EndFollowUpCall(ctx, a.ID, tickets.FollowUpCallEnd{Result: result, Call: rec}); err != nil {
					fmt.Println("end", id, err)
				}
			}
			if c.done.Load() {
				sh.mu.Lock()
				completed++
				sh.mu.Unlock()
			}
			<-slots
		}()
	}
	wg.Wait()
	took := time.Since(start)
	hc, ac := cpuSelf()-h0, cpuOf(astPid)-a0
	writes := "with the dialer's store writes"
	if !o.store {
		writes = "telephony alone, no store writes"
	}
	fmt.Printf("agishape: %d follow-up calls over FastAGI (%s), %d completed in %.0f s, %d at once\n",
		cases, writes, completed, took.Seconds(), concurrent)
	fmt.Printf("  this process %.2f s (%.2f ms a call), asterisk %.2f s (%.1f ms a call): 1/%.0f\n",
		hc, hc*1000/float64(cases), ac, ac*1000/float64(cases), ac/hc)
	return nil
}

// serve runs one FastAGI session: the questions, the result written before the
// confirmation, goodbye.
func (sh *shape) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	var id string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if v, ok := strings.CutPrefix(l, "agi_uniqueid: "); ok {
			id = strings.TrimSpace(v)
		}
		if strings.TrimSpace(l) == "" {
			break
		}
	}
	sh.mu.Lock()
	c := sh.calls[id]
	sh.mu.Unlock()
	if c == nil {
		return
	}
	defer close(c.ended)
	cmd := func(s string) (string, bool) {
		if _, err := conn.Write([]byte(s + "\n")); err != nil {
			return "", false
		}
		l, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(l, "200 result=") {
			return "", false
		}
		res, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(l), "200 result="), " ")
		return res, res != "-1"
	}
	p := func(id string) string { return "hotline/" + c.lang + "/" + id }
	if k, ok := cmd("GET DATA " + p("fu_intro") + " 8000 1"); !ok || k != "1" {
		return
	}
	if _, ok := cmd(`STREAM FILE ` + p("fu_how") + ` "0123456789"`); !ok {
		return
	}
	answers := tickets.Answers{}
	for _, q := range []struct{ name, prompt string }{{"fever", "q_fever"}, {"cough", "q_cough"}, {"breath", "q_breath"}, {"new", "fu_q_new"}} {
		k, ok := cmd("GET DATA " + p(q.prompt) + " 8000 1")
		if !ok {
			return
		}
		answers[q.name] = map[string]string{"1": "yes", "2": "no"}[k]
	}
	cmd(`STREAM FILE ` + p("thanks") + ` ""`)
	if sh.writes {
		if _, err := sh.store.RecordFollowUpCallResult(context.Background(), c.attempt.ID, answers); err != nil {
			fmt.Println("result", id, err)
			return
		}
	}
	c.done.Store(true)
	cmd(`STREAM FILE ` + p("fu_well") + ` ""`)
	cmd(`STREAM FILE ` + p("goodbye") + ` ""`)
	cmd("HANGUP")
}

func cpuSelf() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func cpuOf(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100
}
