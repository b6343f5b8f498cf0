package tickets

import "math"

// Staffing targets of the contact-centre trade: 80 % of calls answered within 20 s.
const (
	TargetServiceLevel = 0.80
	TargetAnswerTime   = 20 // seconds
)

// The service level against its target, as the console colours it.
const (
	SLGood = "good" // at or above the target
	SLNear = "near" // less than 10 points below it
	SLPoor = "poor" // further below
)

// ServiceLevelBand places a service level (a share from 0 to 1) against the 80/20
// target, at the tenth of a percent the console shows; "" when there is none.
func ServiceLevelBand(share float64, ok bool) string {
	if !ok {
		return ""
	}
	pct := math.Round(share*1000) / 10
	switch {
	case pct >= TargetServiceLevel*100:
		return SLGood
	case pct >= TargetServiceLevel*100-10:
		return SLNear
	default:
		return SLPoor
	}
}

// ErlangC returns the probability that a call waits at all with n agents and a traffic
// of a erlangs (calls per second × average handle time). n ≤ a means the queue grows
// without end: every call waits.
func ErlangC(n int, a float64) float64 {
	if n <= 0 || float64(n) <= a {
		return 1
	}
	// Erlang B by its recursion (stable for large n), then C from B.
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(n) * b / (float64(n) - a*(1-b))
}

// ServiceLevelWith returns the share of calls answered within t seconds with n agents,
// calls arriving at perHour calls an hour, each handled in aht seconds (Erlang C).
func ServiceLevelWith(n int, perHour, aht, t float64) float64 {
	if perHour <= 0 {
		return 1
	}
	a := perHour * aht / 3600
	if float64(n) <= a {
		return 0
	}
	return 1 - ErlangC(n, a)*math.Exp(-(float64(n)-a)*t/aht)
}

// AgentsNeeded returns the fewest agents that answer the target share of calls within
// the target time (80/20), for calls arriving at perHour an hour and an average handle
// time of aht seconds; 0 without calls.
func AgentsNeeded(perHour, aht float64) int {
	if perHour <= 0 || aht <= 0 {
		return 0
	}
	a := perHour * aht / 3600
	for n := max(1, int(math.Floor(a))); ; n++ {
		if ServiceLevelWith(n, perHour, aht, TargetAnswerTime) >= TargetServiceLevel {
			return n
		}
	}
}
