// Package web serves the call-centre console and the prompts Asterisk plays.
package web

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"github.com/huehotline/hotline/tickets"
)

//go:embed static
var static embed.FS

// Store is what the console needs from the domain's store.
type Store interface {
	SignIn(ctx context.Context, username, password string) (*tickets.LoginResult, error)
	FindUser(ctx context.Context, id int64) (*tickets.User, error)
	ChangePassword(ctx context.Context, actor tickets.Actor, current, password string) (int64, error)
	ListUsers(ctx context.Context, actor tickets.Actor) ([]*tickets.User, error)
	People(ctx context.Context, actor tickets.Actor) (map[int64]*tickets.Person, error)
	CreateUser(ctx context.Context, actor tickets.Actor, u *tickets.User, password string) error
	UpdateUser(ctx context.Context, actor tickets.Actor, id int64, e tickets.UserEdit) (bool, error)
	ResetPassword(ctx context.Context, actor tickets.Actor, id int64, password string) (bool, error)
	PendingUserChanges(ctx context.Context, actor tickets.Actor) ([]*tickets.UserChange, error)
	ConfirmUserChange(ctx context.Context, actor tickets.Actor, id int64) (*tickets.SignInCode, error)
	RefuseUserChange(ctx context.Context, actor tickets.Actor, id int64) error
	UserAudit(ctx context.Context, actor tickets.Actor, limit int) ([]*tickets.UserEvent, error)
	RetentionPeriods(ctx context.Context, actor tickets.Actor) ([]*tickets.RetentionPeriod, error)
	SetRetentionPeriods(ctx context.Context, actor tickets.Actor, days map[string]int) error
	PurgeRuns(ctx context.Context, actor tickets.Actor, limit int) ([]*tickets.PurgeRun, error)
	ListUnits(ctx context.Context, includeRetired bool) ([]*tickets.Unit, error)
	AddUnit(ctx context.Context, actor tickets.Actor, u *tickets.Unit) error
	RetireUnit(ctx context.Context, actor tickets.Actor, code string) error

	ListTickets(ctx context.Context, actor tickets.Actor, f tickets.TicketFilter) (*tickets.TicketPage, error)
	FindTicketByRef(ctx context.Context, actor tickets.Actor, ref string) (*tickets.Ticket, error)
	FindTicketsByRef(ctx context.Context, actor tickets.Actor, refs []string) (map[string]*tickets.Ticket, error)
	GetTicket(ctx context.Context, actor tickets.Actor, id int64) (*tickets.Ticket, error)
	TicketEvents(ctx context.Context, actor tickets.Actor, id int64) ([]*tickets.Event, error)
	TicketRecordings(ctx context.Context, actor tickets.Actor, ticketID int64) ([]*tickets.Recording, error)
	TicketCallPrompts(ctx context.Context, actor tickets.Actor, ticketID int64) ([]*tickets.CallPrompt, error)
	CallerHistory(ctx context.Context, actor tickets.Actor, phone string, limit int) (*tickets.CallerHistory, error)
	TransitionTicket(ctx context.Context, actor tickets.Actor, id int64, to, note string) error
	AssignTicket(ctx context.Context, actor tickets.Actor, id int64, userID *int64, unitCode *string, note string) error
	EditTicket(ctx context.Context, actor tickets.Actor, id int64, e tickets.TicketEdit, note string) error
	AddTicketNote(ctx context.Context, actor tickets.Actor, id int64, note string) error
	MergeTickets(ctx context.Context, actor tickets.Actor, duplicateID, survivorID int64, note string) error
	ReopenTicket(ctx context.Context, actor tickets.Actor, id int64, reason string) error
	GetRecording(ctx context.Context, actor tickets.Actor, id int64) (*tickets.Recording, error)
	RecordingsOf(ctx context.Context, actor tickets.Actor, ticketIDs []int64) (map[int64][]*tickets.Recording, error)
	ListCalls(ctx context.Context, actor tickets.Actor, f tickets.CallFilter) ([]*tickets.Call, error)

	CreateCase(ctx context.Context, actor tickets.Actor, c *tickets.Case, fromTicketID *int64) error
	LinkTicketToCase(ctx context.Context, actor tickets.Actor, ticketID, caseID int64, note string) error
	FindCaseByRef(ctx context.Context, actor tickets.Actor, ref string) (*tickets.Case, error)
	GetCase(ctx context.Context, actor tickets.Actor, id int64) (*tickets.Case, error)
	FindCases(ctx context.Context, actor tickets.Actor, f tickets.CaseFilter) ([]*tickets.Case, error)
	CaseEvents(ctx context.Context, actor tickets.Actor, id int64) ([]*tickets.Event, error)
	FollowUps(ctx context.Context, actor tickets.Actor, caseID int64) ([]*tickets.FollowUp, error)
	FollowUpCallsOf(ctx context.Context, actor tickets.Actor, caseID int64) ([]*tickets.FollowUpCall, error)
	SetAutoCalls(ctx context.Context, actor tickets.Actor, caseID int64, state, note string) error
	RequestFollowUpCall(ctx context.Context, actor tickets.Actor, caseID int64) error
	SetCaseStatus(ctx context.Context, actor tickets.Actor, id int64, to, note string) error
	AddCaseNote(ctx context.Context, actor tickets.Actor, id int64, note string) error
	RecordFollowUp(ctx context.Context, actor tickets.Actor, followUpID int64, result, method string, answers tickets.Answers, note string) error
	CorrectFollowUp(ctx context.Context, actor tickets.Actor, followUpID int64, result, method, reason string) error
	UnitBoard(ctx context.Context, actor tickets.Actor, unitCode, day string) (*tickets.Board, error)

	AddPromptVersion(ctx context.Context, actor tickets.Actor, v *tickets.PromptVersion, wav []byte) error
	PromptVersions(ctx context.Context, actor tickets.Actor, prompt string) ([]*tickets.PromptVersion, error)
	PromptVersion(ctx context.Context, id int64) (*tickets.PromptVersion, error)
	PromptAudio(ctx context.Context, versionID int64) ([]byte, error)
	GoLive(ctx context.Context, actor tickets.Actor, g tickets.GoLive) (*tickets.PromptLive, error)
	EndLive(ctx context.Context, actor tickets.Actor, id int64, note string) error
	PromptSchedule(ctx context.Context, actor tickets.Actor, prompt string) ([]*tickets.PromptLive, error)
	PromptsLiveNow(ctx context.Context, actor tickets.Actor) (map[string]*tickets.PromptLive, error)
	PromptEvents(ctx context.Context, actor tickets.Actor, prompt string, limit int) ([]*tickets.Event, error)

	Articles(ctx context.Context, actor tickets.Actor) ([]*tickets.Article, error)
	Article(ctx context.Context, actor tickets.Actor, slug string) (*tickets.Article, []*tickets.ArticleVersion, error)
	AddArticle(ctx context.Context, actor tickets.Actor, n tickets.NewArticleVersion) (*tickets.Article, error)
	AddArticleVersion(ctx context.Context, actor tickets.Actor, slug string, n tickets.NewArticleVersion) (*tickets.ArticleVersion, error)
	SearchArticles(ctx context.Context, actor tickets.Actor, q string) ([]*tickets.ArticleVersion, error)
	ArticlesForTicket(ctx context.Context, actor tickets.Actor, tk *tickets.Ticket) (*tickets.TicketArticles, error)
	PublishPromptVersion(ctx context.Context, actor tickets.Actor, p tickets.PublishPrompt) (*tickets.ArticleVersion, error)
	PromptPublications(ctx context.Context, actor tickets.Actor, prompt string) (map[int64][]*tickets.ArticleVersion, error)
	SavedReplies(ctx context.Context, actor tickets.Actor) ([]*tickets.SavedReply, error)
	SavedReply(ctx context.Context, actor tickets.Actor, id int64) (*tickets.SavedReply, error)
	AddSavedReply(ctx context.Context, actor tickets.Actor, r *tickets.SavedReply) error
	EditSavedReply(ctx context.Context, actor tickets.Actor, id int64, title, body string) error
	RetireSavedReply(ctx context.Context, actor tickets.Actor, id int64) error

	LogAccess(ctx context.Context, actor tickets.Actor, a *tickets.Access) error
	LogRecordingPlay(ctx context.Context, actor tickets.Actor, recordingID int64, remoteAddr string) (*tickets.Access, error)
	LogAccesses(ctx context.Context, actor tickets.Actor, list []*tickets.Access) error
	ListAccess(ctx context.Context, actor tickets.Actor, f tickets.AccessFilter) ([]*tickets.Access, error)

	CreateIncident(ctx context.Context, actor tickets.Actor, n tickets.NewIncident) (*tickets.Incident, error)
	Incident(ctx context.Context, actor tickets.Actor, id int64) (*tickets.Incident, error)
	Incidents(ctx context.Context, actor tickets.Actor) ([]*tickets.Incident, error)
	IncidentEvents(ctx context.Context, actor tickets.Actor, id int64) ([]*tickets.Event, error)
	AddIncidentMinute(ctx context.Context, actor tickets.Actor, id int64, note string) error
	EditIncident(ctx context.Context, actor tickets.Actor, id int64, e tickets.IncidentEdit) error
	RecordNotification(ctx context.Context, actor tickets.Actor, id int64, at time.Time, how string) error
	RecordNoNotification(ctx context.Context, actor tickets.Actor, id int64, reason string) error
	CloseIncident(ctx context.Context, actor tickets.Actor, id int64, note string) error
	ScanAccessLog(ctx context.Context) (int, error)
	AccessFlags(ctx context.Context, actor tickets.Actor) ([]*tickets.AccessFlag, error)
	DismissAccessFlag(ctx context.Context, actor tickets.Actor, id int64, reason string) error
	IncidentFromFlag(ctx context.Context, actor tickets.Actor, id int64) (*tickets.Incident, error)

	SetCallDisposition(ctx context.Context, actor tickets.Actor, callID, disposition string) error
	ResolveMissedCalls(ctx context.Context, actor tickets.Actor, ids []int64, note string) (int, error)
	QueueStats(ctx context.Context, day string) (*tickets.QueueStats, error)
	DailyReport(ctx context.Context, actor tickets.Actor, day string) (*tickets.DayReport, error)
	UnitDailyReport(ctx context.Context, actor tickets.Actor, day, unit string) (*tickets.UnitReport, error)
	FrozenDay(ctx context.Context, day string) (*tickets.Snapshot, error)
	PeriodReport(ctx context.Context, actor tickets.Actor, from, to string) (*tickets.DayReport, error)
	CallsByDay(ctx context.Context, actor tickets.Actor, from, to string) ([]*tickets.DayCount, error)
	TicketsByDay(ctx context.Context, actor tickets.Actor, from, to string) ([]*tickets.DayCount, error)
	// The desk of data-subject requests, and the admin's holiday calendar it counts on.
	ListHolidays(ctx context.Context) ([]*tickets.Holiday, error)
	AddHoliday(ctx context.Context, actor tickets.Actor, day, name string) (*tickets.Holiday, error)
	RemoveHoliday(ctx context.Context, actor tickets.Actor, day string) error
	RegisterDataRequest(ctx context.Context, actor tickets.Actor, r *tickets.DataRequest) error
	GetDataRequest(ctx context.Context, actor tickets.Actor, id int64) (*tickets.DataRequest, error)
	ConsentWithdrawn(ctx context.Context, number string) (bool, error)
	CorrectCase(ctx context.Context, actor tickets.Actor, requestID, caseID int64, e tickets.CaseCorrection, note string) error
	RequestRecords(ctx context.Context, actor tickets.Actor, requestID int64) (tks, cases []*tickets.RecordRef, err error)
	ListDataRequests(ctx context.Context, actor tickets.Actor) ([]*tickets.DataRequest, error)
	DataRequestsDue(ctx context.Context, actor tickets.Actor) (overdue, near int, err error)
	VerifyDataRequest(ctx context.Context, actor tickets.Actor, id int64, method, document string) error
	AnswerDataRequest(ctx context.Context, actor tickets.Actor, id int64, note string) error
	ExtendDataRequest(ctx context.Context, actor tickets.Actor, id int64, reason string) error
	RefuseDataRequest(ctx context.Context, actor tickets.Actor, id int64, reason string) error
	CompleteDataRequest(ctx context.Context, actor tickets.Actor, id int64, outcome, keepReason string) error
	DataProtectionOfficers(ctx context.Context) ([]*tickets.Person, error)
	ExportPerson(ctx context.Context, actor tickets.Actor, requestID int64, remoteAddr string) (*tickets.PersonExport, error)
	ErasePerson(ctx context.Context, actor tickets.Actor, requestID int64) (*tickets.Erased, error)
}

