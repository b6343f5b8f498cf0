package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/ivr/asterisk"
)

func runTestCall(args []string) error {
	fs := flag.NewFlagSet("testcall", flag.ContinueOnError)
	ariCfg := ariFlags(fs, "")
	from := fs.String("from", "0905123456", "the caller's number")
	keys := fs.String("keys", "", "keys to press, comma-separated, one per prompt (e.g. 2 or 9,2)")
	barge := fs.Duration("barge", 0, "press this long after a prompt starts instead of waiting for it to end")
	hangupAfter := fs.Int("hangup-after-keys", -1, "hang up once this many keys are pressed and the next prompt starts (0: during the first prompt)")
	hangupAtAnswer := fs.Bool("hangup-at-answer", false, "hang up as soon as the hotline answers")
	endpoint := fs.String("endpoint", "Local/19001075@from-trunk", "what to dial")
	max := fs.Duration("max", 3*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	if ariCfg.Application == "" {
		ariCfg.Application = "hotline-testcall-" + fmt.Sprint(os.Getpid())
	}
	if err := ariCfg.check(); err != nil {
		return err
	}
	var keyList []string
	for _, k := range strings.Split(*keys, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if d, ok := strings.CutPrefix(k, "say="); ok {
			if _, err := time.ParseDuration(d); err != nil {
				return settingErrorf("--keys %q: say= takes a duration, such as say=3s.", *keys)
			}
		} else if k != "hup" && (len(k) != 1 || !strings.Contains("0123456789*#", k)) {
			return settingErrorf("--keys %q: each step is a key (0-9, * or #), say=3s (speak after the beep) or hup (hang up), separated by commas.", *keys)
		}
		keyList = append(keyList, k)
	}
	ctx := context.Background()
	caller, closeCaller, err := connectCaller(ctx, *ariCfg)
	if err != nil {
		return err
	}
	defer closeCaller()
	res, err := caller.Place(ctx, testcaller.TestCall{
		From: *from, Endpoint: *endpoint, Keys: keyList, Barge: *barge,
		HangupAfterKeys: *hangupAfter, HangupAtAnswer: *hangupAtAnswer, MaxDuration: *max,
	})
	if err != nil {
		return err
	}
	fmt.Printf("test call from %s, keys %q\n", *from, *keys)
	res.Print(os.Stdout)
	if !res.Answered {
		return fmt.Errorf("the hotline did not answer: is `hotline serve` running?")
	}
	if res.EndedBy == "timeout" {
		return fmt.Errorf("the call did not end within %s", *max)
	}
	return nil
}

// connectCaller connects a test caller application of its own to Asterisk, for test
// calls and load runs.
func connectCaller(ctx context.Context, c ariConfig) (*testcaller.Caller, func(), error) {
	rest := asterisk.NewREST(c.URL, c.Username, c.Password, 5*time.Second)
	if err := checkARI(ctx, rest, c); err != nil {
		return nil, nil, err
	}
	caller, stop, err := testcaller.ConnectCaller(ctx, c.WSURL, c.Application, c.Username, c.Password, rest)
	if err != nil {
		return nil, nil, settingErrorf("ARI_WSURL %s: %v", c.WSURL, err)
	}
	return caller, stop, nil
}
