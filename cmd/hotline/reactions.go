package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/ivr"
)

// reactionStats is what /debug/ivr/reactions reports: how fast the hotline reacted to
// keys, in total and in its own processing (without waiting for Asterisk's answers).
type reactionStats struct {
	N          int     `json:"n"`
	TotalP50MS float64 `json:"total_p50_ms"`
	TotalP99MS float64 `json:"total_p99_ms"`
	OwnP50MS   float64 `json:"own_p50_ms"`
	OwnP99MS   float64 `json:"own_p99_ms"`
	// The keys whose handling waited for a database write on its way to the disk (a
	// ticket, a note, a follow-up result), and the others.
	NWrote          int     `json:"n_wrote"`
	OwnWroteP99MS   float64 `json:"own_wrote_p99_ms"`
	OwnNoWriteP99MS float64 `json:"own_no_write_p99_ms"`
	// Keys that end a report or a result, which a lead answered at once (counted above):
	// how long from the key until what they wrote reached the disk, and the confirmation
	// could follow the lead.
	NConfirm        int     `json:"n_confirm"`
	ConfirmP50MS    float64 `json:"confirm_p50_ms"`
	ConfirmP99MS    float64 `json:"confirm_p99_ms"`
	ConfirmOwnP99MS float64 `json:"confirm_own_p99_ms"`
}

func writeReactions(w http.ResponseWriter, rs []ivr.Reaction) {
	var total, own, wrote, noWrite, confirm, confirmOwn []time.Duration
	for _, r := range rs {
		if r.Confirm {
			confirm, confirmOwn = append(confirm, r.Total), append(confirmOwn, r.Own)
			continue
		}
		total, own = append(total, r.Total), append(own, r.Own)
		if r.Wrote {
			wrote = append(wrote, r.Own)
		} else {
			noWrite = append(noWrite, r.Own)
		}
	}
	st := reactionStats{N: len(total), TotalP50MS: quantileMS(total, 0.5), TotalP99MS: quantileMS(total, 0.99),
		OwnP50MS: quantileMS(own, 0.5), OwnP99MS: quantileMS(own, 0.99),
		NWrote: len(wrote), OwnWroteP99MS: quantileMS(wrote, 0.99), OwnNoWriteP99MS: quantileMS(noWrite, 0.99),
		NConfirm: len(confirm), ConfirmP50MS: quantileMS(confirm, 0.5), ConfirmP99MS: quantileMS(confirm, 0.99),
		ConfirmOwnP99MS: quantileMS(confirmOwn, 0.99)}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

func quantileMS(d []time.Duration, q float64) float64 { return ms(testcaller.Quantile(d, q)) }

// console is a signed-in admin's HTTP client of the hotline's console.
type console struct {
	addr   string
	client *http.Client
}

// signInConsole signs in to the console as an admin given as USER:PASSWORD.
func signInConsole(addr, admin string) (*console, error) {
	user, password, ok := strings.Cut(admin, ":")
	if !ok {
		return nil, fmt.Errorf("give an admin as USER:PASSWORD (hotline users add makes one)")
	}
	jar, _ := cookiejar.New(nil)
	c := &console{addr: addr, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := c.client.PostForm("http://"+addr+"/login", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: %s", user, resp.Status)
	}
	return c, nil
}

// reactions reads, then clears, the hotline's reaction statistics.
func (c *console) reactions() (*reactionStats, error) {
	resp, err := c.client.Get("http://" + c.addr + "/debug/ivr/reactions")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reactions: %s", resp.Status)
	}
	var st reactionStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, err
	}
	reset, err := c.client.Post("http://"+c.addr+"/debug/ivr/reactions/reset", "", nil)
	if err != nil {
		return nil, err
	}
	reset.Body.Close()
	return &st, nil
}
