package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/sounds"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	ariCfg := ariFlags(fs, "hotline")
	dbPath := fs.String("db", env("HOTLINE_DB", "./data/hotline.db"), "SQLite database file (HOTLINE_DB)")
	addr := fs.String("addr", env("HOTLINE_ADDR", "127.0.0.1:8080"), "console and prompt server address (HOTLINE_ADDR)")
	soundsURL := fs.String("sounds-url", env("HOTLINE_SOUNDS_URL", ""), "URL Asterisk fetches prompts from (HOTLINE_SOUNDS_URL; default from HOTLINE_ADDR)")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	if err := ariCfg.check(); err != nil {
		return err
	}
	if err := checkAddr(*addr); err != nil {
		return err
	}
	if *soundsURL == "" {
		*soundsURL = soundsURLFor(*addr)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, serveConfig{ari: *ariCfg, dbPath: *dbPath, addr: *addr, soundsURL: *soundsURL, log: log})
}

type serveConfig struct {
	ari       ariConfig
	dbPath    string
	addr      string
	soundsURL string
	log       *slog.Logger
	ready     chan<- string // receives the console's address once calls are taken (tests)
}

// serve runs the hotline until ctx ends, then drains calls and closes the database.
func serve(ctx context.Context, cfg serveConfig) error {
	log := cfg.log
	store, err := openStore(ctx, cfg.dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	if n, err := store.CloseOpenCalls(ctx, tickets.OutcomeInterrupted); err != nil {
		return fmt.Errorf("close calls left open: %w", err)
	} else if n > 0 {
		log.Warn("closed call records left open by the last run", "calls", n)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return settingErrorf("HOTLINE_ADDR %q cannot be listened on: %v.", cfg.addr, err)
	}
	site := &web.Server{Store: store, Sounds: sounds.FS(), Log: log}
	mux := http.NewServeMux()
	mux.Handle("/", site.Handler())
	var app *ivr.App // set below, once Asterisk answers
	mux.HandleFunc("GET /debug/ivr/reactions", func(w http.ResponseWriter, r *http.Request) {
		if app == nil {
			http.Error(w, "the IVR is not running yet", http.StatusServiceUnavailable)
			return
		}
		writeReactions(w, app.Reactions(r.URL.Query().Get("reset") == "1"))
	})
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	httpErr := make(chan error, 1)
	go func() { httpErr <- httpSrv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		httpSrv.Shutdown(sctx)
	}()

	rest := ivr.NewREST(cfg.ari.URL, cfg.ari.Username, cfg.ari.Password, 5*time.Second)
	if err := checkARI(ctx, rest, cfg.ari); err != nil {
		return err
	}
	client, err := connectARI(ctx, cfg.ari)
	if err != nil {
		return err
	}
	defer client.Close()

	groups, err := store.AreaGroups(ctx)
	if err != nil {
		return fmt.Errorf("area selection: %w", err)
	}
	flow := ivr.HotlineFlow(groups)
	if err := flow.Validate(sounds.Languages, sounds.Has); err != nil {
		return fmt.Errorf("call flow: %w", err)
	}
	app = ivr.NewApp(ivr.Config{
		Application:    cfg.ari.Application,
		Events:         client.Bus(),
		REST:           rest,
		Store:          store,
		Flow:           flow,
		SoundsURL:      cfg.soundsURL,
		Log:            log,
		Connected:      client.Connected,
		PromptDuration: sounds.Duration,
	})
	log.Info("hotline serving", "console", "http://"+ln.Addr().String(), "ari", cfg.ari.URL, "application", cfg.ari.Application)
	if cfg.ready != nil {
		cfg.ready <- ln.Addr().String()
	}
	appErr := make(chan error, 1)
	go func() { appErr <- app.Run(ctx) }()
	select {
	case err := <-appErr:
		return err
	case err := <-httpErr:
		return fmt.Errorf("console server: %w", err)
	}
}

// checkARI asks Asterisk for a ping, turning the usual failures into one sentence that
// names the setting to fix.
func checkARI(ctx context.Context, rest *ivr.REST, c ariConfig) error {
	err := rest.Ping(ctx)
	var se *ivr.StatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Status == http.StatusUnauthorized:
		return settingErrorf("ARI_USERNAME %q or ARI_PASSWORD was refused by Asterisk at %s.", c.Username, c.URL)
	case errors.As(err, &se) && se.Status == http.StatusNotFound:
		return settingErrorf("ARI_URL %s answers but is not ARI (no /asterisk/ping there).", c.URL)
	default:
		return settingErrorf("ARI_URL %s does not answer: is Asterisk running with ARI enabled? (%v)", c.URL, err)
	}
}

// connectARI opens the event WebSocket, with TCP keep-alive (ivr.EventsConfig) and
// within a time limit: the library's own Connect would wait forever for an Asterisk that
// does not answer.
func connectARI(ctx context.Context, c ariConfig) (ari.Client, error) {
	wsCfg, err := ivr.EventsConfig(c.WSURL, c.Application, c.Username, c.Password)
	if err != nil {
		return nil, settingErrorf("ARI_WSURL %q: %v", c.WSURL, err)
	}
	client := native.New(&native.Options{
		Application:  c.Application,
		URL:          c.URL,
		WebsocketURL: c.WSURL,
		Username:     c.Username,
		Password:     c.Password,
	})
	client.WSConfig = wsCfg
	done := make(chan error, 1)
	go func() { done <- client.Connect() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, settingErrorf("ARI_WSURL %s: the event WebSocket could not be opened: %v", c.WSURL, err)
		}
		return client, nil
	case <-time.After(15 * time.Second):
		return nil, settingErrorf("ARI_WSURL %s: the event WebSocket did not open within 15 s.", c.WSURL)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