// HealthCheck says whether the hotline can keep what it is given: the store's
// CheckWritable (a write committed, and the process's hold on the database files intact).
type HealthCheck interface {
	CheckWritable(ctx context.Context) error
}

// Callbacks starts a call back to a citizen: the agent's phone first, then the citizen's
// number. It returns the outbound call's ID; the result goes on the ticket.
type Callbacks interface {
	CallBack(ctx context.Context, r CallbackRequest) (string, error)
}

// CallbackRequest is a call back about a ticket, asked by a signed-in agent.
type CallbackRequest struct {
	TicketID int64
	Agent    string // the agent's phone, as Asterisk dials it
	Number   string // E.164
	Lang     string
	Actor    tickets.Actor
	// TicketRef is the ticket's reference, for the agent's desk.
	TicketRef string
}

// Config sets up the console.
type Config struct {
	Store  Store
	Sounds fs.FS // prompts laid out LANG/ID.wav, served to Asterisk without sign-in
	Log    *slog.Logger
	// Recordings is the folder voice messages are kept in (tickets.Recording.Path is
	// relative to it).
	Recordings string
	// Sessions is the database sessions are kept in (the sessions table).
	Sessions *sql.DB
	// SecureCookie marks the session cookie Secure: set it when the console is reached
	// over TLS (a proxy in front of it).
	SecureCookie bool
	// Callbacks, if set, lets agents call citizens back from a ticket.
	Callbacks Callbacks
	// FollowUps, if set, is told when an automated follow-up call is asked for now.
	FollowUps interface{ Kick() }
	// Desk, if set, is the agents' desk: agents come on duty from the console, and pages
	// show the queue, the desk and who else has a ticket open, live (RunLive sends it).
	Desk Desk
	// ConsoleGrace is how long an agent on duty may have no console page open before
	// they are taken off duty; default 60 s.
	ConsoleGrace time.Duration
	// LiveCheck is how often the live streams are checked against their users as the
	// database has them (a change made by another hotline or on the shell) and agents on
	// duty without a console page are looked for; default 10 s.
	LiveCheck time.Duration
	// LiveStreamsPerUser caps the live streams (console pages) one user has open at once;
	// default 8. One more is refused with 429 until one of them ends.
	LiveStreamsPerUser int
	// Announcer, if set, is told when a supervisor changes what callers hear.
	Announcer Announcer
	// Studio, if set, lets supervisors record a prompt on their own phone.
	Studio Studio
	// Health, if set, is what /healthz asks: whether the database takes a write now.
	Health HealthCheck
	// Debug, if set, is served to admins under /debug/.
	Debug http.Handler
	// Now is the clock (tests fix it); default time.Now.
	Now func() time.Time
	// SessionIdle and SessionLifetime override how long a session lasts unused (8 h) and
	// at most (12 h).
	SessionIdle, SessionLifetime time.Duration
}

