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
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/ivr/desk"
	"github.com/huehotline/hotline/ivr/followup"
	"github.com/huehotline/hotline/ivr/studio"
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
	recordings := fs.String("recordings", env("HOTLINE_RECORDINGS", ""), "folder for voice messages (HOTLINE_RECORDINGS; default: recordings beside the database)")
	spool := fs.String("spool", env("HOTLINE_SPOOL", ""), "folder for call reports the database cannot take yet (HOTLINE_SPOOL; default: spool beside the database)")
	reports := fs.String("reports", env("HOTLINE_REPORTS", ""), "folder for the frozen daily reports' CSV and PDF files (HOTLINE_REPORTS; default: reports beside the database)")
	trunk := fs.String("trunk", env("HOTLINE_TRUNK", "PJSIP/{number}@carrier"), "how Asterisk dials a citizen, {number} standing for the national number (HOTLINE_TRUNK)")
	agents := fs.String("agents", env("HOTLINE_AGENTS", ""), "phones always on duty without the console, comma-separated, such as PJSIP/agent101, for the sandbox and tests (HOTLINE_AGENTS; agents come on duty by signing in to the console)")
	hours := fs.String("agent-hours", env("HOTLINE_AGENT_HOURS", "mon-sun 00:00-24:00"), "when agents answer, such as \"mon-fri 07:00-21:00; sat,sun 08:00-17:00\" (HOTLINE_AGENT_HOURS)")
	durations := map[string]*string{
		"HOTLINE_QUEUE_MAX_WAIT": fs.String("queue-max-wait", env("HOTLINE_QUEUE_MAX_WAIT", "3m"), "longest wait for an agent before a voice message (HOTLINE_QUEUE_MAX_WAIT)"),
		"HOTLINE_AGENT_RING":     fs.String("agent-ring", env("HOTLINE_AGENT_RING", "20s"), "how long an agent's phone rings (HOTLINE_AGENT_RING)"),
		"HOTLINE_QUEUE_ANNOUNCE": fs.String("queue-announce", env("HOTLINE_QUEUE_ANNOUNCE", "30s"), "how often a waiting caller hears their place (HOTLINE_QUEUE_ANNOUNCE)"),
		"HOTLINE_WRAPUP":         fs.String("wrapup", env("HOTLINE_WRAPUP", "30s"), "an agent's wrap-up after each call, ended early by the agent (HOTLINE_WRAPUP)"),
		"HOTLINE_OFFER_FOR":      fs.String("offer-for", env("HOTLINE_OFFER_FOR", "30s"), "how long a callback offered on an agent's console waits for them (HOTLINE_OFFER_FOR)"),
		"HOTLINE_CALLBACK_RETRY": fs.String("callback-retry", env("HOTLINE_CALLBACK_RETRY", "15m"), "when a callback the citizen did not answer is tried again (HOTLINE_CALLBACK_RETRY)"),
		"HOTLINE_REPORT_GRACE":   fs.String("report-grace", env("HOTLINE_REPORT_GRACE", "30m"), "how long after local midnight a day's report is frozen, for calls still in progress (HOTLINE_REPORT_GRACE)"),
		"HOTLINE_CONSOLE_GRACE":  fs.String("console-grace", env("HOTLINE_CONSOLE_GRACE", "60s"), "how long an agent on duty may have no console page open before going off duty (HOTLINE_CONSOLE_GRACE)"),
		"HOTLINE_FOLLOWUP_RING":  fs.String("followup-ring", env("HOTLINE_FOLLOWUP_RING", "40s"), "how long a citizen's phone rings on an automated follow-up call (HOTLINE_FOLLOWUP_RING)"),
		"HOTLINE_FOLLOWUP_RETRY": fs.String("followup-retry", env("HOTLINE_FOLLOWUP_RETRY", "2m"), "when a follow-up call cut by a network failure or a restart is tried again (HOTLINE_FOLLOWUP_RETRY)"),
		"HOTLINE_FOLLOWUP_EVERY": fs.String("followup-every", env("HOTLINE_FOLLOWUP_EVERY", "10s"), "how often the follow-up calls due are looked for (HOTLINE_FOLLOWUP_EVERY)"),
	}
	purgeAt := fs.String("purge-at", env("HOTLINE_PURGE_AT", "02:30"), "when the nightly retention purge runs, Huế time (HOTLINE_PURGE_AT)")
	followWindow := fs.String("followup-window", env("HOTLINE_FOLLOWUP_WINDOW", "08:00-20:00"), "when citizens in monitoring are called each day, Huế time (HOTLINE_FOLLOWUP_WINDOW)")
	followConcurrent := fs.String("followup-concurrent", env("HOTLINE_FOLLOWUP_CONCURRENT", "4"), "automated follow-up calls up at once; 0 turns them off (HOTLINE_FOLLOWUP_CONCURRENT)")
	followRate := fs.String("followup-rate", env("HOTLINE_FOLLOWUP_RATE", "20"), "automated follow-up calls started per minute at most (HOTLINE_FOLLOWUP_RATE)")
	livePerUser := fs.String("live-per-user", env("HOTLINE_LIVE_PER_USER", "8"), "live streams (console pages) one user may have open at once (HOTLINE_LIVE_PER_USER)")
	backupDir := fs.String("backup-dir", env("HOTLINE_BACKUP_DIR", ""), "folder of the nightly encrypted backups; unset: no nightly backup (HOTLINE_BACKUP_DIR)")
	backupRecipient := fs.String("backup-recipient", env("HOTLINE_BACKUP_RECIPIENT", ""), "age public key(s) the backups are encrypted to (HOTLINE_BACKUP_RECIPIENT)")
	backupAt := fs.String("backup-at", env("HOTLINE_BACKUP_AT", "02:00"), "when the nightly backup is made, Huế time (HOTLINE_BACKUP_AT)")
	backupKeep := fs.String("backup-keep", env("HOTLINE_BACKUP_KEEP", "14"), "nightly backups kept; older ones are removed (HOTLINE_BACKUP_KEEP)")
	flagThreshold := fs.String("access-flag-threshold", env("HOTLINE_ACCESS_FLAG_THRESHOLD", strconv.Itoa(tickets.DefaultFlagThreshold)), "distinct citizens one user may open in a clock hour before the access log flags it on the incident register (HOTLINE_ACCESS_FLAG_THRESHOLD)")
	controller := fs.String("controller", env("HOTLINE_CONTROLLER", defaultController), "the health department that controls the citizens' personal data, as the notice callers hear names it (HOTLINE_CONTROLLER)")
	followAGI := fs.String("followup-agi", env("HOTLINE_FOLLOWUP_AGI", "127.0.0.1:0"), "where Asterisk's FastAGI reaches the hotline for the follow-up questions; port 0 picks a free one, for an Asterisk on this machine (HOTLINE_FOLLOWUP_AGI)")
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
	if *recordings == "" {
		*recordings = filepath.Join(filepath.Dir(*dbPath), "recordings")
	}
	if *reports == "" {
		*reports = filepath.Join(filepath.Dir(*dbPath), "reports")
	}
	if *spool == "" {
		*spool = filepath.Join(filepath.Dir(*dbPath), "spool")
	}
	sched, err := desk.ParseSchedule(*hours)
	if err != nil {
		return settingErrorf("HOTLINE_AGENT_HOURS %q: %v.", *hours, err)
	}
	d := map[string]time.Duration{}
	for name, text := range durations {
		v, err := time.ParseDuration(*text)
		if err != nil || v < time.Second {
			return settingErrorf("%s %q must be a duration of at least 1s, such as 30s or 3m.", name, *text)
		}
		d[name] = v
	}
	if strings.TrimSpace(*controller) == "" {
		return settingErrorf("HOTLINE_CONTROLLER is empty: give the health department that controls the citizens' data, such as %s.", defaultController)
	}
	if !strings.Contains(*trunk, "{number}") || !strings.Contains(*trunk, "/") {
		return settingErrorf("HOTLINE_TRUNK %q must be an Asterisk endpoint with {number} in it, such as PJSIP/{number}@carrier.", *trunk)
	}
	var agentList []string
	for _, a := range strings.Split(*agents, ",") {
		if a = strings.TrimSpace(a); a != "" {
			if !strings.Contains(a, "/") {
				return settingErrorf("HOTLINE_AGENTS entry %q is not an Asterisk endpoint such as PJSIP/agent101.", a)
			}
			agentList = append(agentList, a)
		}
	}
	queue := desk.QueueConfig{Agents: agentList, Hours: sched,
		MaxWait: d["HOTLINE_QUEUE_MAX_WAIT"], Ring: d["HOTLINE_AGENT_RING"], Announce: d["HOTLINE_QUEUE_ANNOUNCE"],
		WrapUp: d["HOTLINE_WRAPUP"], OfferFor: d["HOTLINE_OFFER_FOR"], RetryAfter: d["HOTLINE_CALLBACK_RETRY"]}
	window, err := followup.ParseWindow(*followWindow)
	if err != nil {
		return settingErrorf("HOTLINE_FOLLOWUP_WINDOW %q: %v.", *followWindow, err)
	}
	concurrent, err := strconv.Atoi(*followConcurrent)
	if err != nil || concurrent < 0 || concurrent > 100 {
		return settingErrorf("HOTLINE_FOLLOWUP_CONCURRENT %q must be a number from 0 (off) to 100.", *followConcurrent)
	}
	rate, err := strconv.Atoi(*followRate)
	if err != nil || rate < 1 || rate > 600 {
		return settingErrorf("HOTLINE_FOLLOWUP_RATE %q must be a number of calls a minute from 1 to 600.", *followRate)
	}
	perUser, err := strconv.Atoi(*livePerUser)
	if err != nil || perUser < 1 || perUser > 1000 {
		return settingErrorf("HOTLINE_LIVE_PER_USER %q must be a number of pages from 1 to 1000.", *livePerUser)
	}
	nightly, err := parseNightlyBackup(*backupDir, *backupRecipient, *backupAt, *backupKeep)
	if err != nil {
		return err
	}
	if nightly != nil {
		nightly.folders = backupFolders(*dbPath, *recordings, *reports, *spool)
	}
	threshold, err := strconv.Atoi(*flagThreshold)
	if err != nil || threshold < 1 || threshold > 100000 {
		return settingErrorf("HOTLINE_ACCESS_FLAG_THRESHOLD %q must be a number of citizens from 1 to 100000.", *flagThreshold)
	}
	followUps := followup.Config{Window: window, Concurrent: concurrent, Rate: rate,
		Ring: d["HOTLINE_FOLLOWUP_RING"], Every: d["HOTLINE_FOLLOWUP_EVERY"]}
	if concurrent > 0 {
		if followUps.AGI, err = net.Listen("tcp", *followAGI); err != nil {
			return settingErrorf("HOTLINE_FOLLOWUP_AGI %q: %v.", *followAGI, err)
		}
		defer followUps.AGI.Close()
	}
	purgeClock, err := tickets.ParseClock(*purgeAt)
	if err != nil || purgeClock >= 24*time.Hour {
		return settingErrorf("HOTLINE_PURGE_AT %q must be a time of day such as 02:30.", *purgeAt)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(env("HOTLINE_LOG_LEVEL", "info"))); err != nil {
		return settingErrorf("HOTLINE_LOG_LEVEL %q is not debug, info, warn or error.", os.Getenv("HOTLINE_LOG_LEVEL"))
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A CPU profile of the whole run, for finding where the hotline spends its time
	// under load (go tool pprof bin/hotline FILE).
	if path := os.Getenv("HOTLINE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return settingErrorf("HOTLINE_CPUPROFILE %q cannot be written: %v.", path, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	return serve(ctx, serveConfig{ari: *ariCfg, dbPath: *dbPath, addr: *addr, soundsURL: *soundsURL, log: log,
		recordings: *recordings, spool: *spool, reports: *reports, queue: queue, trunk: *trunk, secureCookie: env("HOTLINE_SECURE_COOKIE", "") == "1",
		consoleGrace: d["HOTLINE_CONSOLE_GRACE"], reportGrace: d["HOTLINE_REPORT_GRACE"], livePerUser: perUser,
		followUps: followUps, followUpRetry: d["HOTLINE_FOLLOWUP_RETRY"], backups: nightly, flagThreshold: threshold, purgeAt: &purgeClock,
		controller: strings.TrimSpace(*controller)})
}

