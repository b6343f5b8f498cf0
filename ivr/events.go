package ivr

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"time"

	"golang.org/x/net/websocket"
)

// EventsConfig returns the configuration of ARI's event WebSocket for an application,
// for the ari client's WSConfig. The pinned ari library (v5.3.1) dials with no
// keep-alive, so a connection that dies without a close (a cable, a NAT, a frozen
// host) goes unnoticed and calls wait for events that never come. Here TCP keep-alive
// probes every few seconds make the kernel report such a connection dead within about
// 15 s; the library then reconnects, and the IVR's watchdog drops and recovers calls.
func EventsConfig(wsURL, app, username, password string) (*websocket.Config, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, fmt.Errorf("events URL %q: %w", wsURL, err)
	}
	q := u.Query()
	q.Set("app", app)
	u.RawQuery = q.Encode()
	cfg, err := websocket.NewConfig(u.String(), "http://localhost/")
	if err != nil {
		return nil, fmt.Errorf("events URL %q: %w", wsURL, err)
	}
	cfg.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(username+":"+password)))
	cfg.Dialer = &net.Dialer{
		Timeout: 5 * time.Second,
		KeepAliveConfig: net.KeepAliveConfig{
			Enable:   true,
			Idle:     5 * time.Second,
			Interval: 3 * time.Second,
			Count:    3,
		},
	}
	return cfg, nil
}