// Server is the console's HTTP handler.
type Server struct {
	cfg      Config
	sessions *scs.SessionManager
	log      *slog.Logger
	units    unitsCache
	hub      *hub // nil without a desk
	shown    deskShown
	healthy  healthCache
	// promptAudio keeps the bytes of the prompts' versions served to Asterisk.
	promptAudio promptAudioCache
}

// Session lifetimes: a shift, and the longest a session lives however active.
const (
	sessionIdle     = 8 * time.Hour
	sessionLifetime = 12 * time.Hour
	maxBody         = 1 << 20 // no form of the console is larger
)

// New returns the console.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sm := scs.New()
	if cfg.Sessions != nil {
		sm.Store = sqlite3store.NewWithCleanupInterval(cfg.Sessions, 10*time.Minute)
	}
	sm.IdleTimeout, sm.Lifetime = sessionIdle, sessionLifetime
	if cfg.SessionIdle > 0 {
		sm.IdleTimeout = cfg.SessionIdle
	}
	if cfg.SessionLifetime > 0 {
		sm.Lifetime = cfg.SessionLifetime
	}
	sm.Cookie.Name = "hotline_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.SecureCookie
	sm.Cookie.Persist = false
	srv := &Server{cfg: cfg, sessions: sm, log: cfg.Log}
	srv.healthy.log = cfg.Log
	sm.ErrorFunc = srv.sessionFailed
	if cfg.Desk != nil {
		srv.hub = newHub(srv)
	}
	return srv
}

