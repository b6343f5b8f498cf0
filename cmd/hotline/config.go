package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// ariConfig is how the hotline reaches Asterisk, from the variables the ari library reads.
type ariConfig struct {
	URL, WSURL, Username, Password, Application string
}

// env returns an environment variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// settingError is a start-up problem stated as one sentence that names the setting.
type settingError struct{ msg string }

func (e *settingError) Error() string { return e.msg }

func settingErrorf(format string, args ...any) error {
	return &settingError{fmt.Sprintf(format, args...)}
}

// ariFlags registers the ARI settings on fs, with the environment as defaults. The
// password's default is not the environment's value, which -h would print: check takes
// ARI_PASSWORD when the flag is not given.
func ariFlags(fs *flag.FlagSet, defaultApp string) *ariConfig {
	c := &ariConfig{}
	fs.StringVar(&c.URL, "ari-url", env("ARI_URL", "http://127.0.0.1:8088/ari"), "Asterisk ARI base URL (ARI_URL)")
	fs.StringVar(&c.WSURL, "ari-wsurl", env("ARI_WSURL", ""), "ARI events WebSocket URL (ARI_WSURL; default from ARI_URL)")
	fs.StringVar(&c.Username, "ari-username", env("ARI_USERNAME", ""), "ARI user (ARI_USERNAME)")
	fs.StringVar(&c.Password, "ari-password", "", "ARI password (ARI_PASSWORD; never shown)")
	fs.StringVar(&c.Application, "ari-application", env("ARI_APPLICATION", defaultApp), "Stasis application name (ARI_APPLICATION)")
	return c
}

// check validates the ARI settings and fills the WebSocket URL and, from ARI_PASSWORD,
// the password.
func (c *ariConfig) check() error {
	if c.Password == "" {
		c.Password = env("ARI_PASSWORD", "")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return settingErrorf("ARI_URL %q is not an http:// or https:// URL such as http://127.0.0.1:8088/ari.", c.URL)
	}
	if c.WSURL == "" {
		ws := *u
		ws.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
		ws.Path = strings.TrimSuffix(ws.Path, "/") + "/events"
		c.WSURL = ws.String()
	}
	w, err := url.Parse(c.WSURL)
	if err != nil || (w.Scheme != "ws" && w.Scheme != "wss") || w.Host == "" {
		return settingErrorf("ARI_WSURL %q is not a ws:// or wss:// URL such as ws://127.0.0.1:8088/ari/events.", c.WSURL)
	}
	if c.Username == "" {
		return settingErrorf("ARI_USERNAME is not set: give the ARI user from Asterisk's ari.conf.")
	}
	if c.Password == "" {
		return settingErrorf("ARI_PASSWORD is not set: give the password of ARI user %q.", c.Username)
	}
	if c.Application == "" {
		return settingErrorf("ARI_APPLICATION is empty: give the Stasis application name the dialplan uses.")
	}
	return nil
}

// checkAddr validates a listen address (HOTLINE_ADDR).
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return settingErrorf("HOTLINE_ADDR %q is not a host:port address such as 127.0.0.1:8080.", addr)
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		return settingErrorf("HOTLINE_ADDR %q must name an IP address or localhost.", addr)
	}
	return nil
}

// soundsURLFor is where Asterisk fetches prompts when the console listens on addr.
func soundsURLFor(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/sounds"
}
