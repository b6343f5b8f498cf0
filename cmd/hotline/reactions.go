package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

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
}

func writeReactions(w http.ResponseWriter, rs []ivr.Reaction) {
	var total, own []time.Duration
	for _, r := range rs {
		total, own = append(total, r.Total), append(own, r.Own)
	}
	st := reactionStats{N: len(rs), TotalP50MS: quantileMS(total, 0.5), TotalP99MS: quantileMS(total, 0.99),
		OwnP50MS: quantileMS(own, 0.5), OwnP99MS: quantileMS(own, 0.99)}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

func quantileMS(d []time.Duration, q float64) float64 { return ms(ivr.Quantile(d, q)) }

// fetchReactions reads (and resets) the hotline's reaction statistics.
func fetchReactions(addr string) (*reactionStats, error) {
	resp, err := http.Get("http://" + addr + "/debug/ivr/reactions?reset=1")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reactions: %s", resp.Status)
	}
	var st reactionStats
	return &st, json.NewDecoder(resp.Body).Decode(&st)
}