// RunLive sends the desk's changes to the console pages connected until ctx ends. It
// does nothing without a desk.
func (s *Server) RunLive(ctx context.Context) {
	if s.hub != nil {
		s.hub.run(ctx)
	}
}

// CloseLive ends the pages' live streams, so that the server can shut down (their
// browsers reconnect to the next one).
func (s *Server) CloseLive() {
	if s.hub != nil {
		s.hub.close()
	}
}

// Handler returns every route of the console, in one place.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// Without a session: the prompts (Asterisk fetches them), health, assets, sign-in.
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /sounds/", http.StripPrefix("/sounds/", s.soundsHandler()))
	mux.HandleFunc("GET /sounds/{version}/{lang}/{file}", s.handlePromptAudio)
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /login", s.handleLoginPage)
	mux.HandleFunc("POST /login", s.handleLogin)

	mux.Handle("POST /logout", s.ownAccount(s.handleLogout))
	mux.Handle("GET /{$}", s.signedIn(s.handleHome))
	mux.Handle("GET /account", s.ownAccount(s.handleAccount))
	mux.Handle("POST /account/password", s.ownAccount(s.handlePasswordChange))

	mux.Handle("GET /tickets", s.health(s.handleTickets))
	mux.Handle("GET /tickets/{ref}", s.health(s.handleTicket))
	mux.Handle("POST /tickets/{ref}/status", s.health(s.handleTicketStatus))
	mux.Handle("POST /tickets/{ref}/assign", s.health(s.handleTicketAssign))
	mux.Handle("POST /tickets/{ref}/edit", s.health(s.handleTicketEdit))
	mux.Handle("POST /tickets/{ref}/notes", s.health(s.handleTicketNote))
	mux.Handle("POST /tickets/{ref}/merge", s.supervisor(s.handleTicketMerge))
	mux.Handle("POST /tickets/{ref}/reopen", s.supervisor(s.handleTicketReopen))
	mux.Handle("POST /tickets/{ref}/case", s.health(s.handleTicketCase))
	mux.Handle("POST /tickets/{ref}/callback", s.callCentre(s.handleTicketCallback))
	mux.Handle("GET /recordings/{id}", s.health(s.handleRecording))

	mux.Handle("GET /cases", s.health(s.handleCases))
	mux.Handle("GET /cases/{ref}", s.health(s.handleCase))
	mux.Handle("POST /cases/{ref}/status", s.health(s.handleCaseStatus))
	mux.Handle("POST /cases/{ref}/notes", s.health(s.handleCaseNote))
	mux.Handle("POST /cases/{ref}/autocalls", s.health(s.handleAutoCalls))
	mux.Handle("POST /cases/{ref}/followups/{id}", s.health(s.handleFollowUp))
	mux.Handle("POST /cases/{ref}/followups/{id}/correct", s.health(s.handleFollowUpCorrect))
	mux.Handle("GET /board", s.health(s.handleBoard))
	mux.Handle("POST /board/followups/{id}", s.health(s.handleBoardFollowUp))

	mux.Handle("GET /access", s.supervisor(s.handleAccessLog))
	mux.Handle("GET /requests", s.dataDesk(s.handleRequests))
	mux.Handle("POST /requests", s.dataDesk(s.handleRequestRegister))
	mux.Handle("GET /requests/{id}", s.dataDesk(s.handleRequest))
	mux.Handle("POST /requests/{id}/verify", s.dataDesk(s.handleRequestVerify))
	mux.Handle("POST /requests/{id}/answer", s.dataDesk(s.handleRequestAnswer))
	mux.Handle("POST /requests/{id}/extend", s.dataDesk(s.handleRequestExtend))
	mux.Handle("POST /requests/{id}/refuse", s.dataDesk(s.handleRequestRefuse))
	mux.Handle("POST /requests/{id}/done", s.dataDesk(s.handleRequestDone))
	mux.Handle("POST /requests/{id}/erase", s.dataDesk(s.handleRequestErase))
	mux.Handle("POST /requests/{id}/cases/{ref}/correct", s.dataDesk(s.handleRequestCaseCorrect))
	mux.Handle("GET /requests/{id}/export.json", s.dataDesk(s.handleRequestExportJSON))
	mux.Handle("GET /requests/{id}/export.pdf", s.dataDesk(s.handleRequestExportPDF))
	mux.Handle("GET /incidents", s.incidents(s.handleIncidents))
	mux.Handle("GET /incidents/new", s.incidents(s.handleIncidentNew))
	mux.Handle("POST /incidents", s.incidents(s.handleIncidentCreate))
	mux.Handle("GET /incidents/{id}", s.incidents(s.handleIncident))
	mux.Handle("GET /incidents/{id}/clock", s.incidents(s.handleIncidentClock))
	mux.Handle("POST /incidents/{id}/minutes", s.incidents(s.handleIncidentMinute))
	mux.Handle("POST /incidents/{id}/edit", s.incidents(s.handleIncidentEdit))
	mux.Handle("POST /incidents/{id}/notified", s.incidents(s.handleIncidentNotified))
	mux.Handle("POST /incidents/{id}/no-notice", s.incidents(s.handleIncidentNoNotice))
	mux.Handle("POST /incidents/{id}/close", s.incidents(s.handleIncidentClose))
	mux.Handle("POST /access-flags/{id}/dismiss", s.incidents(s.handleFlagDismiss))
	mux.Handle("POST /access-flags/{id}/incident", s.incidents(s.handleFlagIncident))
	mux.Handle("GET /announcements", s.supervisor(s.handleAnnouncements))
	mux.Handle("GET /announcements/{prompt}", s.supervisor(s.handlePrompt))
	mux.Handle("POST /announcements/{prompt}/versions", s.supervisor(s.handlePromptVersion))
	mux.Handle("POST /announcements/{prompt}/phone", s.supervisor(s.handlePromptPhone))
	mux.Handle("POST /announcements/{prompt}/live", s.supervisor(s.handlePromptLive))
	mux.Handle("POST /announcements/{prompt}/live/{live}/end", s.supervisor(s.handlePromptEnd))
	mux.Handle("POST /announcements/{prompt}/versions/{version}/guide", s.supervisor(s.handlePromptToGuide))
	mux.Handle("GET /guides", s.guides(s.handleGuides))
	mux.Handle("POST /guides", s.supervisor(s.handleGuideAdd))
	mux.Handle("GET /note-text", s.guides(s.handleGuideText))
	mux.Handle("POST /replies", s.supervisor(s.handleReplyAdd))
	mux.Handle("POST /replies/{id}", s.supervisor(s.handleReplyEdit))
	mux.Handle("POST /replies/{id}/retire", s.supervisor(s.handleReplyRetire))
	mux.Handle("GET /guides/{slug}", s.guides(s.handleGuide))
	mux.Handle("POST /guides/{slug}/versions", s.supervisor(s.handleGuideVersion))
	mux.Handle("GET /reports/daily", s.reports(s.handleReport))
	mux.Handle("GET /reports/daily.csv", s.reports(s.handleReportCSV))
	mux.Handle("GET /reports/daily.pdf", s.reports(s.handleReportPDF))

	mux.Handle("GET /events", s.health(s.handleEvents))
	mux.Handle("GET /wallboard", s.supervisor(s.handleWallboard))
	mux.Handle("POST /desk/start", s.callCentre(s.deskAction(s.handleDeskStart)))
	mux.Handle("POST /desk/stop", s.callCentre(s.deskAction(s.handleDeskStop)))
	mux.Handle("POST /desk/ready", s.callCentre(s.deskAction(s.handleDeskReady)))
	mux.Handle("POST /desk/pause", s.callCentre(s.deskAction(s.handleDeskPause)))
	mux.Handle("POST /desk/disposition", s.callCentre(s.deskAction(s.handleDeskDisposition)))
	mux.Handle("POST /desk/offer", s.callCentre(s.handleDeskOffer))
	mux.Handle("POST /tickets/{ref}/handled", s.callCentre(s.handleTicketHandled))
	mux.Handle("POST /tickets/{ref}/caller", s.callCentre(s.handleTicketCaller))
	mux.Handle("POST /missed/handled", s.callCentre(s.handleMissedHandled))

	mux.Handle("GET /admin/users", s.admin(s.handleUsers))
	mux.Handle("POST /admin/users", s.admin(s.handleUserAdd))
	mux.Handle("POST /admin/users/{id}", s.admin(s.handleUserEdit))
	mux.Handle("POST /admin/users/{id}/password", s.admin(s.handleUserPassword))
	mux.Handle("GET /admin/audit", s.admin(s.handleUserAudit))
	mux.Handle("GET /confirmations", s.confirmers(s.handleConfirmations))
	mux.Handle("POST /confirmations/{id}/confirm", s.confirmers(s.handleConfirm))
	mux.Handle("POST /confirmations/{id}/refuse", s.confirmers(s.handleRefuse))
	mux.Handle("GET /admin/units", s.admin(s.handleUnits))
	mux.Handle("GET /admin/retention", s.admin(s.handleRetention))
	mux.Handle("POST /admin/retention", s.admin(s.handleRetentionSet))
	mux.Handle("POST /admin/units", s.admin(s.handleUnitAdd))
	mux.Handle("POST /admin/units/{code}/retire", s.admin(s.handleUnitRetire))
	mux.Handle("GET /admin/holidays", s.admin(s.handleHolidays))
	mux.Handle("POST /admin/holidays", s.admin(s.handleHolidayAdd))
	mux.Handle("POST /admin/holidays/{day}/remove", s.admin(s.handleHolidayRemove))
	if s.cfg.Debug != nil {
		mux.Handle("/debug/", s.admin(func(w http.ResponseWriter, r *http.Request, _ *viewer) { s.cfg.Debug.ServeHTTP(w, r) }))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusNotFound, "Không tìm thấy trang này.")
	})

	var h http.Handler = mux
	h = s.sessions.LoadAndSave(h)
	h = sessionErrors(h)
	// Every state-changing request from another site is refused (the browser says where
	// a request comes from); the sign-in form is no exception.
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	return h
}

