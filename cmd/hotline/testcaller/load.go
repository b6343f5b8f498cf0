package testcaller

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"
)

// LoadScripts are the callers a load run mixes: each menu path of the hotline, keys
// pressed a moment into each prompt, as callers who know the menu do.
var LoadScripts = []TestCall{
	{Keys: []string{"2", "1", "2", "2", "1", "2", "1", "3", "1"}},                     // symptom report: five answers, area, own number
	{Keys: []string{"9", "3", "2", "4", "say=3s", "#"}},                               // English, community report for an area, a message
	{Keys: []string{"1", "*", "4", "1", "0", "2", "0911222333#", "1", "say=3s", "#"}}, // rules, back, support (agreed), another number, a message
	{Keys: []string{"7", "0", "say=3s", "#"}},                                         // a bad key, an operator (none on duty: a message)
	{Keys: []string{"5", "*", "8", "3", "5", "1", "say=3s"}},                          // quarantine info, back, bad key, report ended by silence
}

// LoadOptions shapes a load run.
type LoadOptions struct {
	Concurrent int           // callers on the line at once
	Duration   time.Duration // how long new calls are started
	Barge      time.Duration // how long into a prompt keys are pressed; default 1.5 s
	From       string        // the callers' number
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Completed int             // calls that ran their script to the hotline's goodbye
	Failed    int             // calls that could not be placed, were not answered, or timed out
	Failures  map[string]int  // failed calls by reason
	Reactions []time.Duration // key received → next prompt started, by Asterisk's timestamps
	Prompts   int             // prompts started
}

// Percentile returns the q-th quantile (0..1) of the reaction times.
func (r *LoadResult) Percentile(q float64) time.Duration { return Quantile(r.Reactions, q) }

// Quantile returns the q-th quantile (0..1) of durations, 0 for none; d is not changed.
func Quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = append([]time.Duration(nil), d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(q*float64(len(d)-1))]
}

// RunLoad keeps opts.Concurrent scripted callers on the hotline for opts.Duration, then
// waits for the calls in progress to end. Every loop is bounded by the duration.
func (cl *Caller) RunLoad(ctx context.Context, opts LoadOptions) *LoadResult {
	if opts.Barge == 0 {
		opts.Barge = 1500 * time.Millisecond
	}
	if opts.From == "" {
		opts.From = "0905123456"
	}
	res := &LoadResult{Failures: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(opts.Duration)
	for w := 0; w < opts.Concurrent; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Ramp up over a few seconds rather than dialing everyone at once.
			time.Sleep(time.Duration(w) * 100 * time.Millisecond)
			for n := w; time.Now().Before(stop) && ctx.Err() == nil; n += opts.Concurrent {
				tc := LoadScripts[n%len(LoadScripts)]
				tc.From, tc.Barge, tc.HangupAfterKeys, tc.MaxDuration = opts.From, opts.Barge, -1, 2*time.Minute
				r, err := cl.Place(ctx, tc)
				why := failure(r, err)
				if err != nil {
					// Asterisk refused the call: back off rather than spin.
					time.Sleep(time.Second)
				}
				mu.Lock()
				if why != "" {
					res.Failed++
					res.Failures[why]++
				} else {
					res.Completed++
					res.Reactions = append(res.Reactions, r.ReactionTimes()...)
					res.Prompts += len(r.Prompts())
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	return res
}

// failure says why a load call failed, or "" if it ran to the hotline's goodbye.
func failure(r *TestCallResult, err error) string {
	switch {
	case err != nil:
		return "not placed"
	case !r.Answered:
		return "not answered"
	case r.EndedBy == "timeout":
		return "timed out"
	}
	p := r.Prompts()
	if r.EndedBy != "hotline" || len(p) == 0 || !strings.HasSuffix(p[len(p)-1], "/goodbye") {
		return "ended early"
	}
	return ""
}