type serveConfig struct {
	ari          ariConfig
	dbPath       string
	addr         string
	soundsURL    string
	log          *slog.Logger
	ready        chan<- string    // receives the console's address once calls are taken (tests)
	recordings   string           // folder of voice messages
	spool        string           // folder of call reports waiting for the database
	reports      string           // folder of the frozen daily reports' files
	reportGrace  time.Duration    // after local midnight, before a day is frozen
	trunk        string           // how Asterisk dials a citizen
	queue        desk.QueueConfig // the agent queue
	secureCookie bool             // the console is reached over TLS
	consoleGrace time.Duration    // an agent on duty without a console page is taken off after it
	livePerUser  int              // live streams one user may have open at once
	// followUps sets the automated follow-up calls (Concurrent 0: none); followUpRetry
	// is when one cut by a network failure or a restart is tried again.
	followUps     followup.Config
	followUpRetry time.Duration
	backups       *nightlyBackup // the nightly backup; nil: none
	flagThreshold int            // distinct citizens one user may open in an hour before a flag
	purgeAt       *time.Duration // when the nightly retention purge runs, after local midnight; nil: not at all (tests)
	// controller is the health department that controls the citizens' data: the notice
	// callers hear must name it (checkNotice).
	controller string
}

// serve runs the hotline until ctx ends, then drains calls and closes the database.
func serve(ctx context.Context, cfg serveConfig) error {
	log := cfg.log
	use, err := takeDatabase(cfg.dbPath, "serve")
	if err != nil {
		return err
	}
	defer use.Close()
	store, err := openStore(ctx, cfg.dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	store.FlagThreshold = cfg.flagThreshold
	if n, err := store.CloseOpenCalls(ctx, tickets.OutcomeInterrupted); err != nil {
		return fmt.Errorf("close calls left open: %w", err)
	} else if n > 0 {
		log.Warn("closed call records left open by the last run", "calls", n)
	}
	// Follow-up calls the last run left in progress are over; they are tried again.
	if n, err := store.InterruptFollowUpCalls(ctx); err != nil {
		return fmt.Errorf("close follow-up calls left open: %w", err)
	} else if n > 0 {
		log.Warn("follow-up calls interrupted by the last run's end; they will be tried again", "calls", n)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return settingErrorf("HOTLINE_ADDR %q cannot be listened on: %v.", cfg.addr, err)
	}
	if err := os.MkdirAll(cfg.recordings, 0o750); err != nil {
		return settingErrorf("HOTLINE_RECORDINGS %q cannot be created: %v.", cfg.recordings, err)
	}
	store.Recordings = cfg.recordings // a deletion request erases the person's files there
	// Sessions are not worth a sync to disk at each request: a power cut signs people
	// out at worst.
	sessions, err := openStore(ctx, cfg.dbPath, tickets.Relaxed())
	if err != nil {
		return err
	}
	defer sessions.Close()
	// Calls' progress, agents' states and the queue log may lose their last second on a
	// power cut (not on a crash): their commits do not wait for the disk, which keeps
	// them from slowing the tickets' own.
	progressStore, err := openStore(ctx, cfg.dbPath, tickets.BusyTimeout(2*time.Second), tickets.Relaxed())
	if err != nil {
		return err
	}
	defer progressStore.Close()
	qcfg := cfg.queue
	qcfg.Store, qcfg.Log = progressStore, log
	queue := desk.NewQueue(qcfg)
	defer queue.Close()
	if err := queue.Restore(ctx); err != nil {
		return fmt.Errorf("restore the agents' desk: %w", err)
	}
	var running atomic.Pointer[ivr.App] // set below, once Asterisk answers
	var runningCallbacks atomic.Pointer[desk.Callbacks]
	var followUpDialer atomic.Pointer[followup.Dialer]
	var runningStudio atomic.Pointer[studio.Studio]
	site := web.New(web.Config{Store: store, Sounds: sounds.FS(), Log: log, Recordings: cfg.recordings,
		Sessions: sessions.DB(), SecureCookie: cfg.secureCookie, Callbacks: callbacks{&runningCallbacks}, FollowUps: followUpKick{&followUpDialer},
		Debug: debugHandler(&running), Desk: queue, ConsoleGrace: cfg.consoleGrace, LiveStreamsPerUser: cfg.livePerUser, Health: store,
		Announcer: promptsKick{&running}, Studio: phoneStudio{&runningStudio}})
	liveCtx, stopLive := context.WithCancel(context.Background())
	defer stopLive()
	go site.RunLive(liveCtx)
	go queue.Run(liveCtx)
	mux := http.NewServeMux()
	mux.Handle("/", site.Handler())
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	httpSrv.RegisterOnShutdown(site.CloseLive)
	httpErr := make(chan error, 1)
	go func() { httpErr <- httpSrv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		httpSrv.Shutdown(sctx)
	}()

	rest := asterisk.NewREST(cfg.ari.URL, cfg.ari.Username, cfg.ari.Password, 5*time.Second)
	if err := checkARI(ctx, rest, cfg.ari); err != nil {
		return err
	}
	// Settings are good: the console gets its first user if it has none.
	if err := firstAdmin(ctx, store, os.Stdout); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.spool, 0o700); err != nil {
		return settingErrorf("HOTLINE_SPOOL %q cannot be created: %v.", cfg.spool, err)
	}
	if err := os.MkdirAll(cfg.reports, 0o700); err != nil {
		return settingErrorf("HOTLINE_REPORTS %q cannot be created: %v.", cfg.reports, err)
	}
	// The IVR's own handle on the database gives up on a lock within seconds, so that a
	// caller's report goes to the spool rather than the caller waiting in silence.
	ivrStore, err := openStore(ctx, cfg.dbPath, tickets.BusyTimeout(2*time.Second))
	if err != nil {
		return err
	}
	defer ivrStore.Close()
	ivrStore.CallPolicy.RetrySoon = cfg.followUpRetry
	progressStore.CallPolicy.RetrySoon = cfg.followUpRetry // it ends attempts

	groups, err := store.AreaGroups(ctx)
	if err != nil {
		return fmt.Errorf("area selection: %w", err)
	}
	flow := ivr.HotlineFlow(groups)
	if err := flow.Validate(sounds.Languages, sounds.Has); err != nil {
		return fmt.Errorf("call flow: %w", err)
	}
	checkNotice(ctx, store, cfg.controller, store.Now(), log)
	events := make(chan asterisk.StreamItem, 1024)
	stream := &asterisk.EventStream{URL: cfg.ari.WSURL, Application: cfg.ari.Application, Username: cfg.ari.Username,
		Password: cfg.ari.Password, REST: rest, Filter: ivr.HandledEvents(), Log: log}
	streamCtx, stopStream := context.WithCancel(context.Background())
	defer stopStream()
	go stream.Run(streamCtx, events)
	app := ivr.NewApp(ivr.Config{
		Application:    cfg.ari.Application,
		Events:         events,
		REST:           rest,
		Store:          ivrStore,
		Progress:       progressStore,
		Flow:           flow,
		SoundsURL:      cfg.soundsURL,
		Log:            log,
		PromptDuration: sounds.Duration,
		Recordings:     cfg.recordings,
		Spool:          &ivr.Spool{Dir: cfg.spool},
		Desk:           queue,
		Prompts:        ivrStore,
	})
	// The desk's callbacks dial through the application's legs, and ask Asterisk whether
	// an agent's phone can be rung.
	cbs := desk.NewCallbacks(desk.CallbackConfig{Queue: queue, Lines: app, REST: rest, Store: ivrStore,
		Application: cfg.ari.Application, Trunk: cfg.trunk, Log: log})
	appErr := make(chan error, 1)
	appCtx, stopApp := context.WithCancel(context.Background())
	defer stopApp()
	go func() { appErr <- app.Run(appCtx) }()
	select {
	case <-app.Ready():
	case err := <-appErr:
		return err
	case <-time.After(15 * time.Second):
		return settingErrorf("ARI_WSURL %s: the event WebSocket did not open within 15 s.", cfg.ari.WSURL)
	case <-ctx.Done():
		stopApp()
		<-appErr
		return nil
	}
	running.Store(app)
	runningCallbacks.Store(cbs)
	runningStudio.Store(studio.New(studio.Config{Lines: app, REST: rest, Store: ivrStore, Application: cfg.ari.Application, Log: log}))
	log.Info("hotline serving", "console", "http://"+ln.Addr().String(), "ari", cfg.ari.URL, "application", cfg.ari.Application)
	if cfg.ready != nil {
		cfg.ready <- ln.Addr().String()
	}
	go sweepFollowUps(streamCtx, store, log)
	if cfg.followUps.Concurrent > 0 {
		fcfg := cfg.followUps
		fcfg.Store, fcfg.Progress = ivrStore, progressStore
		fcfg.REST, fcfg.Application, fcfg.Trunk, fcfg.Log = rest, cfg.ari.Application, cfg.trunk, log
		dialer := followup.NewDialer(app, fcfg)
		followUpDialer.Store(dialer)
		go dialer.Run(ctx) // stops on the signal, before the calls in progress drain
	}
	go freezeReports(streamCtx, store, cfg.reports, cfg.reportGrace, log)
	if cfg.backups != nil {
		go backupNightly(streamCtx, store, *cfg.backups, log)
	}
	if cfg.purgeAt != nil {
		go purgeNightly(streamCtx, store, *cfg.purgeAt, cfg.recordings, cfg.spool, log)
	}
	select {
	case <-ctx.Done():
		stopApp() // drains calls in progress, then returns
		err := <-appErr
		stopStream()
		if errors.Is(err, asterisk.ErrReplaced) {
			return settingErrorf("ARI_APPLICATION %q was taken over by another program connected to Asterisk.", cfg.ari.Application)
		}
		return err
	case err := <-appErr:
		if errors.Is(err, asterisk.ErrReplaced) {
			return settingErrorf("ARI_APPLICATION %q was taken over by another program connected to Asterisk (another hotline?); this one stopped.", cfg.ari.Application)
		}
		return err
	case err := <-httpErr:
		return fmt.Errorf("console server: %w", err)
	}
}