// securityHeaders puts the headers every answer carries, and caps request bodies.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		limit := int64(maxBody)
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/announcements/") && strings.HasSuffix(r.URL.Path, "/versions") {
			limit = maxUpload + 1<<20 // a recording, and the form around it
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

func staticHandler() http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// handleHealth answers a monitor or a load balancer: 200 "ok" when the database takes a
// write now, 503 naming what fails otherwise (never a constant "ok"). The check runs at
// most once a second, however often it is asked.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.healthy.check(r.Context(), s.cfg.Health, s.cfg.Now()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("failing\ndatabase: not writable (the hotline's log says why)\n"))
		return
	}
	w.Write([]byte("ok\ndatabase: writable\n"))
}

// healthCache keeps the last health check for a second.
type healthCache struct {
	mu  sync.Mutex
	at  time.Time
	err error
	log *slog.Logger
}

func (c *healthCache) check(ctx context.Context, h HealthCheck, now time.Time) error {
	if h == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && now.Sub(c.at) < time.Second && now.After(c.at) {
		return c.err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := h.CheckWritable(ctx)
	if err != nil && c.log != nil {
		c.log.Error("health check: the database does not keep what it is given", "err", err)
	}
	c.at, c.err = now, err
	return err
}

// sessionFailed answers a request whose session could not be read or saved (the
// database failing): a page in Vietnamese saying that nothing was saved, never a bare
// "Internal Server Error". What the handler writes after it is dropped (sessionErrors).
func (s *Server) sessionFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("session store", "path", r.URL.Path, "err", err)
	w.Header().Del("Location") // where the handler meant to send the user
	s.renderError(w, r, nil, http.StatusServiceUnavailable, notSaved)
	if sw, ok := w.(*sessionWriter); ok {
		sw.sealed = true
	}
}

