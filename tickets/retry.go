package tickets

import (
	"context"
	"time"
)

// tryFor bounds one try of a store operation.
const tryFor = 5 * time.Second

// RetryTransient runs fn, each time with a time limit, until it succeeds, fails for a
// reason that is not passing (IsTransient), or budget has gone by. It returns the last
// error. The IVR and the agents' desk write through it, so that a database busy for a
// moment costs a caller a pause, not their report.
func RetryTransient(budget time.Duration, fn func(context.Context) error) error {
	start := time.Now()
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		ctx, cancel := context.WithTimeout(context.Background(), tryFor)
		err := fn(ctx)
		cancel()
		if err == nil || !IsTransient(err) || time.Since(start)+wait > budget {
			return err
		}
		time.Sleep(wait)
	}
}

// Retry runs fn up to n times, each with a time limit, waiting a little longer between
// tries, until it succeeds; it returns the last error. It is for writes that must be
// tried whatever failed (the end of a call, a fetched recording).
func Retry(n int, fn func(context.Context) error) error {
	var err error
	for attempt := 0; attempt < n; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), tryFor)
		err = fn(ctx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}