// promptsKick tells the IVR, once it runs, that a supervisor changed what callers hear.
type promptsKick struct {
	app *atomic.Pointer[ivr.App]
}

func (k promptsKick) PromptsChanged() {
	if a := k.app.Load(); a != nil {
		a.PromptsChanged()
	}
}

// phoneStudio rings a supervisor's phone to record a prompt, once the IVR runs.
type phoneStudio struct {
	s *atomic.Pointer[studio.Studio]
}

func (p phoneStudio) RecordByPhone(ctx context.Context, actor tickets.Actor, phone, prompt, lang, text, note string) error {
	st := p.s.Load()
	if st == nil {
		return tickets.Errorf(tickets.ECONFLICT, "Tổng đài chưa kết nối với Asterisk; chưa ghi âm qua điện thoại được.")
	}
	return st.RecordByPhone(ctx, actor, phone, prompt, lang, text, note)
}

// followUpKick tells the follow-up dialer, once it runs, that a call was asked for now.
type followUpKick struct {
	d *atomic.Pointer[followup.Dialer]
}

func (k followUpKick) Kick() {
	if d := k.d.Load(); d != nil {
		d.Kick()
	}
}

// sweepFollowUps applies the missed-follow-up rule (three missed days make a case lost)
// at start and every hour, for the days that pass with nobody recording a result.
func sweepFollowUps(ctx context.Context, store *tickets.Store, log *slog.Logger) {
	for {
		n, err := store.EscalateMissedFollowUps(ctx)
		switch {
		case err != nil:
			log.Error("sweep missed follow-ups", "err", err)
		case n > 0:
			log.Warn("cases lost to follow-up after missed days", "cases", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// checkARI asks Asterisk for a ping, turning the usual failures into one sentence that
// names the setting to fix.
func checkARI(ctx context.Context, rest *asterisk.REST, c ariConfig) error {
	err := rest.Ping(ctx)
	var se *asterisk.StatusError
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