// sessionErrors gives the session manager a writer that, once sessionFailed has written
// its page, drops what the handler still writes (the session is saved when the handler
// starts its answer, so the answer it meant to give follows the error page otherwise).
func sessionErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&sessionWriter{ResponseWriter: w}, r)
	})
}

type sessionWriter struct {
	http.ResponseWriter
	sealed bool
}

func (w *sessionWriter) WriteHeader(code int) {
	if !w.sealed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *sessionWriter) Write(b []byte) (int, error) {
	if w.sealed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the live events flush).
func (w *sessionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// notSaved is what a user is told when the database cannot take a change.
const notSaved = "Hệ thống tạm thời không ghi được dữ liệu: thao tác của bạn chưa được lưu. Hãy thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên."

// soundsHandler serves prompts to Asterisk's HTTP media cache. Prompts change only with
// a new build, so Asterisk may keep them for a while.
func (s *Server) soundsHandler() http.Handler {
	files := http.FileServerFS(s.cfg.Sounds)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		files.ServeHTTP(w, r)
	})
}

// viewer is the signed-in user a request is served for.
type viewer struct {
	User  *tickets.User
	Actor tickets.Actor
}

// handler is a console page or action, served for a signed-in user.
type handler func(w http.ResponseWriter, r *http.Request, me *viewer)

// signedIn serves h to a signed-in, active user; others go to the sign-in page (a page)
// or get 401 (an action).
func (s *Server) signedIn(h handler) http.Handler {
	return s.allow(func(*viewer) bool { return true }, h)
}

// ownAccount serves h to a signed-in user, a user who must set their own password too:
// their account page, the password change and signing out are all they reach.
func (s *Server) ownAccount(h handler) http.Handler {
	return s.guard(true, func(*viewer) bool { return true }, h)
}

// health serves h to those who see citizens' data: agents, supervisors, officers.
func (s *Server) health(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.SeesHealthData() }, h)
}

// callCentre serves h to agents and supervisors.
func (s *Server) callCentre(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.SeesCallCentre() }, h)
}

// supervisor serves h to supervisors.
func (s *Server) supervisor(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.IsSupervisor() }, h)
}

// incidents serves h to those who keep the register of personal-data incidents: the
// supervisors.
func (s *Server) incidents(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.IsSupervisor() }, h)
}

// reports serves h to supervisors, and to officers for their unit's part.
func (s *Server) reports(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.Actor.IsSupervisor() || me.User.Role == tickets.RoleOfficer }, h)
}

// admin serves h to admins.
func (s *Server) admin(h handler) http.Handler {
	return s.allow(func(me *viewer) bool { return me.User.Role == tickets.RoleAdmin }, h)
}

// confirmers serves h to those who confirm admins' user changes: supervisors and admins.
func (s *Server) confirmers(h handler) http.Handler {
	return s.allow(func(me *viewer) bool {
		return me.User.Role == tickets.RoleSupervisor || me.User.Role == tickets.RoleAdmin
	}, h)
}

// allow serves h to a signed-in user whom may accepts, and who has a password of their
// own: a user whose password an admin set is sent to their account page to set one.
func (s *Server) allow(may func(*viewer) bool, h handler) http.Handler {
	return s.guard(false, may, h)
}

func (s *Server) guard(ownAccount bool, may func(*viewer) bool, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me := s.viewerOf(r)
		if me == nil {
			s.needSignIn(w, r)
			return
		}
		// Pages of citizens' data are never kept by the browser or a proxy.
		w.Header().Set("Cache-Control", "no-store")
		if me.Actor.MustChangePassword() && !ownAccount {
			s.toOwnPassword(w, r, me)
			return
		}
		if !may(me) {
			s.renderError(w, r, me, http.StatusForbidden, "Bạn không có quyền xem trang này.")
			return
		}
		h(w, r, me)
	})
}

// Session keys: the signed-in user's id, and their session generation at sign-in.
const (
	sessionUser = "user_id"
	sessionGen  = "user_gen"
)

// viewerOf returns the signed-in user of a request, or nil. A user deactivated since
// signing in, or whose session generation moved on since (a new role, unit, phone or
// password: tickets.User.SessionGen), is signed out, and off duty too unless it was their
// own password change, made from a session that goes on (tickets.User.ShiftEndsWith):
// a change made elsewhere (the shell, another hotline) ends the shift as one made here.
func (s *Server) viewerOf(r *http.Request) *viewer {
	id := s.sessions.GetInt64(r.Context(), sessionUser)
	if id == 0 {
		return nil
	}
	gen := s.sessions.GetInt64(r.Context(), sessionGen)
	u, err := s.cfg.Store.FindUser(r.Context(), id)
	if err != nil || !u.Active || u.SessionGen != gen {
		gone := tickets.ErrorCode(err) == tickets.ENOTFOUND
		if s.cfg.Desk != nil && (gone || (err == nil && u.ShiftEndsWith(gen))) {
			if err := s.cfg.Desk.SignOut(r.Context(), id, "session ended"); err != nil {
				s.log.Warn("take a user off duty whose session ended", "user", id, "err", err)
			}
		}
		s.sessions.Destroy(r.Context())
		return nil
	}
	return &viewer{User: u, Actor: tickets.ActorFor(u)}
}

// endSessions acts on a change that ended a user's sessions (their session generation
// moved on, or they were deactivated) at once rather than at their next request: they
// are taken off duty and their pages' live streams are closed.
func (s *Server) endSessions(ctx context.Context, u *tickets.User, why string) {
	if s.cfg.Desk != nil {
		if err := s.cfg.Desk.SignOut(ctx, u.ID, why); err != nil {
			s.log.Warn("take a user off duty whose sessions ended", "user", u.ID, "err", err)
		}
	}
	if s.hub != nil {
		s.hub.endSessions(u.ID, "", u.SessionGen)
	}
}

// changeUser runs a change of a user and, if it ended their sessions, ends them now.
func (s *Server) changeUser(ctx context.Context, id int64, why string, do func() error) error {
	before, err := s.cfg.Store.FindUser(ctx, id)
	if err != nil {
		return err
	}
	if err := do(); err != nil {
		return err
	}
	after, err := s.cfg.Store.FindUser(ctx, id)
	if err != nil {
		return err
	}
	if after.SessionGen != before.SessionGen || (before.Active && !after.Active) {
		s.endSessions(ctx, after, why)
	}
	return nil
}

// toOwnPassword answers a user whose password an admin set (tickets.ActorFor): a page
// goes to their account page, which says why; an action is refused, saying why.
func (s *Server) toOwnPassword(w http.ResponseWriter, r *http.Request, me *viewer) {
	if r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	w.Header().Set("HX-Redirect", "/account")
	s.fail(w, r, me, tickets.ErrMustChangePassword)
}

func (s *Server) needSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	w.Header().Set("HX-Redirect", "/login")
	s.renderError(w, r, nil, http.StatusUnauthorized, "Phiên làm việc đã hết; hãy đăng nhập lại.")
}

// statusFor maps a domain error code to an HTTP status, in one place.
func statusFor(err error) int {
	switch tickets.ErrorCode(err) {
	case tickets.EINVALID:
		return http.StatusUnprocessableEntity
	case tickets.ENOTFOUND:
		return http.StatusNotFound
	case tickets.ECONFLICT:
		return http.StatusConflict
	case tickets.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// fail shows an error page; only internal errors are logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, me *viewer, err error) {
	status := statusFor(err)
	msg := tickets.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
		var de *tickets.Error
		if !errors.As(err, &de) && r.Method != http.MethodGet && r.Method != http.MethodHead {
			msg = notSaved // a change that failed is never left to look saved
		}
	}
	s.renderError(w, r, me, status, msg)
}

// renderError answers with a refusal or a failure in a sentence: a page, or for htmx a
// fragment that is never swapped into the part of the page the request targets (a table
// row, a form): the console's script shows it beside what was pressed.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, me *viewer, status int, msg string) {
	if isHTMX(r) {
		w.Header().Set("HX-Reswap", "none")
		s.render(w, r, status, errorFragment(status, msg))
		return
	}
	s.render(w, r, status, errorPage(s.nav(r, me, ""), status, msg))
}

// render renders into a buffer first, so a failed render never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.Error("render page", "path", r.URL.Path, "err", err)
		http.Error(w, "Hệ thống gặp lỗi khi hiển thị trang.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// isHTMX reports whether a request comes from htmx and wants a part of a page.
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") != "" && r.Header.Get("HX-Boosted") == ""
}

// seeOther sends the browser to a page after an action (or tells htmx to).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// remoteAddr is where a request came from, for the access log.
func remoteAddr(r *http.Request) string {
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		return r.RemoteAddr[:i]
	}
	return r.RemoteAddr
}

// fromConsole reports whether a request comes from the console itself, by what the
// browser says of where it comes from (Sec-Fetch-Site): one of the console's own pages
// (same-origin), or typed, a bookmark (none); a client that says nothing is taken at its
// word. A page of another site, even a sibling one (cross-site, same-site), is not: a link
// or a script there must not make the browser write views in its user's name.
func fromConsole(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// notFromConsole is what a request from another site that would log a view is told.
var notFromConsole = tickets.Errorf(tickets.EFORBIDDEN,
	"Trang này có dữ liệu cá nhân của người dân nên chỉ mở được từ bảng điều khiển của tổng đài, không từ một trang khác. Hãy mở lại từ bảng điều khiển.")

// logAccess writes who saw a citizen's data. A view that cannot be logged is not shown,
// and a request from another site does not log one (it is refused).
func (s *Server) logAccess(r *http.Request, me *viewer, action, subject string, phone *string) error {
	if !fromConsole(r) {
		return notFromConsole
	}
	err := s.cfg.Store.LogAccess(r.Context(), me.Actor, &tickets.Access{Action: action, Subject: subject, Phone: phone, RemoteAddr: remoteAddr(r)})
	if err != nil {
		return errors.Join(errAccessLog, err)
	}
	return nil
}

// errAccessLog says a view was not shown because the access log did not take it.
var errAccessLog = tickets.Errorf(tickets.EINTERNAL, "Không ghi được nhật ký truy cập; dữ liệu không được hiển thị.")

func statusText(status int) string {
	return strconv.Itoa(status) + " " + http.StatusText(status)
}
